"""``llama98``: the product's command line (build, audit, port)."""

from __future__ import annotations

import argparse
import sys

from . import __version__
from .diag import ToolchainError, report


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_main
    return build_main(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from .audit.cli import audit_main
    return audit_main(args)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llama98",
        description="Build llama2.c (and other C99 code) as strict C89 and Pentium-safe "
                    "Windows 98 executables.")
    parser.add_argument("--version", action="version", version=f"llama98 {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from .build import add_build_arguments
    build = sub.add_parser("build", help="fetch, port, patch, compile, audit and package llama2.c",
                           description="Build dist/<target>/ with LLAMA98.EXE, RUN.BAT, README.TXT.")
    add_build_arguments(build)
    build.set_defaults(func=_cmd_build)

    from .audit.cli import add_audit_arguments
    audit = sub.add_parser("audit", help="check an EXE against a target's CPU, PE and API limits",
                           description="Decode every instruction, check PE headers and imports.")
    add_audit_arguments(audit)
    audit.set_defaults(func=_cmd_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ToolchainError as err:
        return report(err)
    except KeyboardInterrupt:
        print("llama98: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
