"""Which input files include which, for the files that cannot be analysed
on their own (a header using its includer's <stdint.h> or typedefs, a .c
fragment included inside a function or an initializer).

Such a file is analysed where each input that includes it does (see
``Preprocessor``'s context) and its own text is edited; every includer must
give it the same edits.
"""

from __future__ import annotations

import os
import re

from ...diag import Diagnostic, ToolchainError
from .preprocess import NOT_INCLUDED
from .unit import CODE

_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)', re.M)
_HEADER_EXT = (".h", ".hh", ".hpp", ".inc", ".def")


def parse_failure(err: ToolchainError) -> bool:
    """Whether ``err`` says the analysis could not read the file."""
    return any(d.code == CODE for d in err.diagnostics)


class Includers:
    """The include graph of the inputs (``(path, text)`` pairs), from their
    ``#include`` lines: quoted names next to the includer or in an include
    directory, ``<...>`` names in an include directory."""

    def __init__(self, items: list[tuple[str, str]], include_dirs=()):
        self.items = items
        where = {os.path.realpath(p): k for k, (p, _) in enumerate(items)}
        self.by: dict[int, list[int]] = {}      # file -> the inputs that include it
        dirs = [os.fspath(d) for d in include_dirs]
        for j, (path, text) in enumerate(items):
            if "include" not in text:
                continue
            here = os.path.dirname(os.path.abspath(path))
            for m in _INCLUDE.finditer(text):
                name = m.group(1) or m.group(2)
                cands = ([here] if m.group(1) else []) + dirs
                for d in cands:
                    k = where.get(os.path.realpath(os.path.join(d, name)))
                    if k is not None:
                        if k != j and j not in self.by.setdefault(k, []):
                            self.by[k].append(j)
                        break

    def contexts(self, i: int) -> list[int]:
        """The inputs to analyse file ``i`` in: its includers, a header
        includer replaced by its own includers (up to the files that nothing
        includes or that are no header)."""
        out: list[int] = []
        seen = {i}
        todo = list(self.by.get(i, ()))
        while todo:
            j = todo.pop(0)
            if j in seen:
                continue
            seen.add(j)
            up = self.by.get(j, [])
            if up and self.items[j][0].endswith(_HEADER_EXT):
                todo.extend(up)
            elif j not in out:
                out.append(j)
        return out

    def context(self, i: int, j: int) -> tuple[str, str]:
        return self.items[j]


def not_included(err: ToolchainError | None) -> bool:
    """Whether ``err`` says the includer never enters the file in this
    configuration."""
    return err is not None and any(d.message.startswith(NOT_INCLUDED)
                                   for d in err.diagnostics)


def entered(in_contexts: list) -> bool:
    """Whether any includer enters the file (``in_contexts``: its results
    where each includer includes it) in this configuration."""
    return not all(not_included(r.error) for r in in_contexts)


def agree(alone, in_contexts: list, includers: list[str]):
    """One result for a file ported where each of ``includers`` includes it
    (``in_contexts``, FileResults in that order); ``alone`` is its result on
    its own (a parse failure), kept when there is no context."""
    # the includers that do not include it in this configuration say nothing
    keep = [k for k, r in enumerate(in_contexts) if not not_included(r.error)]
    if not keep:
        if alone.error is not None:
            alone.error.diagnostics.append(Diagnostic(
                alone.path, 0, 0, "note", "not included in this configuration by "
                + ", ".join(includers) + ", which would give it what it needs", CODE))
        return alone
    in_contexts = [in_contexts[k] for k in keep]
    includers = [includers[k] for k in keep]
    for r, inc in zip(in_contexts, includers):
        if not r.ok:
            if r.error is not None:
                r.error.diagnostics.append(Diagnostic(
                    r.path, 0, 0, "note", f"analysed where {inc} includes it", CODE))
            return r
    first = in_contexts[0]
    for r, inc in zip(in_contexts[1:], includers[1:]):
        if r.result.text != first.result.text:
            line = _first_difference(first.result.text, r.result.text)
            err = ToolchainError(
                f"{first.path} needs different edits where {includers[0]} and {inc} include it",
                diagnostics=[Diagnostic(first.path, line, 0, "error",
                                        f"ported differently where {includers[0]} and "
                                        f"{inc} include it; make it self-contained", CODE)],
                exit_code=2)
            first.error, first.result = err, None
            return first
    diags = []
    for r in in_contexts:
        for d in r.result.diagnostics:
            if d not in diags:
                diags.append(d)
    first.result.diagnostics = diags
    first.seconds = alone.seconds + sum(r.seconds for r in in_contexts)
    return first


def _first_difference(a: str, b: str) -> int:
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), 1):
        if x != y:
            return n
    return min(a.count("\n"), b.count("\n")) + 1
