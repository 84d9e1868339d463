"""Port many files at once, in parallel worker processes.

``port_files`` is what a command line over a whole source tree wants: each
worker process keeps its own parse cache (see ``frontend``), so the headers
shared by the files of a project are parsed once per worker, and the files
are handed out largest first so that the workers finish together.
Results come back in the order of the inputs; an error is returned, not
raised, so that one bad file does not stop the others.  Each port runs in a
thread with a large stack (``run_deep``: deeply nested code).

The output side of a project: sources as bytes (``decode_source``/
``encode_source``), and the engine_c89 files an output folder needs to build
as written (``runtime_needed``).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field

from ..diag import Diagnostic, ToolchainError
from ..runtime import RuntimeFile, by_role
from .frontend import includers as includes
from .configs import port_configs
from .passes.inactive import NAME as INACTIVE
from .pipeline import PortResult, fewer_collections, port_source

# Sources are bytes: each byte is read as one character (Latin-1 maps the 256
# byte values to the first 256 code points) and written back the same way, so
# any ASCII-compatible encoding (UTF-8, Latin-1, Shift-JIS, EUC ...) comes out
# byte for byte; the passes edit ASCII only, and a column counts bytes, as
# gcc's do.
ENCODING = "latin-1"


def decode_source(data: bytes) -> str:
    return data.decode(ENCODING)


def encode_source(text: str) -> bytes:
    return text.encode(ENCODING)


@dataclass
class FileResult:
    path: str
    lines: int
    seconds: float
    result: PortResult | None = None
    error: ToolchainError | None = None
    diagnostics: list = field(default_factory=list)
    internal: str | None = None     # repr of an unexpected exception (a bug)

    @property
    def ok(self) -> bool:
        return self.result is not None


_OPTS: dict = {}


def _init(opts: dict) -> None:
    _OPTS.clear()
    _OPTS.update(opts)


def _worker_init(opts: dict) -> None:
    _init(opts)
    # a worker lives for the ports only: collect cycles as rarely as a port
    # does (see pipeline), not again at the end of every file
    fewer_collections().__enter__()


# Deeply nested code (a chain of 400 ``else if``, 150 parentheses) makes a
# deep AST, and the walks over it recurse: a port runs in a thread whose
# stack (virtual memory, touched only as deep as it goes) holds far more
# frames than the interpreter's default limit of 1000 allows.  Measured: a
# chain of 20,000 ``else if`` or 20,000 parentheses ports; deeper code (70,000
# ``else if``, 100,000 parentheses) stops at the recursion limit with an
# error, before the stack is used up.
DEEP_STACK = 1 << 30
DEEP_RECURSION = 200_000


def run_deep(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in a thread with a large stack and a raised
    recursion limit (in this thread, as it is, where no such thread can be
    made); its result, or its exception raised here."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    old_stack, old_limit = threading.stack_size(), sys.getrecursionlimit()
    try:
        threading.stack_size(DEEP_STACK)
    except (ValueError, RuntimeError):   # no settable stack size here
        return fn(*args, **kwargs)
    sys.setrecursionlimit(max(old_limit, DEEP_RECURSION))
    try:
        worker = threading.Thread(target=run, name="c89port", daemon=True)
        try:
            worker.start()
        except RuntimeError:             # no room for such a stack
            worker = None
        finally:
            threading.stack_size(old_stack)
        if worker is None:
            sys.setrecursionlimit(old_limit)
            return fn(*args, **kwargs)
        worker.join()
    finally:
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]
    return box["value"]


def _port_one(item: tuple) -> tuple[int, FileResult]:
    index, path, text, *rest = item
    t0 = time.perf_counter()
    opts = dict(_OPTS)
    if rest and rest[0] is not None:
        opts["context"] = rest[0]
    configs = opts.pop("configs", None)
    try:
        if configs is None:
            res = run_deep(port_source, text, path, **opts)
        else:
            res = run_deep(port_configs, text, path, configs, **opts)
        out = FileResult(path, text.count("\n"), 0.0, result=res)
    except ToolchainError as err:
        out = FileResult(path, text.count("\n"), 0.0, error=err)
    except RecursionError:
        err = ToolchainError(f"{path}: the code nests too deeply to be analysed: split its "
                             "deepest expression or else-if chain", exit_code=2)
        out = FileResult(path, text.count("\n"), 0.0, error=err)
    except Exception as exc:  # noqa: BLE001 - reported per file, never a traceback
        if configs is None:
            raise
        out = FileResult(path, text.count("\n"), 0.0, internal=repr(exc))
    out.seconds = time.perf_counter() - t0
    return index, out


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def port_files(items: list[tuple[str, str]], *, jobs: int | None = None, include_dirs=(),
               defines=(), compat_header: str = "c89compat.h", configs=None,
               on_done=None) -> list[FileResult]:
    """Port ``(path, text)`` pairs; ``jobs`` worker processes (default: one
    per available core; 1 ports in this process).  With ``configs`` (lists
    of -D flags) each file goes through ``configs.port_configs``, and an
    unexpected exception becomes ``FileResult.internal``.  ``on_done(index,
    result)`` is called as each file finishes (in the calling process)."""
    opts = dict(include_dirs=tuple(include_dirs), defines=tuple(defines),
                compat_header=compat_header)
    if configs is not None:
        opts["configs"] = [list(c) for c in configs]
    work = [(i, p, t) for i, (p, t) in enumerate(items)]
    jobs = default_jobs() if jobs is None else max(1, jobs)
    results: list[FileResult | None] = [None] * len(work)
    graph = includes.Includers(items, include_dirs)
    later: set[int] = set()     # files to port again where they are included

    def done(i: int, r: FileResult) -> None:
        results[i] = r
        if r.error is not None and includes.parse_failure(r.error) and graph.contexts(i):
            later.add(i)        # reported once ported in context
        elif on_done is not None:
            on_done(i, r)

    _run(work, opts, jobs, done)
    if later:
        # headers and .c fragments that need what their includers give them
        # (types, macros, the enclosing function): analysed through each
        # includer's preprocessed text, their own text edited
        again = [(n, i, ctx) for n, (i, ctx) in enumerate(
            (i, graph.context(i, j)) for i in sorted(later) for j in graph.contexts(i))]
        by_file: dict[int, list[FileResult]] = {i: [] for i in later}
        got: dict[int, FileResult] = {}
        _run([(n, items[i][0], items[i][1], ctx) for n, i, ctx in again], opts, jobs,
             lambda n, r: got.__setitem__(n, r))
        for n, i, _ in again:
            by_file[i].append(got[n])
        for i in sorted(later):
            paths = [items[j][0] for j in graph.contexts(i)]
            if includes.entered(by_file[i]):
                r = includes.agree(results[i], by_file[i], paths)
            else:
                r = _dropped(results[i], items[i][1], paths, defines, configs)
            results[i] = r
            if on_done is not None:
                on_done(i, r)
    return results  # type: ignore[return-value]


def _dropped(alone: FileResult, text: str, includers: list[str], defines,
             configs) -> FileResult:
    """A file that cannot be analysed on its own and that no includer enters
    in the configurations ported: the preprocessor drops all of it, as it
    drops an inactive ``#if`` branch, so it is passed through as it is with
    the inactive pass's warning (``--config`` naming a configuration that
    includes it ports it)."""
    flags = " or ".join(" ".join("-D" + d for d in [*defines, *c]) or "no -D flags"
                        for c in (configs or [[]]))
    alone.result = PortResult(text, False, [Diagnostic(
        alone.path, 0, 0, "warning",
        f"not included with {flags} by {', '.join(includers)}: left as it is "
        "(port it with --config naming a configuration that includes it)", INACTIVE)])
    alone.error = None
    return alone


@dataclass
class RuntimeCopy:
    """An engine file the output needs, and where it goes (paths relative to
    the output folder, or to the runtime folder)."""
    source: RuntimeFile
    outputs: list[str]


def runtime_input(path: str) -> RuntimeFile | None:
    """The engine runtime file (compat header or port runtime source) that
    ``path`` is by its name: an output folder that is ported again holds
    them, and they are copied where needed, never ported."""
    name = os.path.basename(path)
    for f in by_role("compat", "port"):
        if f.name == name:
            return f
    return None


_CALLS: list = []   # [(quick regex, exact regex, name -> runtime file)]


def _calls():
    """A regex finding any name the port runtime provides, one that finds
    them only in code (comments and literals skipped: group 1 is the name),
    and which file provides each."""
    if not _CALLS:
        files = [f for f in by_role("port") if f.is_source]
        owner = {name: f for f in files for name in f.provides}
        names = r"\b(?:" + "|".join(map(re.escape, sorted(owner, key=len, reverse=True))) \
            + r")\b"
        skip = r"""//(?:[^\n\\]|\\[\s\S])*|/\*[\s\S]*?(?:\*/|\Z)|"(?:[^"\\\n]|\\[\s\S])*"?""" \
            r"""|'(?:[^'\\\n]|\\[\s\S])*'?"""
        _CALLS.append((re.compile(names), re.compile(skip + "|(" + names + ")"), owner))
    return _CALLS[0]


