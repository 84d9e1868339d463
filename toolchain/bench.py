"""``invoke bench``: speed figures, printed (never asserted by tests).

1. C89 port throughput: lines per second of the whole pipeline (patches excluded)
   on llama2.c's run.c (parse caches emptied before each run), and on a large
   real C99 project, cmark-gfm from the cmarkgfm sdist on PyPI (pinned, hash-checked,
   cached in ~/.cache/llama98/sdists): every .c/.h of its library ported by
   worker processes (one per core, each starting with empty caches), counting
   the lines of the files that port and the wall time they took.  And one
   generated 200,000-line C99 file (``toolchain/c89/synthetic.py``), ported
   in a fresh process: the time grows with the size of a file, not its square,
   and the process's peak memory.
2. Audit throughput: bytes of code decoded per second on the last built EXE.
3. Build: wall time of a complete `llama98 build`.
4. Inference: tokens per second of LLAMA98.EXE under Wine (an emulated-OS figure on
   this machine's CPU; the real figure comes from a Pentium-class machine).
5. Engines (``--engines``, alone: it takes minutes): upstream run.c, llama98's fp32 and
   q8 engines on stories15M- and stories42M-shaped checkpoints, per token: instructions,
   x87 and MMX instructions (callgrind), weight bytes read, peak memory; ratios to
   upstream run.c (toolchain/enginebench.py).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import runtime
from .diag import ToolchainError, report

ROOT = Path(__file__).resolve().parent.parent
SHARED_MODELS = ROOT.parent / "shared" / "models"


def _best_of(n: int, fn) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _cold_caches() -> None:
    from .c89 import clear_caches
    clear_caches()


def bench_port(source: Path) -> None:
    from .c89 import port_source
    from .patching import apply_patches
    text = apply_patches(source.read_text("utf-8"), source.name).text
    lines = text.count("\n")

    def run():
        _cold_caches()
        port_source(text, source.name, include_dirs=[runtime.ENGINE_DIR])
    seconds = _best_of(3, run)
    print(f"port     {source.name}: {lines} lines in {seconds * 1000:.0f} ms "
          f"= {lines / seconds:,.0f} lines/s (best of 3, empty caches)")


def bench_port_project(jobs: int | None = None) -> None:
    """Port cmark-gfm (the library sources of the cmarkgfm sdist)."""
    from .c89 import sdist
    from .c89.project import default_jobs, port_files
    try:
        top = sdist.CMARKGFM.extract(sdist.default_cache())
    except (sdist.Unavailable, sdist.HashMismatch) as exc:
        print(f"port     cmark-gfm: skipped ({exc})")
        return
    cmark = top / "third_party" / "cmark"
    dirs = [cmark / "src", cmark / "extensions"]
    incs = dirs + [top / "generated" / "unix"]
    files = sorted(p for d in dirs for p in d.iterdir() if p.suffix in (".c", ".h"))
    items = [(str(p), p.read_text("utf-8")) for p in files]
    total = sum(t.count("\n") for _, t in items)
    # which files port at all (the others stop early and would flatter the figure)
    first = port_files(items, jobs=jobs, include_dirs=incs)
    good = [it for it, r in zip(items, first) if r.ok]
    lines = sum(t.count("\n") for _, t in good)
    for n in sorted({jobs or default_jobs(), 1}, reverse=True):
        def run():
            _cold_caches()   # this process, and the workers it forks, start empty
            port_files(good, jobs=n, include_dirs=incs)
        seconds = _best_of(3, run)
        print(f"port     cmark-gfm {sdist.CMARKGFM.version}: {len(good)} of {len(items)} files, "
              f"{lines:,} of {total:,} lines in {seconds:.1f} s = {lines / seconds:,.0f} lines/s "
              f"({n} process{'es' if n > 1 else ''}, best of 3, empty caches)")
    failed = [os.path.basename(p) for (p, _), r in zip(items, first) if not r.ok]
    if failed:
        print(f"         not ported (reported errors): {', '.join(failed)}")


def _port_generated(lines: int) -> tuple[int, float, float]:
    """(lines, seconds, peak resident MB) of porting one generated file, in
    the process that runs it (a fresh one: see ``bench_port_large``)."""
    import resource
    from .c89 import port_source
    from .c89.synthetic import generate
    text = generate(lines)
    t0 = time.perf_counter()
    port_source(text, "generated.c", include_dirs=[ROOT / "engine_c89"])
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KB on Linux
    return text.count("\n"), seconds, peak


def bench_port_large(lines: int) -> None:
    """Port one generated file of ``lines`` lines, in a fresh process."""
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        n, seconds, peak = pool.apply(_port_generated, (lines,))
    print(f"port     generated C99, one file: {n:,} lines in {seconds:.1f} s "
          f"= {n / seconds:,.0f} lines/s (1 process, one run, empty caches; peak memory "
          f"{peak:,.0f} MB)")


def bench_audit(exe: Path) -> None:
    from .audit import audit_file
    size = exe.stat().st_size
    seconds = _best_of(3, lambda: audit_file(exe, "win98-p2"))
    print(f"audit    {exe.name}: {size:,} bytes in {seconds * 1000:.0f} ms "
          f"= {size / seconds / 1e6:.2f} MB/s (best of 3)")


def bench_build(model: Path, tokenizer: Path, work: Path) -> Path:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "toolchain.cli", "build", "--offline",
                           "--model", str(model), "--tokenizer", str(tokenizer),
                           "--dist", str(work / "dist"), "--build-dir", str(work / "build")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolchainError("benchmark build failed:\n" + proc.stdout + proc.stderr)
    print(f"build    complete llama98 build: {time.perf_counter() - t0:.1f} s")
    return work / "dist"


def bench_wine(dist: Path) -> None:
    if not shutil.which("wine"):
        print("tok/s    skipped: wine not installed")
        return
    from .verify import greedy_args
    from .wine import wine_env
    env = wine_env(dist.parent)

    def wine(*args: str) -> str:
        proc = subprocess.run(["wine", "LLAMA98.EXE", *args], cwd=dist, env=env,
                              capture_output=True, text=True, timeout=600)
        return proc.stdout + proc.stderr

    args = greedy_args(wine(), 256)        # the program's own usage says how
    match = re.search(r"achieved tok/s: ([0-9.]+)", wine(*args)) if args else None
    figure = f"{float(match.group(1)):.0f}" if match else "?"
    print(f"tok/s    LLAMA98.EXE under Wine on this host, greedy, 256 steps: {figure} tok/s "
          "(EXO Labs' Pentium II 350 MHz: 39.31 tok/s on stories260K)")


def bench_engines(llama2c: str | None) -> None:
    from . import enginebench
    results = enginebench.measure(llama2c)
    print(enginebench.table(results))


def make_parser() -> argparse.ArgumentParser:
    """The options of ``invoke bench`` too (toolchain/tasks.py reads this parser)."""
    parser = argparse.ArgumentParser(prog="llama98-bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=SHARED_MODELS / "stories260K_mha.bin",
                        help="checkpoint for the build and tokens-per-second figures")
    parser.add_argument("--tokenizer", type=Path, default=SHARED_MODELS / "tok512.bin",
                        help="its vocabulary")
    parser.add_argument("--port-only", action="store_true",
                        help="only the C89 port figures (no build, no Wine)")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="worker processes for the project port (default: one per core)")
    parser.add_argument("--large-lines", type=int, default=200_000,
                        help="lines of the generated one-file port (0: skip it)")
    parser.add_argument("--engines", action="store_true",
                        help="only the engine comparison (upstream run.c, fp32, q8; minutes)")
    parser.add_argument("--llama2c", metavar="DIR", default=None,
                        help="llama2.c checkout with run.c and runq.c at the pinned commit "
                             "(default: $LLAMA2C_SRC, else ../shared/llama2.c)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        if args.engines:
            bench_engines(args.llama2c)
            return 0
        from .upstream import resolve_source
        source = resolve_source(None, offline=True, notify=lambda m: None)
        bench_port(source.path)
        bench_port_project(args.jobs)
        if args.large_lines > 0:
            bench_port_large(args.large_lines)
        if args.port_only:
            return 0
        with tempfile.TemporaryDirectory(prefix="llama98-bench-") as tmp:
            dist = bench_build(args.model, args.tokenizer, Path(tmp))
            bench_audit(dist / "LLAMA98.EXE")
            bench_wine(dist)
    except ToolchainError as err:
        return report(err, "llama98-bench")
    return 0


if __name__ == "__main__":
    sys.exit(main())
