"""``c89port``: rewrite C99 files as strict C89.

    c89port FILES/DIRS -o OUTDIR [-I DIR] [-D NAME[=VAL]] [--target NAME]
            [--config FLAGS]... [--check] [--diff] [--json]
            [--runtime DIR | --no-runtime]

Directories are searched recursively for ``*.c``/``*.h`` (headers are
ported too; the compat ``#include`` goes only where a compat name is used);
outputs keep their path relative to the directory given (files given
directly land in OUTDIR); other files are not copied, and only regular
files are read.  The output folder builds as written: it also gets the
compat header (beside each file that includes it) and exactly the
engine_c89 runtime sources whose functions the port calls (``project.
runtime_needed``).  Sources are bytes: any ASCII-compatible encoding comes
out byte for byte, only ASCII is edited.  ``--check`` writes nothing and
exits 1 when some file would change.  Diagnostics are printed
compiler-style to stderr; a unit that failed writes nothing and makes the
exit status 2; outputs are written atomically, with the umask's permissions.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import stat
import sys
import tempfile
import tomllib
from pathlib import Path

from .. import __version__
from ..diag import Diagnostic, ToolchainError
from .configs import config_label, parse_config
from .project import (ENCODING, RuntimeCopy, decode_source, default_jobs, encode_source,
                      port_files, runtime_input, runtime_needed)

PROG = "c89port"
TARGETS_TOML = Path(__file__).resolve().parent.parent / "data" / "c89port_targets.toml"

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
     (also: -o equal to or inside an input folder, two inputs with one output path)

runtime:
  The output calls engine_c89's functions by their c89_* names (c89_snprintf ...)
  and includes c89compat.h: both are written into OUTDIR (the header beside each
  file that includes it), only the files the port calls, and named in the summary
  and in --json ("runtime").  Compile the runtime .c files with the program.

diagnostics:
  path:line:col: error|warning|note: message [pass]   (--json: machine-readable)
"""


def load_targets() -> dict[str, dict]:
    """Build targets and compilers, with their macros from the compiler drivers, and
    the compilers without a driver from TARGETS_TOML."""
    from ..compilers.facts import port_targets
    return port_targets()


def _is_regular(path: str) -> bool:
    """Whether ``path`` is a regular file (a FIFO, device or socket is never
    opened: reading one may block forever); True when it cannot be stat'ed,
    so that reading it reports why."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def _inputs(paths: list[str], skipped: list[str] | None = None) -> list[tuple[str, str]]:
    """(source path, output relative path) for every input; the names found
    in a folder that are not regular files go to ``skipped``."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith((".c", ".h")):
                        full = os.path.join(root, f)
                        if not _is_regular(full):
                            if skipped is not None:
                                skipped.append(full)
                            continue
                        out.append((full, os.path.relpath(full, p)))
        elif os.path.exists(p):
            if not _is_regular(p):
                raise ToolchainError(f"not a regular file: {p}", exit_code=2)
            out.append((p, os.path.basename(p)))
        else:
            raise ToolchainError(f"no such file or directory: {p}", exit_code=2)
    return out


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([path, folder]) == folder


