"""The int8 engine (llama2.c's runq.c with engine_c89/l98q8.c) and float exactness on x87
(engine_c89/l98float.c): every build prints what native upstream prints.

runq.c quantizes its activations (round(x / scale)), so one bit of difference in a float
becomes a different int8 value and, a few tokens later, a different story. The reference
is upstream runq.c / run.c built natively (x86-64, SSE) against glibc with its portable
float functions (GLIBC_TUNABLES disables the FMA variants, whose last bits depend on the
CPU); the engine's l98_expf/sinf/cosf compute glibc's algorithms, so the EXE needs no
particular C library.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from support import ROOT, SHARED, need_tool
from toolchain import checkpoint, engines, runtime

ENGINE = runtime.ENGINE_DIR
STRICT = ["-std=c89", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"]
GLIBC_PORTABLE = {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-FMA,-FMA4"}
# native builds of the ported sources: x86-64 (SSE), i586 with MMX and i486 (x87, scalar)
BUILDS = {
    "x86-64": ["gcc", "-O2"],
    "i586-mmx": ["gcc", "-m32", "-O2", "-march=pentium-mmx", "-mtune=pentium2",
                 "-ffp-contract=off"],
    "i486": ["gcc", "-m32", "-O2", "-march=i486", "-ffp-contract=off"],
}


def _env(**extra) -> dict:
    env = dict(os.environ)
    env.update(GLIBC_PORTABLE)
    env.update(extra)
    return env


def _run(cmd, cwd=None, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or _env(),
                          capture_output=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc


def _m32_works(tmp: Path) -> bool:
    (tmp / "m32.c").write_text("#include <stdio.h>\nint main(void) { return 0; }\n")
    return subprocess.run(["gcc", "-m32", str(tmp / "m32.c"), "-o", str(tmp / "m32")],
                          capture_output=True).returncode == 0


def _without_speed(out: bytes) -> bytes:
    return b"".join(l for l in out.splitlines(keepends=True) if b"achieved tok/s" not in l)


@pytest.fixture(scope="module")
def upstream_dir() -> Path:
    src = os.environ.get("LLAMA2C_SRC", "") or str(SHARED / "llama2.c")
    path = Path(src)
    if path.is_file():
        path = path.parent
    if not (path / "runq.c").is_file() or not (path / "run.c").is_file():
        pytest.skip(f"no pinned upstream run.c and runq.c at {src} (set LLAMA2C_SRC to a "
                    "llama2.c checkout at commit 350e04fe)")
    return path


@pytest.fixture(scope="module")
def q260k(shared_models, tmp_path_factory) -> Path:
    """stories260K quantized by the toolchain (group size 4)."""
    out = tmp_path_factory.mktemp("q260k") / "stories260K_q8.bin"
    checkpoint.quantize_file(shared_models / "stories260K.bin", out)
    return out


# ---------------------------------------------------------------- l98float.c

FLOAT_CHECK = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "l98float.h"
static unsigned long bits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
int main(int argc, char **argv)
{
    unsigned long u, step = strtoul(argv[1], 0, 10);
    unsigned cw = 0;
    if (argc > 2) cw = l98_fpu_precision(24);   /* called from code that runs at float precision */
    for (u = 0; u <= 0xFFFFFFFFUL; u += step) {
        unsigned int v = (unsigned int)u;
        float x;
        memcpy(&x, &v, 4);
        printf("%08lx %08lx %08lx %08lx %08lx\n", bits(l98_expf(x)), bits(l98_sinf(x)),
               bits(l98_cosf(x)), bits(l98_sqrtf(x)), bits(l98_powf(10000.0f, x)));
        if (u + step < u) break;
    }
    if (argc > 2) l98_fpu_restore(cw);
    return 0;
}
"""

