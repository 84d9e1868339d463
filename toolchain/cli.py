"""``llama98``: the product's command line (build, audit, port, targets, doctor).

Every failure is one line, ``llama98: error: ...`` (plus an optional ``note:``), never a
traceback: ToolchainError is the normal path; an OSError that slipped through a command
is caught here as a last resort, and so is anything else (said to be an internal error;
``LLAMA98_DEBUG=1`` shows the traceback).

The invoke tasks (toolchain/tasks.py) take their options from the parsers made here.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .diag import ToolchainError, report

PROG = "llama98"


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_main
    return build_main(args)


def _cmd_audit(args: argparse.Namespace) -> int:
    from .audit.cli import audit_main
    return audit_main(args)


def _cmd_targets(args: argparse.Namespace) -> int:
    print(targets_text(), end="")
    return 0


def _cmd_doctor(args: argparse.Namespace) -> int:
    from .tools import doctor
    text, ok = doctor()
    print(f"llama98 {__version__} on Python {sys.version.split()[0]} ({sys.executable})\n")
    print(text, end="")
    return 0 if ok else 1


def targets_text() -> str:
    """``llama98 targets``: every target with its ISA ceiling and API floor, every compiler."""
    from .compilers import DRIVERS
    from .targets import load_target, target_names
    out = ["Targets (toolchain/data/targets.toml)"]
    for name in target_names():
        t = load_target(name)
        out += [f"  {name}", f"    {t.description}",
                f"    ISA ceiling  {t.isa}: {t.isa_description}",
                f"    API floor    Windows {t.api_floor}; PE subsystem/OS version "
                f"<= {t.max_subsystem[0]}.{t.max_subsystem[1]}"]
    out += ["", "Compilers (--compiler)"]
    for name in sorted(DRIVERS):
        driver = DRIVERS[name]()
        if driver.compiles():
            how = "compiles here"
        elif driver.bundle_title:
            how = "source bundle (nothing compiled here)"
        else:
            how = f"not available here ({driver.program} not found)"
        out.append(f"  {name:<12} {how}" + (" (default)" if name == "mingw" else ""))
    return "\n".join(out) + "\n"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Build llama2.c (and other C99 code) as strict C89 and Pentium-safe "
                    "Windows 98 executables. Outputs go to the current folder.",
        epilog="The same commands are invoke tasks: `invoke TASK` in the repository, "
               "`llama98-tasks TASK` anywhere once installed (`llama98-tasks --list`).")
    parser.add_argument("--version", action="version", version=f"llama98 {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    for name, spec in subcommands().items():
        cmd = sub.add_parser(name, help=spec["help"], description=spec["description"],
                             add_help=spec.get("add_help", True))
        spec["arguments"](cmd)
        cmd.set_defaults(func=spec["func"])
    return parser


def subcommands() -> dict:
    from .audit.cli import add_audit_arguments
    from .build import add_build_arguments
    from .compilers import DRIVERS
    return {
        "build": dict(help="fetch, port, patch, compile, audit and package llama2.c",
                      description="Build dist/<target>/ (in the current folder) with "
                                  "LLAMA98.EXE, RUN.BAT, README.TXT, AUDIT.TXT and SHA256.TXT. "
                                  "Compilers: " + ", ".join(sorted(DRIVERS)) + ".",
                      arguments=add_build_arguments, func=_cmd_build),
        "audit": dict(help="check an EXE against a target's CPU, PE and API limits",
                      description="Decode every instruction, check PE headers and imports.",
                      arguments=add_audit_arguments, func=_cmd_audit),
        "port": dict(help="rewrite C99 sources as strict C89 (the c89port command)",
                     description="Same as c89port; `llama98 port --help` shows its options.",
                     arguments=lambda p: p.add_argument("rest", nargs=argparse.REMAINDER),
                     func=None, add_help=False),
        "targets": dict(help="list the targets (ISA ceilings, API floors) and compilers",
                        description="List the targets and compilers.",
                        arguments=lambda p: None, func=_cmd_targets),
        "doctor": dict(help="which tools are installed, and what works here",
                       description="Each program the build and the tests can use, found or "
                                   "not, with its version, and what is missing for which "
                                   "feature. Exit status 1 when the default build cannot run.",
                       arguments=lambda p: None, func=_cmd_doctor),
    }


def _guarded(run, prog: str) -> int:
    """Run a command; every failure becomes a one-line message and an exit status."""
    try:
        return run()
    except ToolchainError as err:
        return report(err, prog)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        if os.environ.get("LLAMA98_DEBUG"):
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"{prog}: error: {where}{err.strerror or err} (an unexpected system error; "
              "set LLAMA98_DEBUG=1 for details)", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 (the last resort: never a traceback)
        if os.environ.get("LLAMA98_DEBUG"):
            raise
        print(f"{prog}: error: internal error: {type(err).__name__}: {err} (please report "
              "it; set LLAMA98_DEBUG=1 for the traceback)", file=sys.stderr)
        return 70


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["port"]:
        return c89port_main(argv[1:])
    args = make_parser().parse_args(argv)
    return _guarded(lambda: args.func(args), PROG)


def c89port_main(argv: list[str] | None = None) -> int:
    """``c89port`` (and ``llama98 port``): toolchain/c89/cli.py, with gcc checked first and
    the same last-resort error handling as ``llama98``."""
    from .c89.cli import PROG as C89PROG, main as c89_main
    argv = list(sys.argv[1:] if argv is None else argv)

    def run() -> int:
        if not {"-h", "--help", "--version"} & set(argv):
            from .tools import require
            require("gcc", "c89port (gcc's preprocessor reads the code)")
        return c89_main(argv)
    return _guarded(run, C89PROG)


if __name__ == "__main__":
    sys.exit(main())