def _check_outputs(args, units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The units with each file given twice once; a ToolchainError when the
    output would land in an input folder or two inputs share an output."""
    for opt, where in (("-o", args.output), ("--runtime", args.runtime)):
        if not where:
            continue
        for p in args.inputs:
            if os.path.isdir(p) and _inside(where, p):
                how = "is" if os.path.realpath(where) == os.path.realpath(p) else "is inside"
                raise ToolchainError(f"{opt} {where} {how} the input folder {p} (the sources "
                                     "would be overwritten or ported again): choose a folder "
                                     "outside it", exit_code=2)
    if not args.output:
        return units
    by_rel: dict[str, str] = {}
    kept = []
    sources = {os.path.realpath(src) for src, _ in units}
    for src, rel in units:
        real = os.path.realpath(src)
        first = by_rel.setdefault(rel, src)
        if first != src:
            if os.path.realpath(first) == real:
                continue   # the same file named twice
            raise ToolchainError(f"{first} and {src} would both be written to "
                                 f"{os.path.join(args.output, rel)}", exit_code=2)
        if os.path.realpath(os.path.join(args.output, rel)) in sources:
            raise ToolchainError(f"-o {args.output}: the output of {src} would overwrite "
                                 "an input file", exit_code=2)
        kept.append((src, rel))
    return kept


def _without_runtime(units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The units less engine_c89's runtime files (an output folder ported
    again): those are not ported but written again where the port needs
    them; a note when one is not the engine's own."""
    kept = []
    for src, rel in units:
        rf = runtime_input(src)
        if rf is None:
            kept.append((src, rel))
            continue
        try:
            same = Path(src).read_bytes() == rf.path.read_bytes()
        except OSError:
            same = False
        if not same:
            print(f"{src}: note: not ported: the name of engine_c89's {rf.name}, which the "
                  "output gets where it needs it", file=sys.stderr)
    return kept


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomic(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".c89port-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())    # mkstemp made it 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build_parser(targets: dict[str, dict] | None = None) -> argparse.ArgumentParser:
    """c89port's command line (``targets``: the --target table, read from
    data/c89port_targets.toml when not given)."""
    if targets is None:
        targets = load_targets()
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
    rt = ap.add_mutually_exclusive_group()
    rt.add_argument("--runtime", metavar="DIR",
                    help="write c89compat.h and the runtime sources the port calls into DIR "
                         "(default: into OUTDIR, the header beside each file including it)")
    rt.add_argument("--no-runtime", action="store_true",
                    help="write neither (a build system that has engine_c89's files); the "
                         "summary and --json still name them")
    return ap


def _parse_args(ap: argparse.ArgumentParser, argv: list[str] | None):
    """The parsed options, or an exit status."""
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
    return args


def _read(units: list[tuple[str, str]]):
    """(texts, read errors by index) of the inputs (None for one not read);
    bytes decoded one character each (``project.decode_source``)."""
    texts: list[str | None] = []
    errors: dict[int, ToolchainError] = {}
    for k, (src, _) in enumerate(units):
        try:
            with open(src, "rb") as f:
                texts.append(decode_source(f.read()))
        except OSError as exc:
            texts.append(None)
            errors[k] = ToolchainError(f"cannot read {src}: {exc}", exit_code=2)
    return texts, errors


class _Report:
    """What the run prints and writes per file, and the exit status."""

    def __init__(self, args):
        self.args = args
        self.status = 0
        self.needs_change = False
        self.files: list[dict] = []
        self.texts: list[tuple[str, str]] = []   # (output path, text) of every ported file
        self.copies: list[RuntimeCopy] = []
        self.written = 0

    def failed(self, entry: dict, err: ToolchainError) -> None:
        entry["diagnostics"] = [d.as_dict() for d in err.diagnostics]
        entry["error"] = err.message
        if not self.args.json:
            print(err.render(PROG), file=sys.stderr)
        self.status = max(self.status, err.exit_code or 2)

    def internal(self, entry: dict, src: str, what: str) -> None:
        # never a traceback
        d = Diagnostic(src, 0, 0, "error", f"internal error: {what}", "c89port")
        entry["diagnostics"] = [d.as_dict()]
        if not self.args.json:
            print(str(d), file=sys.stderr)
        self.status = 2

    def ported(self, entry: dict, src: str, rel: str, text: str, res) -> None:
        args = self.args
        entry["status"] = "changed" if res.changed else "unchanged"
        entry["passes"] = res.passes_applied
        entry["diagnostics"] = [d.as_dict() for d in res.diagnostics]
        if not args.json:
            for d in res.diagnostics:
                print(str(d), file=sys.stderr)
        if res.changed:
            self.needs_change = True
            if args.check and not args.diff and not args.json:
                print(f"{src}: needs porting: {', '.join(res.passes_applied)}")
        if args.diff and res.changed and not args.json:
            _write_stdout("".join(difflib.unified_diff(
                text.splitlines(True), res.text.splitlines(True),
                fromfile=src, tofile=os.path.join(args.output or "", rel))))
        self.texts.append((rel, res.text))
        if args.output and not args.check:
            try:
                _write_atomic(os.path.join(args.output, rel), encode_source(res.text))
                self.written += 1
            except (OSError, UnicodeEncodeError) as exc:
                print(f"{PROG}: error: cannot write {rel}: {exc}", file=sys.stderr)
                entry["status"] = "failed"
                self.status = 2

    def runtime(self, compat_header: str) -> None:
        """Find (and unless told otherwise write) the runtime the outputs need."""
        args = self.args
        self.copies = runtime_needed(self.texts, compat_header, runtime_dir=args.runtime)
        if not args.output or args.check or args.no_runtime:
            return
        base = args.runtime or args.output
        for copy in self.copies:
            for rel in copy.outputs:
                try:
                    _write_atomic(os.path.join(base, rel), copy.source.path.read_bytes())
                except OSError as exc:
                    print(f"{PROG}: error: cannot write {rel}: {exc}", file=sys.stderr)
                    self.status = 2

    def _runtime_json(self) -> list[dict]:
        args = self.args
        base = None if args.no_runtime or not args.output or args.check \
            else (args.runtime or args.output)
        return [{"file": c.source.name, "what": c.source.what,
                 "outputs": [os.path.join(base, r) for r in c.outputs] if base else []}
                for c in self.copies]

    def summary(self) -> str:
        """One line: what was written and the runtime files that go with it."""
        args = self.args
        names = ", ".join(dict.fromkeys(c.source.name for c in self.copies)) or "none needed"
        if args.no_runtime:
            rt = f"runtime needed (not written, --no-runtime): {names}"
        elif args.runtime:
            rt = f"runtime in {args.runtime}: {names}"
        else:
            rt = f"runtime: {names}"
        return (f"{PROG}: {self.written} of {len(self.files)} files written to "
                f"{args.output}; {rt}")

    def finish(self, configs: list[list[str]]) -> int:
        args = self.args
        code = self.status or (1 if args.check and self.needs_change else 0)
        if args.json:
            json.dump({"tool": PROG, "exit_status": code,
                       "configurations": [config_label(c) for c in configs],
                       "files": self.files, "runtime": self._runtime_json()},
                      sys.stdout, indent=2)
            sys.stdout.write("\n")
        elif args.output and not args.check:
            print(self.summary(), file=sys.stderr)
        return code


def _write_stdout(text: str) -> None:
    """Source text to stdout as the bytes it was read from."""
    buf = getattr(sys.stdout, "buffer", None)
    if buf is None:
        sys.stdout.write(text.encode(ENCODING).decode("utf-8", "replace"))
        return
    sys.stdout.flush()
    buf.write(encode_source(text))
    buf.flush()


def main(argv: list[str] | None = None) -> int:
    try:
        targets = load_targets()
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"{PROG}: error: cannot read {TARGETS_TOML}: {exc}", file=sys.stderr)
        return 2
    args = _parse_args(build_parser(targets), argv)
    if isinstance(args, int):
        return args
    defines = list(args.defines)
    if args.target:
        if args.target not in targets:
            print(f"{PROG}: error: unknown target '{args.target}' "
                  f"(known: {', '.join(targets)})", file=sys.stderr)
            return 2
        defines = list(targets[args.target].get("defines", [])) + defines
    skipped: list[str] = []
    try:
        configs = [parse_config(c) for c in args.configs] or [[]]
        units = _check_outputs(args, _inputs(args.inputs, skipped))
    except ToolchainError as err:
        print(err.render(PROG), file=sys.stderr)
        return err.exit_code
    for path in skipped:
        print(f"{path}: warning: not a regular file: not read", file=sys.stderr)
    units = _without_runtime(units)
    progress = args.progress == "always" or (
        args.progress == "auto" and (len(units) > 5 or sys.stderr.isatty()))
    # read everything, then port in worker processes (results in input order)
    texts, read_errors = _read(units)
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
    report = _Report(args)
    for n, (src, rel) in enumerate(units):
        entry = {"path": src, "output": os.path.join(args.output, rel) if args.output else None,
                 "status": "failed", "passes": [], "diagnostics": []}
        report.files.append(entry)
        fr = by_index.get(n)
        if n in read_errors:
            report.failed(entry, read_errors[n])
        elif fr.internal is not None:
            report.internal(entry, src, fr.internal)
        elif fr.error is not None:
            report.failed(entry, fr.error)
        else:
            report.ported(entry, src, rel, texts[n], fr.result)
    report.runtime(args.compat_header)
    return report.finish(configs)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
