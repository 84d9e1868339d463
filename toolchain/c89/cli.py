"""``c89port``: rewrite C99 files as strict C89.

    c89port FILES/DIRS -o OUTDIR [-I DIR] [-D NAME[=VAL]] [--check] [--diff]

Directories are searched for ``*.c``/``*.h``; outputs keep their path
relative to the directory given (files given directly land in OUTDIR).
``--check`` writes nothing and exits 1 when some file would change.
Errors are printed compiler-style to stderr (exit 2); a unit that failed
writes nothing; outputs are written atomically.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile

from ..diag import Diagnostic, ToolchainError
from .pipeline import port_source

PROG = "c89port"


def _inputs(paths: list[str]) -> list[tuple[str, str]]:
    """(source path, output relative path) for every input."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".c", ".h")):
                        full = os.path.join(root, f)
                        out.append((full, os.path.relpath(full, p)))
        elif os.path.isfile(p):
            out.append((p, os.path.basename(p)))
        else:
            raise ToolchainError(f"no such file or directory: {p}", exit_code=2)
    return out


def _write_atomic(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".c89port-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description="Rewrite C99 sources as strict C89.")
    ap.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR")
    ap.add_argument("-o", "--output", metavar="OUTDIR")
    ap.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR")
    ap.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VAL]")
    ap.add_argument("--check", action="store_true", help="exit 1 if changes are needed")
    ap.add_argument("--diff", action="store_true", help="print a unified diff")
    ap.add_argument("--compat-header", default="c89compat.h")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    if not args.check and not args.diff and not args.output:
        print(f"{PROG}: error: -o OUTDIR is required (or --check/--diff)", file=sys.stderr)
        return 2
    status = 0
    needs_change = False
    try:
        units = _inputs(args.inputs)
    except ToolchainError as err:
        print(err.render(PROG), file=sys.stderr)
        return err.exit_code
    for src, rel in units:
        try:
            try:
                with open(src, encoding="utf-8", newline="") as f:
                    text = f.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise ToolchainError(f"cannot read {src}: {exc}", exit_code=2) from None
            res = port_source(text, src, include_dirs=args.include_dirs,
                              defines=args.defines, compat_header=args.compat_header)
        except ToolchainError as err:
            print(err.render(PROG), file=sys.stderr)
            status = max(status, err.exit_code or 2)
            continue
        except Exception as exc:  # never a traceback
            print(str(Diagnostic(src, 0, 0, "error", f"internal error: {exc!r}", "c89port")),
                  file=sys.stderr)
            status = 2
            continue
        for d in res.diagnostics:
            if d.severity != "note":
                print(str(d), file=sys.stderr)
        if res.changed:
            needs_change = True
        if args.diff and res.changed:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(True), res.text.splitlines(True),
                fromfile=src, tofile=os.path.join(args.output or "", rel)))
        if args.output and not args.check:
            try:
                _write_atomic(os.path.join(args.output, rel), res.text)
            except OSError as exc:
                print(f"{PROG}: error: cannot write {rel}: {exc}", file=sys.stderr)
                status = 2
    if status:
        return status
    if args.check and needs_change:
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
