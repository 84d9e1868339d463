"""Port many files at once, in parallel worker processes.

``port_files`` is what a command line over a whole source tree wants: each
worker process keeps its own parse cache (see ``frontend``), so the headers
shared by the files of a project are parsed once per worker, and the files
are handed out largest first so that the workers finish together.
Results come back in the order of the inputs; an error is returned, not
raised, so that one bad file does not stop the others.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass, field

from ..diag import ToolchainError
from .frontend import includers as includes
from .configs import port_configs
from .pipeline import PortResult, fewer_collections, port_source


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


def _port_one(item: tuple) -> tuple[int, FileResult]:
    index, path, text, *rest = item
    t0 = time.perf_counter()
    opts = dict(_OPTS)
    if rest and rest[0] is not None:
        opts["context"] = rest[0]
    configs = opts.pop("configs", None)
    try:
        if configs is None:
            res = port_source(text, path, **opts)
        else:
            res = port_configs(text, path, configs, **opts)
        out = FileResult(path, text.count("\n"), 0.0, result=res)
    except ToolchainError as err:
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
            r = includes.agree(results[i], by_file[i], [items[j][0] for j in graph.contexts(i)])
            results[i] = r
            if on_done is not None:
                on_done(i, r)
    return results  # type: ignore[return-value]


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
