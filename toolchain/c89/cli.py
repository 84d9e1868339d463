"""``c89port``: rewrite C99 files as strict C89.

    c89port FILES/DIRS -o OUTDIR [-I DIR] [-D NAME[=VAL]] [--target NAME]
            [--config FLAGS]... [--check] [--diff] [--json]

Directories are searched recursively for ``*.c``/``*.h`` (headers are
ported too; the compat ``#include`` goes only where a compat name is used);
outputs keep their path relative to the directory given (files given
directly land in OUTDIR); other files are not copied.  ``--check`` writes
nothing and exits 1 when some file would change.  Diagnostics are printed
compiler-style to stderr; a unit that failed writes nothing and makes the
exit status 2; outputs are written atomically.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shlex
import sys
import tempfile
import tomllib
from pathlib import Path

from .. import __version__
from ..diag import Diagnostic, ToolchainError
from .pipeline import port_source
from .project import default_jobs, port_files

PROG = "c89port"
TARGETS_TOML = Path(__file__).resolve().parent.parent / "data" / "c89port_targets.toml"
MAX_CONFIG_ROUNDS = 6

EPILOG = """\
configurations:
  Code inside #if/#ifdef branches that the preprocessor drops is not parsed, so
  it is only converted where the rewrite is token-level (comments, long long,
  float math, stdint names, restrict/inline ...); C99 constructs left there
  (for (int ..., designators, compound literals) are reported as warnings.
  Give each configuration the code must build in with --config, e.g.
    c89port src -o out --config "" --config "-DUSE_THREADS -DLEVEL=2"
  The tree is ported under the first, then re-checked under each other one
  until no configuration needs a change; rewrites that contradict each other
  are an error.  -D/-I/--target apply to every configuration.

exit status:
  0  done (with --check: nothing to change)
  1  --check: some file would change
  2  some file could not be converted (nothing written for it), or bad usage

diagnostics:
  path:line:col: error|warning|note: message [pass]   (--json: machine-readable)
"""


def load_targets() -> dict[str, dict]:
    """Build targets and compilers, with their macros from the compiler drivers, and
    the compilers without a driver from TARGETS_TOML."""
    from ..compilers.facts import port_targets
    return port_targets()


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


def parse_config(flags: str) -> list[str]:
    """``"-DFOO -DBAR=2"`` -> ``["FOO", "BAR=2"]``."""
    out = []
    words = shlex.split(flags)
    k = 0
    while k < len(words):
        w = words[k]
        if w == "-D" and k + 1 < len(words):
            out.append(words[k + 1])
            k += 2
            continue
        if w.startswith("-D") and len(w) > 2:
            out.append(w[2:])
        else:
            raise ToolchainError(f"--config {flags!r}: only -DNAME[=VALUE] flags are "
                                 f"understood, not {w!r}", exit_code=2)
        k += 1
    return out


class PortOutcome:
    def __init__(self, text, changed, diagnostics, passes):
        self.text = text
        self.changed = changed
        self.diagnostics = diagnostics
        self.passes_applied = passes


def _label(cfg: list[str]) -> str:
    return " ".join("-D" + d for d in cfg) or "(no -D)"


def port_configs(text: str, path: str, configs: list[list[str]], *, include_dirs=(),
                 defines=(), compat_header="c89compat.h") -> PortOutcome:
    """Port ``text`` so that it is C89 under every configuration (a list of
    -D lists; ``[[]]`` is the plain one).  Raises ToolchainError."""
    base = list(defines)
    if len(configs) == 1:  # port_source's result is already a fixed point
        res = port_source(text, path, include_dirs=include_dirs, defines=base + configs[0],
                          compat_header=compat_header)
        return PortOutcome(res.text, res.changed, list(res.diagnostics), res.passes_applied)
    cur = text
    passes: list[str] = []
    final: dict[int, list[Diagnostic]] = {}
    for _ in range(MAX_CONFIG_ROUNDS):
        changed = False
        for k, cfg in enumerate(configs):
            try:
                res = port_source(cur, path, include_dirs=include_dirs, defines=base + cfg,
                                  compat_header=compat_header)
            except ToolchainError as err:
                if len(configs) > 1:
                    err.message += f" (configuration {_label(cfg)})"
                raise
            final[k] = res.diagnostics
            for p in res.passes_applied:
                if p not in passes:
                    passes.append(p)
            if res.text != cur:
                cur = res.text
                changed = True
                # everything checked so far must be checked again
        if not changed:
            break
    else:
        raise ToolchainError(
            f"{path}: the configurations need rewrites that undo each other "
            f"({', '.join(_label(c) for c in configs)}); port them separately",
            exit_code=2)
    diags: list[Diagnostic] = []
    if len(configs) == 1:
        diags = list(final.get(0, []))
    else:
        seen: dict[Diagnostic, list[int]] = {}
        for k in range(len(configs)):
            for d in final.get(k, []):
                seen.setdefault(d, []).append(k)
        for d, ks in seen.items():
            if d.code == "c89-inactive":
                # a region dropped in one configuration but seen in another is checked there
                if len(ks) < len(configs):
                    continue
            elif len(ks) < len(configs) and d.severity != "note":
                d = Diagnostic(d.path, d.line, d.col, d.severity,
                               d.message + " (configuration "
                               + ", ".join(_label(configs[k]) for k in ks) + ")", d.code)
            diags.append(d)
    return PortOutcome(cur, cur != text, diags, passes)


def _explain_parse_failure(err: ToolchainError, text: str, path: str) -> None:
    """Add the reasons a text-level scan finds (C11 keywords, _Generic ...)
    to a parse error, so the user sees why it did not parse."""
    try:
        from .passes.unsupported import scan_text
    except ImportError:  # pragma: no cover
        return
    if not any(d.code == "c89-parse" for d in err.diagnostics):
        return
    extra = [d for d in scan_text(text, path) if d.severity == "error"]
    err.diagnostics = extra + [d for d in err.diagnostics if d not in extra]


def build_parser(targets: dict[str, dict]) -> argparse.ArgumentParser:
    tnames = ", ".join(f"{n} ({t.get('description', '')})" for n, t in targets.items())
    ap = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Rewrite C99 sources as strict C89 (ANSI C).  Edits are made on the "
                    "original text: comments, macros, #includes and layout survive.  What "
                    "cannot be converted safely is reported with its location.",
        epilog=EPILOG)
    ap.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    ap.add_argument("inputs", nargs="+", metavar="FILE_OR_DIR",
                    help="C files, or directories searched recursively for *.c and *.h")
    ap.add_argument("-o", "--output", metavar="OUTDIR",
                    help="write the ported files here, mirroring the input tree (only C files)")
    ap.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                    help="add an include directory for the analysis (repeatable)")
    ap.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VAL]",
                    help="define a macro for every configuration (repeatable)")
    ap.add_argument("--target", metavar="NAME",
                    help="predefine the macros of a target compiler: " + tnames)
    ap.add_argument("--config", dest="configs", action="append", default=[], metavar="FLAGS",
                    help='a preprocessor configuration the result must be right in, as '
                         '"-DFOO -DBAR=2" ("" is the plain one); repeatable, see below')
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 when some file would change")
    ap.add_argument("--diff", action="store_true", help="print a unified diff to stdout")
    ap.add_argument("--json", action="store_true",
                    help="print per-file status and diagnostics as JSON to stdout")
    ap.add_argument("--progress", choices=("auto", "always", "never"), default="auto",
                    help="'[n/N] path' lines on stderr (auto: more than 5 files or a terminal)")
    ap.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                    help="worker processes (default: one per available CPU; 1: no workers)")
    ap.add_argument("--compat-header", default="c89compat.h", metavar="NAME",
                    help="name of the compat header to #include (default: %(default)s)")
    return ap


class _Internal(Exception):
    """An unexpected exception in a worker (its repr)."""


def main(argv: list[str] | None = None) -> int:
    try:
        targets = load_targets()
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"{PROG}: error: cannot read {TARGETS_TOML}: {exc}", file=sys.stderr)
        return 2
    ap = build_parser(targets)
    argv = list(sys.argv[1:] if argv is None else argv)
    # "--config -DFOO" would read as an option: glue the value on
    k = 0
    while k < len(argv) - 1:
        if argv[k] == "--config":
            argv[k:k + 2] = ["--config=" + argv[k + 1]]
        k += 1
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    if not args.check and not args.diff and not args.output and not args.json:
        print(f"{PROG}: error: -o OUTDIR is required (or --check/--diff/--json)", file=sys.stderr)
        return 2
    defines = list(args.defines)
    if args.target:
        if args.target not in targets:
            print(f"{PROG}: error: unknown target '{args.target}' "
                  f"(known: {', '.join(targets)})", file=sys.stderr)
            return 2
        defines = list(targets[args.target].get("defines", [])) + defines
    try:
        configs = [parse_config(c) for c in args.configs] or [[]]
        units = _inputs(args.inputs)
    except ToolchainError as err:
        print(err.render(PROG), file=sys.stderr)
        return err.exit_code
    progress = args.progress == "always" or (
        args.progress == "auto" and (len(units) > 5 or sys.stderr.isatty()))
    status = 0
    needs_change = False
    report = []
    # read everything, then port in worker processes (results in input order)
    texts: list[str | None] = []
    read_errors: dict[int, ToolchainError] = {}
    for k, (src, _) in enumerate(units):
        try:
            with open(src, encoding="utf-8", newline="") as f:
                texts.append(f.read())
        except (OSError, UnicodeDecodeError) as exc:
            texts.append(None)
            read_errors[k] = ToolchainError(f"cannot read {src}: {exc}", exit_code=2)
    todo = [k for k, t in enumerate(texts) if t is not None]
    done_count = [0]

    def on_done(_i, r):
        done_count[0] += 1
        if progress:
            print(f"[{done_count[0]}/{len(todo)}] {r.path}", file=sys.stderr, flush=True)

    jobs = args.jobs if args.jobs is not None else default_jobs()
    results = port_files([(units[k][0], texts[k]) for k in todo], jobs=jobs,
                         include_dirs=args.include_dirs, defines=defines,
                         compat_header=args.compat_header, configs=configs, on_done=on_done)
    by_index = dict(zip(todo, results))
    for n, (src, rel) in enumerate(units):
        entry = {"path": src, "output": os.path.join(args.output, rel) if args.output else None,
                 "status": "failed", "passes": [], "diagnostics": []}
        report.append(entry)
        text = texts[n]
        fr = by_index.get(n)
        try:
            if n in read_errors:
                raise read_errors[n]
            if fr.internal is not None:
                raise _Internal(fr.internal)
            if fr.error is not None:
                raise fr.error
            res = fr.result
        except ToolchainError as err:
            if text is not None:
                _explain_parse_failure(err, text, src)
            entry["diagnostics"] = [d.as_dict() for d in err.diagnostics]
            entry["error"] = err.message
            if not args.json:
                print(err.render(PROG), file=sys.stderr)
            status = max(status, err.exit_code or 2)
            continue
        except _Internal as exc:  # never a traceback
            d = Diagnostic(src, 0, 0, "error", f"internal error: {exc.args[0]}", "c89port")
            entry["diagnostics"] = [d.as_dict()]
            if not args.json:
                print(str(d), file=sys.stderr)
            status = 2
            continue
        entry["status"] = "changed" if res.changed else "unchanged"
        entry["passes"] = res.passes_applied
        entry["diagnostics"] = [d.as_dict() for d in res.diagnostics]
        if not args.json:
            for d in res.diagnostics:
                print(str(d), file=sys.stderr)
        if res.changed:
            needs_change = True
            if args.check and not args.diff and not args.json:
                print(f"{src}: needs porting: {', '.join(res.passes_applied)}")
        if args.diff and res.changed and not args.json:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(True), res.text.splitlines(True),
                fromfile=src, tofile=os.path.join(args.output or "", rel)))
        if args.output and not args.check:
            try:
                _write_atomic(os.path.join(args.output, rel), res.text)
            except OSError as exc:
                print(f"{PROG}: error: cannot write {rel}: {exc}", file=sys.stderr)
                entry["status"] = "failed"
                status = 2
    code = status or (1 if args.check and needs_change else 0)
    if args.json:
        json.dump({"tool": PROG, "exit_status": code,
                   "configurations": [_label(c) for c in configs],
                   "files": report}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