GLIBC_CHECK = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
static unsigned long bits(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
int main(int argc, char **argv)
{
    unsigned long u, step = strtoul(argv[1], 0, 10);
    (void)argc;
    for (u = 0; u <= 0xFFFFFFFFUL; u += step) {
        unsigned int v = (unsigned int)u;
        float x;
        memcpy(&x, &v, 4);
        printf("%08lx %08lx %08lx %08lx\n", bits(expf(x)), bits(sinf(x)), bits(cosf(x)),
               bits(sqrtf(x)));
        if (u + step < u) break;
    }
    return 0;
}
"""


def _nan(word: str) -> bool:
    v = int(word, 16)
    return (v >> 23) & 0xFF == 0xFF and v & 0x7FFFFF != 0


def test_float_functions_are_glibcs_bit_for_bit(tmp_path):
    """l98_expf/sinf/cosf/sqrtf give glibc's float results (portable path) on 1/4099 of
    all floats, built strictly as C89 for x86-64 and for i586 (x87), there also when
    called at float precision; powf (the C library's pow rounded) agrees on every build."""
    need_tool("gcc")
    step = "4099"
    (tmp_path / "g.c").write_text(GLIBC_CHECK)
    (tmp_path / "f.c").write_text(FLOAT_CHECK)
    _run(["gcc", "-O2", "-fno-builtin", "g.c", "-o", "g", "-lm"], cwd=tmp_path)
    ref = [l.split() for l in _run(["./g", step], cwd=tmp_path).stdout.decode().splitlines()]
    listings = {}
    builds = {"x86-64": ["gcc", "-O2"]}
    if _m32_works(tmp_path):
        builds["i586"] = BUILDS["i586-mmx"]
    for name, cmd in builds.items():
        _run([*cmd, *STRICT, f"-I{ENGINE}", "f.c", ENGINE / "l98float.c", "-o", name, "-lm"],
             cwd=tmp_path)
        listings[name] = _run([f"./{name}", step], cwd=tmp_path).stdout.decode()
        if name == "i586":
            listings["i586-pc24"] = _run([f"./{name}", step, "pc24"], cwd=tmp_path).stdout.decode()
    ours = listings["x86-64"].splitlines()
    assert len(ours) == len(ref) > 1_000_000
    bad = []
    for got, want in zip(ours, ref):
        g = got.split()
        for k, name in enumerate(("expf", "sinf", "cosf", "sqrtf")):
            if g[k] != want[k] and not (_nan(g[k]) and _nan(want[k])):
                bad.append(f"{name}: input {want[0]}... ours {g[k]} glibc {want[k]}")
    assert not bad, "\n".join(bad[:10])
    for name, text in listings.items():
        assert text == listings["x86-64"], f"{name} differs from the x86-64 build"


ROPE_POWF = r"""
#include <stdio.h>
#include <string.h>
#include <math.h>
#include "l98float.h"
int main(void)
{
    static const int sizes[] = { 8, 16, 32, 48, 64, 80, 96, 128, 256 };
    int k, hd, bad = 0, n = 0;
    for (k = 0; k < 9; k++)
        for (hd = 0; hd < sizes[k]; hd += 2) {
            float e = hd / (float)sizes[k];
            float a = powf(10000.0f, e), b = l98_powf(10000.0f, e);
            n++;
            if (memcmp(&a, &b, 4) != 0) { bad++; printf("head size %d, %d: %a %a\n", sizes[k], hd, a, b); }
        }
    printf("%d of %d\n", bad, n);
    return 0;
}
"""


def test_powf_is_glibcs_on_every_rope_frequency(tmp_path):
    """l98_powf rounds the C library's double pow: on the RoPE frequencies of head sizes 8
    to 256 (the only powf calls) it gives glibc's powf. Those values lie at least 0.008 ulp
    from a rounding boundary, so any pow accurate to 1e-12 gives the same float."""
    need_tool("gcc")
    (tmp_path / "p.c").write_text(ROPE_POWF)
    _run(["gcc", "-std=gnu99", "-O0", "-fno-builtin", f"-I{ENGINE}", "p.c", ENGINE / "l98float.c",
          "-o", "p", "-lm"], cwd=tmp_path)
    assert _run(["./p"], cwd=tmp_path).stdout.decode().split()[-3:] == ["0", "of", "364"]


# ---------------------------------------------------------------- the kernels

KERNEL_CHECK = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "l98q8.h"

static unsigned long state = 12345;
static int rnd(int lo, int hi) { state = (state * 1103515245UL + 12345UL) & 0xFFFFFFFFUL; return lo + (int)((state >> 8) % (unsigned long)(hi - lo + 1)); }

/* runq.c's matmul, written out: the reference the kernel must equal bit for bit */
static void reference(float *xout, const signed char *xq, const float *xs,
                      const signed char *wq, const float *ws, int n, int d, int gs)
{
    int i, j, k;
    for (i = 0; i < d; i++) {
        float val = 0.0f;
        long ival = 0;
        int in = i * n;
        for (j = 0; j <= n - gs; j += gs) {
            for (k = 0; k < gs; k++)
                ival += (long)xq[j + k] * (long)wq[in + j + k];
            val += ((float)ival) * ws[(in + j) / gs] * xs[j / gs];
            ival = 0;
        }
        xout[i] = val;
    }
}

int main(int argc, char **argv)
{
    static const int shapes[][3] = {   /* n, d, group size */
        {64, 9, 4}, {172, 7, 4}, {288, 33, 32}, {768, 17, 32}, {1376, 5, 32}, {512, 11, 64},
        {96, 3, 8}, {120, 4, 24}, {100, 3, 12}, {37, 3, 5}, {40, 2, 64}, {2048, 2, 1024},
        {4096, 2, 2048}, {20000, 2, 4}, {64, 1, 1}
    };
    int s, ref = argc > 1;
    (void)argv;
    for (s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
        int n = shapes[s][0], d = shapes[s][1], gs = shapes[s][2], i, rep;
        signed char *xq = malloc((size_t)n), *wq = malloc((size_t)n * d);
        float *xs = malloc(sizeof(float) * (n / gs + 1)), *ws = malloc(sizeof(float) * (n * d / gs + 1));
        float *a = malloc(sizeof(float) * d), *b = malloc(sizeof(float) * d);
        for (rep = 0; rep < 3; rep++) {
            int extreme = rep == 2;      /* every weight -128 or 127, x -127 or 127 */
            for (i = 0; i < n; i++) xq[i] = (signed char)(extreme ? (rnd(0, 1) ? 127 : -127) : rnd(-127, 127));
            for (i = 0; i < n * d; i++) wq[i] = (signed char)(extreme ? (rnd(0, 1) ? 127 : -128) : rnd(-128, 127));
            for (i = 0; i <= n / gs; i++) xs[i] = (float)rnd(1, 100000) / 3e6f;
            for (i = 0; i <= n * d / gs; i++) ws[i] = (float)rnd(1, 100000) / 7e6f;
            if (ref)
                reference(a, xq, xs, wq, ws, n, d, gs);
            else
                l98q_matmul_gs(a, xq, xs, wq, ws, n, d, gs);
            printf("n %d gs %d:", n, gs);
            for (i = 0; i < d; i++) {
                unsigned int u;
                memcpy(&u, &a[i], 4);
                printf(" %08x", u);
            }
            printf("\n");
        }
        free(xq); free(wq); free(xs); free(ws); free(a); free(b);
    }
    printf("%s\n", ref ? "reference" : l98q_kernel_name());
    return 0;
}
"""


@pytest.fixture(scope="module")
def kernel_reference(tmp_path_factory) -> list[str]:
    """runq.c's matmul on the test data, compiled for x86-64 (SSE: every float operation
    rounded to float, as upstream runs)."""
    need_tool("gcc")
    d = tmp_path_factory.mktemp("kref")
    (d / "k.c").write_text(KERNEL_CHECK)
    _run(["gcc", "-O2", "-std=c89", f"-I{ENGINE}", "k.c", ENGINE / "l98q8.c",
          ENGINE / "l98float.c", "-o", "k", "-lm"], cwd=d)
    lines = _run(["./k", "ref"], cwd=d).stdout.decode().splitlines()
    assert lines[-1] == "reference"
    return lines[:-1]


@pytest.mark.parametrize("build", sorted(BUILDS))
@pytest.mark.parametrize("kernel", ["cpu", "scalar"])
def test_matmul_kernel_equals_runq_matmul(build, kernel, kernel_reference, tmp_path):
    """Random and extreme int8 data, group sizes 1 to 2048 (also ones that do not divide
    n): the kernel's xout equals runq.c's matmul bit for bit, with MMX and without, on
    x86-64 and on the x87 FPU."""
    if build != "x86-64" and not _m32_works(tmp_path):
        pytest.skip("gcc -m32 cannot link here (gcc-multilib)")
    (tmp_path / "k.c").write_text(KERNEL_CHECK)
    _run([*BUILDS[build], *STRICT, f"-I{ENGINE}", "k.c", ENGINE / "l98q8.c",
          ENGINE / "l98float.c", "-o", "k", "-lm"], cwd=tmp_path)
    env = _env(L98_KERNEL="scalar") if kernel == "scalar" else _env()
    lines = _run(["./k"], cwd=tmp_path, env=env).stdout.decode().splitlines()
    want = "scalar" if kernel == "scalar" or build == "i486" else "mmx"
    assert lines[-1] == want
    bad = [f"{a}\n   runq.c: {b}" for a, b in zip(lines[:-1], kernel_reference) if a != b]
    assert len(lines) - 1 == len(kernel_reference) and not bad, "\n".join(bad[:5])


def test_mmx_kernel_only_where_the_target_has_mmx(tmp_path):
    """-march=pentium-mmx compiles the MMX kernel, -march=i486 (win95-486) does not."""
    need_tool("i686-w64-mingw32-gcc")
    for march, mmx in (("pentium-mmx", True), ("i486", False), ("pentium2", True)):
        obj = tmp_path / f"{march}.o"
        _run(["i686-w64-mingw32-gcc", *STRICT, "-O2", f"-march={march}", f"-I{ENGINE}", "-c",
              ENGINE / "l98q8.c", "-o", obj])
        dis = _run(["i686-w64-mingw32-objdump", "-d", obj]).stdout.decode()
        assert ("pmaddwd" in dis) == mmx, march
        assert ("cpuid" in dis) == mmx, march


def test_engine_sources_build_with_every_compiler(tmp_path):
    """The new engine files are strict C89 for gcc, tcc and pcc (and MinGW above)."""
    for cmd in (["gcc", *STRICT], ["tcc", "-Wall", "-Werror"], ["pcc"]):
        need_tool(cmd[0])
        for f in ("l98float.c", "l98q8.c"):
            _run([*cmd, f"-I{ENGINE}", "-c", ENGINE / f, "-o", tmp_path / "x.o"])


# ---------------------------------------------------------------- the ported programs

def _port(upstream_dir: Path, engine: str, dest: Path) -> Path:
    eng = engines.engine(engine)
    text = (upstream_dir / eng.program).read_text("utf-8")
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / eng.program
    out.write_text(engines.port(eng, text, eng.program, include_dirs=[ENGINE]), "utf-8")
    return out


def _engine_sources() -> list[Path]:
    return [f.path for f in runtime.by_role("port", "llama") if f.is_source]


@pytest.fixture(scope="module")
def native(upstream_dir, tmp_path_factory) -> dict[str, Path]:
    """Upstream run.c and runq.c built natively as llama2.c's README says."""
    need_tool("gcc")
    d = tmp_path_factory.mktemp("native")
    out = {}
    for prog in ("run.c", "runq.c"):
        exe = d / prog.replace(".c", "")
        _run(["gcc", "-O3", "-o", exe, upstream_dir / prog, "-lm"])
        out[prog] = exe
    return out


@pytest.fixture(scope="module")
def ported(upstream_dir, tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Our fp32 and q8 programs, ported and built strictly for each native build."""
    need_tool("gcc")
    d = tmp_path_factory.mktemp("ported")
    m32 = _m32_works(d)
    out = {}
    for engine in ("fp32", "q8"):
        src = _port(upstream_dir, engine, d / engine)
        for build, cmd in BUILDS.items():
            if build != "x86-64" and not m32:
                continue
            exe = d / f"{engine}-{build}"
            # -Wall without -Werror: upstream's own warnings (OpenMP pragmas) stay
            _run([*cmd, "-std=c89", "-pedantic-errors", f"-I{ENGINE}", src, *_engine_sources(),
                  "-o", exe, "-lm"])
            out[(engine, build)] = exe
    return out


RUNS = [
    ["-t", "0", "-n", "256"],
    ["-t", "1", "-s", "42", "-n", "256"],
    ["-t", "0.8", "-p", "0.9", "-s", "7", "-n", "200", "-i", "Once upon a time"],
    ["-t", "1.2", "-p", "0.5", "-s", "3", "-n", "512", "-i", "Tim and Sue"],
]


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_q8_port_prints_what_upstream_runq_prints(build, ported, native, q260k, shared_models,
                                                  tmp_path):
    """stories260K quantized by the toolchain: greedy, sampled, top-p with a prompt, a long
    run; the MMX and the scalar kernel."""
    if ("q8", build) not in ported:
        pytest.skip("gcc -m32 cannot link here (gcc-multilib)")
    tok = shared_models / "tok512.bin"
    for args in RUNS:
        want = _without_speed(_run([native["runq.c"], q260k, "-z", tok, *args]).stdout)
        got = _without_speed(_run([ported[("q8", build)], q260k, "-z", tok, *args]).stdout)
        assert got == want, args
        if build == "i586-mmx":
            got = _run([ported[("q8", build)], q260k, "-z", tok, *args],
                       env=_env(L98_KERNEL="scalar")).stdout
            assert _without_speed(got) == want, args
    assert want.startswith(b"Tim and Sue")


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_fp32_port_prints_what_upstream_run_prints(build, ported, native, shared_models):
    if ("fp32", build) not in ported:
        pytest.skip("gcc -m32 cannot link here (gcc-multilib)")
    model, tok = shared_models / "stories260K.bin", shared_models / "tok512.bin"
    for args in RUNS:
        want = _without_speed(_run([native["run.c"], model, "-z", tok, *args]).stdout)
        got = _without_speed(_run([ported[("fp32", build)], model, "-z", tok, *args]).stdout)
        assert got == want, args


def test_q8_patches_do_not_apply_to_run_c(upstream_dir):
    """runq.toml finds what it changes by structure; on run.c it says what is missing."""
    from toolchain.diag import ToolchainError
    from toolchain.patching import apply_patches
    text = (upstream_dir / "run.c").read_text("utf-8")
    with pytest.raises(ToolchainError, match="no longer applies"):
        apply_patches(text, "run.c", engines.PATCH_DIR / "runq.toml")


@pytest.mark.slow
def test_stories42m_q8_runs_in_100_mb(ported, native, tmp_path):
    """A stories42M-shaped checkpoint (random weights) quantized: the i586 build's peak
    resident set for 256 tokens is at most 100 MB (upstream runq.c's is not), and the
    output is upstream's."""
    need_tool("/usr/bin/time")
    if ("q8", "i586-mmx") not in ported:
        pytest.skip("gcc -m32 cannot link here (gcc-multilib)")
    tok = SHARED / "models" / "tokenizer.bin"
    if not tok.is_file():
        pytest.skip(f"no Llama 2 vocabulary at {tok}")
    cfg = checkpoint.Config(512, 1376, 8, 8, 8, 32000, 1024)
    model = tmp_path / "s42q.bin"
    checkpoint.write_checkpoint(checkpoint.quantize(checkpoint.random_checkpoint(cfg, seed=3)),
                                model)

    def peak(exe):
        proc = _run(["/usr/bin/time", "-f", "peak %M", exe, model, "-z", tok, "-t", "0",
                     "-n", "256"])
        kb = int(proc.stderr.decode().rsplit("peak ", 1)[1].split()[0])
        return kb, _without_speed(proc.stdout)

    ours, out = peak(ported[("q8", "i586-mmx")])
    theirs, want = peak(native["runq.c"])
    assert out == want
    assert ours <= 100 * 1024 < theirs, (ours, theirs)


# ---------------------------------------------------------------- llama98 build --quant q8

def _llama98(*args, env=None) -> subprocess.CompletedProcess:
    import sys
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env)


@pytest.fixture(scope="module")
def q8_dist(upstream_dir, shared_models, tmp_path_factory) -> Path:
    need_tool("i686-w64-mingw32-gcc")
    out = tmp_path_factory.mktemp("q8build")
    proc = _llama98("build", "--quant", "q8", "--source", upstream_dir,
                    "--model", shared_models / "stories260K.bin",
                    "--tokenizer", shared_models / "tok512.bin",
                    "--dist", out / "dist", "--build-dir", out / "build")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "engine q8" in proc.stdout and "quantized stories260K.bin to int8" in proc.stdout
    return out / "dist"


@pytest.mark.slow
def test_q8_build_ships_the_quantized_model_and_says_so(q8_dist, shared_models, tmp_path):
    want = tmp_path / "q.bin"
    checkpoint.quantize_file(shared_models / "stories260K.bin", want)
    assert (q8_dist / "MODEL.BIN").read_bytes() == want.read_bytes()
    readme = (q8_dist / "README.TXT").read_bytes().decode("ascii")
    assert "Engine: q8, llama2.c runq.c" in readme
    assert "in runs of up to 256 tokens (-n 256, the default)" in " ".join(readme.split())
    audit = (q8_dist / "AUDIT.TXT").read_bytes().decode("ascii")
    assert "MMX instructions in: l98q_rows_mmx" in audit and "\r\nPASS" in audit


@pytest.mark.slow
@pytest.mark.wine
def test_q8_exe_prints_what_upstream_runq_prints(q8_dist, native, wine_env):
    """The EXE under Wine, native upstream runq.c on the same MODEL.BIN: greedy, sampled,
    top-p with a prompt, byte for byte (MSVCRT's text mode makes the line ends CRLF)."""
    scalar = dict(wine_env, L98_KERNEL="scalar")      # the kernel of CPUs without MMX
    for args, env in zip(RUNS[:3] + RUNS[1:2], [wine_env] * 3 + [scalar]):
        proc = subprocess.run(["wine", "LLAMA98.EXE", "MODEL.BIN", "-z", "TOKENIZE.BIN", *args],
                              cwd=q8_dist, env=env, capture_output=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        want = _run([native["runq.c"], "MODEL.BIN", "-z", "TOKENIZE.BIN", *args],
                    cwd=q8_dist).stdout
        assert _without_speed(proc.stdout) == _without_speed(want).replace(b"\n", b"\r\n"), args


@pytest.mark.slow
def test_q8_for_the_486_has_no_mmx(upstream_dir, shared_models, tmp_path):
    need_tool("i686-w64-mingw32-gcc")
    proc = _llama98("build", "--quant", "q8", "--target", "win95-486", "--source", upstream_dir,
                    "--model", shared_models / "stories260K.bin",
                    "--tokenizer", shared_models / "tok512.bin",
                    "--dist", tmp_path / "dist", "--build-dir", tmp_path / "build")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    audit = (tmp_path / "dist" / "AUDIT.TXT").read_bytes().decode("ascii")
    assert "MMX" not in audit.split("Instructions (ISA", 1)[1] and "\r\nPASS" in audit


def test_q8_offline_without_runq_is_one_line(shared_models, tmp_path):
    """The July 2023 fallback has no runq.c: one error line (and a hint), nothing written."""
    proc = _llama98("build", "--quant", "q8", "--offline", "--cache-dir", tmp_path / "cache",
                    "--model", shared_models / "stories260K.bin",
                    "--tokenizer", shared_models / "tok512.bin",
                    "--dist", tmp_path / "dist", "--build-dir", tmp_path / "build")
    assert proc.returncode != 0
    errors = [l for l in proc.stderr.splitlines() if l.startswith("llama98: error:")]
    assert len(errors) == 1 and "runq.c" in errors[0] and "July 2023" in errors[0]
    assert "Traceback" not in proc.stderr and not (tmp_path / "dist").exists()


@pytest.mark.slow
@pytest.mark.wine
def test_q8_open_watcom_exe_prints_what_upstream_runq_prints(upstream_dir, shared_models, native,
                                                             wine_env, tmp_path):
    """Open Watcom gets the scalar kernel and sets the precision with _control87: its EXE
    prints what upstream prints too."""
    setenv = SHARED / "openwatcom" / "owsetenv.sh"
    if not setenv.is_file():
        pytest.skip(f"no Open Watcom at {setenv.parent}")
    proc = subprocess.run(["bash", "-c", '. "$1" >/dev/null && env -0', "owsetenv", str(setenv)],
                          capture_output=True, check=True)
    env = dict(item.split("=", 1) for item in proc.stdout.decode().split("\0") if "=" in item)
    proc = _llama98("build", "--quant", "q8", "--compiler", "openwatcom", "--source", upstream_dir,
                    "--model", shared_models / "stories260K.bin",
                    "--tokenizer", shared_models / "tok512.bin",
                    "--dist", tmp_path / "dist", "--build-dir", tmp_path / "build", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    dist = tmp_path / "dist"
    for args in RUNS[1:3]:
        got = subprocess.run(["wine", "LLAMA98.EXE", "MODEL.BIN", "-z", "TOKENIZE.BIN", *args],
                             cwd=dist, env=wine_env, capture_output=True, timeout=600)
        assert got.returncode == 0, got.stderr[-2000:]
        want = _run([native["runq.c"], "MODEL.BIN", "-z", "TOKENIZE.BIN", *args], cwd=dist).stdout
        assert _without_speed(got.stdout) == _without_speed(want).replace(b"\n", b"\r\n"), args
