"""Helpers for the tests that hold c89port to what a user does with its output:
port a folder with the real command line, then build the output folder with
a strict C89 compiler and run it, next to the C99 original built by gcc.

``build_output`` builds the output folder alone (no extra -I, no other
file: c89port writes c89compat.h and the runtime sources the port calls into
it), as issue 13's "output that builds as written" asks.  ``as_written=False``
(kept for tests that port with ``--no-runtime``) adds the engine_c89 directory
for c89compat.h and the engine's runtime sources not already in the folder.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support import ENGINE, ROOT as REPO, have  # noqa: F401  (re-exported for the tests)
from support.cflags import C99, PEDANTIC as STRICT  # noqa: F401
from toolchain.runtime import by_role


def compilers() -> list[list[str]]:
    """gcc in strict C89 mode, and tcc when installed."""
    ccs = [["gcc", *STRICT, "-Wall", "-Wno-unused-function"]]
    if have("tcc"):
        ccs.append(["tcc"])
    return ccs


@dataclass
class Ported:
    status: int
    out: Path
    stdout: str
    stderr: str


def c89port(args: list[str]) -> tuple[int, str, str]:
    """Run the c89port command line in this process: (exit status, stdout, stderr)."""
    from toolchain.c89.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([*args, "--progress", "never"])
    return status, out.getvalue(), err.getvalue()


def c89port_popen(args: list[str]) -> subprocess.Popen:
    """The command line in its own process (for what may hang or take long)."""
    return subprocess.Popen([sys.executable, "-m", "toolchain.c89.cli", *args,
                             "--progress", "never"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
    return root


def port_tree(tmp: Path, files: dict[str, str | bytes], args: list[str] = ()) -> Ported:
    """Write ``files`` under tmp/src, port the folder into tmp/out."""
    src = write_tree(tmp / "src", files)
    out = tmp / "out"
    status, stdout, stderr = c89port([str(src), "-o", str(out), *args])
    return Ported(status, out, stdout, stderr)


def _run(cmd: list[str], timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, errors="surrogateescape",
                          timeout=timeout, **kw)


def build_and_run(cc: list[str], sources: list[Path], exe: Path, incs: list[Path] = (),
                  flags: list[str] = ()) -> str:
    """Compile, link (-lm) and run; assert both work; what the program printed
    (stdout, then stderr after a marker line when there is any)."""
    cmd = [*cc, *flags, *[f"-I{d}" for d in incs], *map(str, sources), "-o", str(exe), "-lm"]
    proc = _run(cmd)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr[-3000:]}"
    run = _run([str(exe)], timeout=60)
    assert run.returncode == 0, f"{exe.name}: exit {run.returncode}\n{run.stderr[-2000:]}"
    return run.stdout + (f"\n[stderr]\n{run.stderr}" if run.stderr else "")


def reference_output(tmp: Path, files: dict[str, str | bytes], units: list[str] | None = None,
                     flags: list[str] = ()) -> str:
    """What the C99 original prints (gcc -std=gnu99), built from tmp/ref out
    of ``units`` (default: every .c file)."""
    ref = write_tree(tmp / "ref", files)
    units = units or [rel for rel in files if rel.endswith(".c")]
    return build_and_run(C99, [ref / u for u in units], tmp / "ref.exe", incs=[ref],
                         flags=flags)


def runtime_in(out: Path) -> list[Path]:
    """Engine runtime sources the port put into its output folder."""
    names = {f.name for f in by_role("port") if f.is_source}
    return sorted(p for p in out.rglob("*.c") if p.name in names)


def build_output(out: Path, cc: list[str], exe: Path, units: list[str] | None = None,
                 as_written: bool = True, flags: list[str] = ()) -> str:
    """Build the ported folder (its program files ``units``, default every .c
    file that is not runtime) and run it."""
    runtime = runtime_in(out)
    if units is None:
        progs = [p for p in sorted(out.rglob("*.c")) if p not in runtime]
    else:
        progs = [out / u for u in units]
    incs: list[Path] = [out]
    srcs = progs + runtime
    if not as_written:
        if not (out / "c89compat.h").exists():
            incs.append(ENGINE)
        have_rt = {p.name for p in runtime}
        srcs += [f.path for f in by_role("port") if f.is_source and f.name not in have_rt]
    return build_and_run(cc, srcs, exe, incs=[] if as_written else incs, flags=flags)


def assert_same_everywhere(tmp: Path, files: dict[str, str | bytes], ported: Ported,
                           units: list[str] | None = None, as_written: bool = True,
                           flags: list[str] = ()) -> None:
    """The port exits 0 and its output, built by every strict C89 compiler,
    prints what the C99 original prints."""
    assert ported.status == 0, ported.stderr
    want = reference_output(tmp, files, units, flags)
    for cc in compilers():
        got = build_output(ported.out, cc, tmp / f"port-{cc[0]}.exe", units=units,
                           as_written=as_written, flags=flags)
        assert got == want, f"{cc[0]}: the port prints something else"


def assert_fixed_or_reported(tmp: Path, files: dict[str, str | bytes],
                             where: str | tuple[str, ...],
                             args: list[str] = (), units: list[str] | None = None,
                             flags: list[str] = ()) -> Ported:
    """No silent wrong output: either the port builds under strict C89 (gcc
    and tcc) and behaves like the original, or c89port fails (exit 2) with
    an error located at ``where`` ("file:line", or a tuple of places any of
    which will do)."""
    ported = port_tree(tmp, files, list(args))
    if ported.status == 0:
        assert_same_everywhere(tmp, files, ported, units, flags=flags)
    else:
        assert ported.status == 2, ported.stderr
        places = (where,) if isinstance(where, str) else where
        pat = "|".join(r"(^|/)" + re.escape(w) + r"(:\d+)?: error: " for w in places)
        assert re.search(pat, ported.stderr, re.M), \
            f"no error located at {' or '.join(places)}:\n{ported.stderr}"
    return ported


def assert_passes_through(tmp: Path, name: str, text: str | bytes) -> Ported:
    """Strict C89 input comes out byte for byte, with exit status 0."""
    data = text if isinstance(text, bytes) else text.encode()
    ported = port_tree(tmp, {name: data})
    assert ported.status == 0, ported.stderr
    assert (ported.out / name).read_bytes() == data
    return ported
