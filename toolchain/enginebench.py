"""``invoke bench --engines``: what a token costs in upstream run.c, our fp32 and our q8.

For each engine and each model shape (stories15M and stories42M, random weights made
by toolchain/checkpoint.py and cached), the program is built natively for i586
(gcc -m32 -static with the MinGW driver's flags for win98-p2; upstream's C99 source
with -std=gnu99 instead of -std=c89 -pedantic-errors) and measured:

* instructions per token: callgrind over two run lengths (greedy), the difference
  divided by the difference of tokens, so loading and start-up cancel out;
* x87 and MMX instructions per token: the same runs with per-instruction counts,
  each executed instruction classed by its CPUID features (iced-x86);
* weight bytes read per token: from the checkpoint's shapes (every matrix once per
  token, int8 ones with their scales);
* peak memory: the largest resident set (/usr/bin/time) of a 256-token run;

and each as a ratio to upstream run.c. Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .diag import ToolchainError

ROOT = Path(__file__).resolve().parent.parent
SHAPES = {
    #              dim, hidden, layers, heads, kv heads, vocab, seq_len
    "stories15M": (288, 768, 6, 6, 6, 32000, 256),
    "stories42M": (512, 1376, 8, 8, 8, 32000, 1024),
}
RUNS = {"stories15M": (4, 12), "stories42M": (2, 6)}    # the two run lengths (tokens)
MEMORY_STEPS = 256
ENGINES = ("upstream", "fp32", "q8")


@dataclass
class Figures:
    instructions: float
    x87: float
    mmx: float
    weight_bytes: int
    peak_kb: int


def _llama2c_dir(given: str | None) -> Path:
    for cand in (given, os.environ.get("LLAMA2C_SRC"), ROOT.parent / "shared" / "llama2.c"):
        if cand and (Path(cand) / "run.c").is_file() and (Path(cand) / "runq.c").is_file():
            return Path(cand)
    raise ToolchainError("the engine bench needs llama2.c's run.c and runq.c at the pinned "
                         "commit", hint="pass --llama2c DIR or set LLAMA2C_SRC")


def models(cache: Path) -> dict[str, tuple[Path, Path]]:
    """(fp32 file, q8 file) per shape, made once and kept in ``cache``."""
    from . import checkpoint
    out = {}
    cache.mkdir(parents=True, exist_ok=True)
    for shape, dims in SHAPES.items():
        cfg = checkpoint.Config(*dims)
        fp32, q8 = cache / f"{shape}-random.bin", cache / f"{shape}-random-q8.bin"
        if not (fp32.is_file() and q8.is_file()):
            ckpt = checkpoint.random_checkpoint(cfg, seed=1)
            checkpoint.write_checkpoint(ckpt, fp32)
            checkpoint.write_checkpoint(checkpoint.quantize(ckpt), q8)
        out[shape] = (fp32, q8)
    return out


def _flags() -> list[str]:
    from .compilers.mingw import MinGW
    from .targets import load_target
    cflags, _ = MinGW().flags(load_target("win98-p2"))
    return ["-m32", "-static", *cflags]


def build(engine: str, llama2c: Path, work: Path) -> Path:
    """The native i586 program of one engine."""
    from . import engines, runtime
    flags = _flags()
    exe = work / f"bench-{engine}"
    if engine == "upstream":
        flags = ["-std=gnu99" if f == "-std=c89" else f for f in flags if f != "-pedantic-errors"]
        sources = [llama2c / "run.c"]
    else:
        eng = engines.engine(engine)
        src = work / f"{engine}-{eng.program}"
        text = (llama2c / eng.program).read_text("utf-8")
        src.write_text(engines.port(eng, text, eng.program, include_dirs=[runtime.ENGINE_DIR]),
                       "utf-8")
        sources = [src] + [f.path for f in runtime.by_role("port", "llama") if f.is_source]
    proc = subprocess.run(["gcc", *flags, f"-I{runtime_dir()}", *map(str, sources), "-o",
                           str(exe), "-lm"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolchainError(f"bench build of {engine} failed:\n{proc.stderr[-3000:]}")
    return exe


def runtime_dir() -> Path:
    from . import runtime
    return runtime.ENGINE_DIR


def _classes(exe: Path) -> dict[int, str]:
    """Address -> "x87" or "mmx" for every instruction of the program that is one."""
    from iced_x86 import CpuidFeature, Decoder
    from .audit.image import load_image
    image = load_image(exe)
    fpu = {CpuidFeature.FPU, CpuidFeature.FPU287, CpuidFeature.FPU387}
    out: dict[int, str] = {}
    for sec in image.sections:
        if not sec.executable:
            continue
        for instr in Decoder(32, sec.data, ip=sec.vaddr):
            feats = set(instr.cpuid_features())
            if CpuidFeature.MMX in feats:
                out[instr.ip] = "mmx"
            elif feats & fpu:
                out[instr.ip] = "x87"
    return out


def _callgrind(exe: Path, model: Path, tokenizer: Path, steps: int, work: Path,
               classes: dict[int, str]) -> tuple[int, int, int]:
    """(instructions, x87, MMX) of one greedy run of ``steps`` tokens."""
    out = work / f"callgrind.{exe.name}.{model.stem}.{steps}"
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--dump-instr=yes", "--dump-line=no",
                           "--compress-strings=no", "--compress-pos=no",
                           f"--callgrind-out-file={out}", str(exe), str(model), "-z",
                           str(tokenizer), "-t", "0", "-n", str(steps)],
                          capture_output=True, text=True, cwd=work)
    if proc.returncode != 0:
        raise ToolchainError(f"callgrind run of {exe.name} failed:\n{proc.stderr[-2000:]}")
    total = x87 = mmx = 0
    skip = False
    with open(out) as f:
        for line in f:
            if line.startswith("calls="):
                skip = True             # the next cost line is the callee's inclusive cost
                continue
            if not line.startswith("0x"):
                continue
            if skip:
                skip = False
                continue
            addr, cost = line.split()[0], int(line.split()[-1])
            total += cost
            kind = classes.get(int(addr, 16))
            if kind == "x87":
                x87 += cost
            elif kind == "mmx":
                mmx += cost
    out.unlink()
    return total, x87, mmx


def _peak_kb(exe: Path, model: Path, tokenizer: Path, work: Path) -> int:
    proc = subprocess.run(["/usr/bin/time", "-f", "peak %M", str(exe), str(model), "-z",
                           str(tokenizer), "-t", "0", "-n", str(MEMORY_STEPS)],
                          capture_output=True, text=True, cwd=work)
    m = re.search(r"peak (\d+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise ToolchainError(f"memory run of {exe.name} failed:\n{proc.stderr[-2000:]}")
    return int(m.group(1))


def measure(llama2c: str | None = None, cache: Path | None = None,
            shapes=tuple(SHAPES), log=print) -> dict[tuple[str, str], Figures]:
    from . import checkpoint, engines
    from .upstream import resolve_cache_dir
    for tool in ("gcc", "valgrind", "/usr/bin/time"):
        if not shutil.which(tool):
            raise ToolchainError(f"the engine bench needs {tool}")
    src = _llama2c_dir(llama2c)
    tokenizer = ROOT.parent / "shared" / "models" / "tokenizer.bin"
    if not tokenizer.is_file():
        raise ToolchainError(f"the engine bench needs Llama 2's 32000-token vocabulary at {tokenizer}")
    files = models(cache or resolve_cache_dir() / "bench")
    results: dict[tuple[str, str], Figures] = {}
    with tempfile.TemporaryDirectory(prefix="llama98-engines-") as tmp:
        work = Path(tmp)
        for engine in ENGINES:
            exe = build(engine, src, work)
            classes = _classes(exe)
            for shape in shapes:
                fp32, q8 = files[shape]
                model = q8 if engine == "q8" else fp32
                a, b = RUNS[shape]
                ra = _callgrind(exe, model, tokenizer, a, work, classes)
                rb = _callgrind(exe, model, tokenizer, b, work, classes)
                per = [(y - x) / (b - a) for x, y in zip(ra, rb)]
                cfg = checkpoint.Config(*SHAPES[shape])
                fmt = "q8" if engine == "q8" else "fp32"
                gs = checkpoint.choose_group_size(cfg) if fmt == "q8" else 0
                fig = Figures(per[0], per[1], per[2],
                              engines.weight_bytes_per_token(cfg, fmt, gs),
                              _peak_kb(exe, model, tokenizer, work))
                results[(engine, shape)] = fig
                log(f"engines  {engine:<8} {shape}: {fig.instructions / 1e6:.1f}M instructions/token")
    return results


NAMES = {"upstream": "upstream run.c", "fp32": "llama98 fp32", "q8": "llama98 q8"}


def table(results: dict[tuple[str, str], Figures]) -> str:
    """The figures as a Markdown table, ratios to upstream run.c in parentheses."""
    rows = ["| shape | engine | instructions/token | x87/token | MMX/token | weight bytes/token "
            "| peak memory |", "|---|---|---|---|---|---|---|"]
    for shape in SHAPES:
        base = results.get(("upstream", shape))
        for engine in ENGINES:
            f = results.get((engine, shape))
            if f is None or base is None:
                continue

            def ratio(v, b):
                return f" ({v / b:.2f}x)" if b else ""
            rows.append(
                f"| {shape} | {NAMES[engine]} | {f.instructions / 1e6:.1f}M"
                f"{ratio(f.instructions, base.instructions)} | {f.x87 / 1e6:.1f}M"
                f"{ratio(f.x87, base.x87)} | {f.mmx / 1e6:.1f}M | {f.weight_bytes / 1e6:.1f} MB"
                f"{ratio(f.weight_bytes, base.weight_bytes)} | {f.peak_kb / 1024:.0f} MB"
                f"{ratio(f.peak_kb, base.peak_kb)} |")
    return "\n".join(rows)
