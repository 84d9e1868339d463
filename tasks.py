"""invoke tasks: thin wrappers over the `llama98` / `c89port` command lines.

    invoke build --target win98-p2 --model stories260K_mha.bin --tokenizer tok512.bin
    invoke audit dist/win98-p2/LLAMA98.EXE --target win98-p2
    invoke port src/ --out ported/
    invoke test
    invoke bench

`invoke --list` shows them all; `invoke --help TASK` shows a task's options.
"""

from __future__ import annotations

import shlex
import sys

from invoke import Exit, task

PY = shlex.quote(sys.executable)


def _run(c, args: list[str]) -> None:
    cmd = " ".join(shlex.quote(str(a)) for a in args)
    result = c.run(cmd, warn=True, pty=False)
    if result.exited != 0:
        raise Exit(code=result.exited)


def _opt(args: list[str], flag: str, value) -> None:
    if value not in (None, False, ""):
        args.extend([flag] if value is True else [flag, str(value)])


@task(help={
    "target": "what the EXE must run on: win98-p2 (default), win98-p6, win95-486",
    "compiler": "compiler driver (default: mingw)",
    "source": "a llama2.c run.c or checkout instead of the pinned upstream",
    "model": "checkpoint to ship as MODEL.BIN: a file or a known name (stories260K)",
    "tokenizer": "vocabulary to ship as TOKENIZE.BIN (default: the known model's own)",
    "offline": "do not try to download upstream llama2.c",
    "dist": "output folder (default: dist/<target>)",
    "verbose": "print every compiler command",
    "quant": "q8: the int8 engine (llama2.c's runq.c); the model is shipped quantized",
})
def build(c, target="win98-p2", compiler="mingw", source=None, model=None, tokenizer=None,
          offline=False, dist=None, verbose=False, quant=None):
    """Build dist/<target>/: upstream llama2.c -> strict C89 -> audited Windows 98 EXE."""
    args = [PY, "-m", "toolchain.cli", "build", "--target", target, "--compiler", compiler]
    _opt(args, "--source", source)
    _opt(args, "--model", model)
    _opt(args, "--tokenizer", tokenizer)
    _opt(args, "--offline", offline)
    _opt(args, "--dist", dist)
    _opt(args, "--verbose", verbose)
    _opt(args, "--quant", quant)
    _run(c, args)


@task(help={
    "path": "the EXE (PE32) or ELF32 file to audit",
    "target": "the target whose limits apply (default: win98-p2)",
    "exports": "an export list of the exact machine (.info or one name per line)",
    "map_file": "a GNU ld map file, to name functions in a stripped file",
    "json": "print the report as JSON",
    "verbose": "list every finding, not just a few per function",
})
def audit(c, path, target="win98-p2", exports=None, map_file=None, json=False, verbose=False):
    """Check an executable against a target's CPU, PE-header and API limits (exit 0/1/2)."""
    args = [PY, "-m", "toolchain.cli", "audit", path, "--target", target]
    _opt(args, "--exports", exports)
    _opt(args, "--map", map_file)
    _opt(args, "--json", json)
    _opt(args, "--verbose", verbose)
    _run(c, args)


@task(help={
    "paths": "C files or folders to port (comma-separated)",
    "out": "output folder (the input tree is mirrored; only C files are written)",
    "include": "include directories for the analysis (comma-separated)",
    "define": "macros NAME[=VAL] for every configuration (comma-separated)",
    "target": "predefine a compiler's macros: win98-p2, borland, watcom, msvc6, linux ...",
    "config": "extra configurations the result must be right in, ';'-separated, "
              "e.g. \"-DFOO;-DBAR=2\"",
    "check": "report only; exit 1 when changes are needed",
    "diff": "print a unified diff",
    "json": "print per-file status and diagnostics as JSON",
})
def port(c, paths, out=None, include=None, define=None, target=None, config=None, check=False,
         diff=False, json=False):
    """Rewrite C99 sources into strict C89 (comments, layout and macros kept)."""
    args = [PY, "-m", "toolchain.c89.cli", *paths.split(",")]
    _opt(args, "-o", out)
    for d in (include or "").split(","):
        _opt(args, "-I", d)
    for d in (define or "").split(","):
        _opt(args, "-D", d)
    _opt(args, "--target", target)
    if config is not None:
        for flags in config.split(";"):
            args += ["--config", flags]
    _opt(args, "--check", check)
    _opt(args, "--diff", diff)
    _opt(args, "--json", json)
    _run(c, args)


@task(help={"k": "only tests matching this expression (pytest -k)",
            "fast": "skip the slow end-to-end builds"})
def test(c, k=None, fast=False):
    """Run the test suite (real MinGW, Wine, tcc, pcc; nothing mocked)."""
    args = [PY, "-m", "pytest", "-ra", "tests"]
    _opt(args, "-k", k)
    if fast:
        args += ["-m", "not slow"]
    _run(c, args)


@task(help={"model": "checkpoint for the tokens-per-second figure (default: shared stories260K_mha)",
            "engines": "only the engine comparison: upstream run.c, fp32, q8 per token (minutes)"})
def bench(c, model=None, engines=False):
    """Print speed figures: C89 port lines/s, audit speed, build time, tok/s under Wine."""
    args = [PY, "-m", "toolchain.bench"]
    _opt(args, "--model", model)
    _opt(args, "--engines", engines)
    _run(c, args)
