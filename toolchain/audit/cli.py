"""``llama98 audit PATH --target NAME``: the audit's command line.

Exit codes: 0 clean, 1 violations, 2 unreadable input (file, export list, map file, target).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diag import ToolchainError
from ..targets import target_names


def add_audit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help="PE32 .exe/.dll (or ELF32 i386) to audit")
    parser.add_argument("--target", "-t", default="win98-p2",
                        help="target to check against (default: win98-p2; known: "
                             + ", ".join(target_names()) + ")")
    parser.add_argument("--exports", metavar="FILE",
                        help="check imports against this export list (EntryPointExamer .info "
                             "'dll<TAB>function' lines, or one name a line) instead of llama98's own list")
    parser.add_argument("--map", metavar="FILE", help="GNU ld -Map file to name functions in a stripped EXE")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--report", metavar="FILE",
                        help="also write the report to FILE (JSON if FILE ends in .json, else text)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="list every finding, not only a few examples per function")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the one-line summary")


def audit_main(args: argparse.Namespace) -> int:
    from . import audit_file
    from .image import AuditInputError

    try:
        rep = audit_file(args.path, args.target, exports_path=args.exports, map_path=args.map)
    except AuditInputError as err:
        print(f"{err.path}: error: {err.reason}", file=sys.stderr)
        if err.hint:
            print(f"{err.path}: note: {err.hint}", file=sys.stderr)
        return 2
    except ToolchainError as err:
        if err.exit_code == 1:
            err.exit_code = 2   # any failure to read the inputs is "unreadable input"
        raise
    if args.json:
        out_text = rep.to_json() + "\n"
    elif args.quiet:
        out_text = rep.summary() + "\n"
    else:
        out_text = rep.format_text(verbose=args.verbose)
    try:
        sys.stdout.write(out_text)
        sys.stdout.flush()
    except BrokenPipeError:   # `llama98 audit X | head`: not an error of the audit
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if args.report:
        out = Path(args.report)
        try:
            out.write_text(rep.to_json() + "\n" if out.suffix == ".json" else rep.format_text(verbose=True),
                           encoding="utf-8")
        except OSError as exc:
            raise ToolchainError(f"{out}: cannot write report: {exc.strerror}", exit_code=2)
    return 0 if rep.ok else 1