def runtime_needed(texts: list[tuple[str, str]], compat_header: str = "c89compat.h",
                   runtime_dir: str | None = None) -> list[RuntimeCopy]:
    """The engine_c89 files the ported ``(output path, text)`` pairs need to
    build as written: the compat header beside every file that includes it
    (all in one place with ``runtime_dir``), and the runtime sources (the
    manifest's ``port`` role) defining a name some text uses, with the compat
    header they include next to them.  A file the port itself writes is
    never replaced by one of these."""
    quick, exact, owner = _calls()
    used: set[RuntimeFile] = set()
    includers: list[str] = []
    include = re.compile(r'^[ \t]*#[ \t]*include[ \t]*"' + re.escape(compat_header) + '"',
                         re.M)
    for rel, text in texts:
        if "c89_" in text and quick.search(text):
            used.update(owner[m] for m in set(exact.findall(text)) if m)
        if compat_header in text and include.search(text):
            includers.append(rel)
    sources = [f for f in by_role("port") if f in used]
    own = {os.path.normpath(rel) for rel, _ in texts}
    headers: list[str] = []
    if includers:
        if runtime_dir:
            headers.append(compat_header)
        else:
            for rel in includers:
                headers.append(os.path.join(os.path.dirname(rel), compat_header))
    compat = by_role("compat")[0]
    if sources:
        headers.append(compat.name)   # what the runtime sources include
    headers = [h for h in dict.fromkeys(map(os.path.normpath, headers)) if h not in own]
    out = [RuntimeCopy(compat, headers)] if headers else []
    out += [RuntimeCopy(f, [f.name]) for f in sources if f.name not in own]
    return out


def _run(work: list[tuple], opts: dict, jobs: int, done) -> None:
    """Port ``work`` items, ``done(index, result)`` as each finishes."""
    jobs = min(jobs, len(work)) or 1
    if jobs == 1:
        _init(opts)
        with fewer_collections():
            for item in work:
                done(*_port_one(item))
        return
    work = sorted(work, key=lambda w: -len(w[2]))  # largest first
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(jobs, initializer=_worker_init, initargs=(opts,)) as pool:
        for i, r in pool.imap_unordered(_port_one, work, chunksize=1):
            done(i, r)
