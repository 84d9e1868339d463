"""``port_source``: run the passes on one text until nothing changes.

Parsing is shared and incremental (see ``frontend``): all passes of a round
read the same text, so one preprocessing and one parse serve them, and in
the next round only the top-level chunks that changed are parsed again.
The passes and their order are the registry in ``passes``; what a pass is
given and returns is ``passes.base``.  Errors come back from the passes as
diagnostics: the port stops once, after the input checks or after the
round that found them, with all of them.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import gc
import re
from dataclasses import dataclass, field

from ..diag import Diagnostic, ToolchainError
from .analysis import c99
from .ctok import Tokens
from .frontend import CODE as PARSE, UnitCache
from .frontend.strict import gcc_accepts_c89
from .passes import PASSES, PassContext
from .passes.base import PassFailed, PassOutput, PassSpec
from .passes.unsupported import NAME as UNSUPPORTED
from .source import Edit, EditConflict, apply_edits

MAX_ROUNDS = 12


@dataclass
class PortResult:
    text: str
    changed: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    passes_applied: list[str] = field(default_factory=list)


def port_source(text: str, path: str, *, include_dirs=(), defines=(),
                compat_header: str = "c89compat.h", context=None) -> PortResult:
    """Rewrite C99 ``text`` (the contents of ``path``) as C89.  With
    ``context`` (includer path, includer text) the text is analysed where
    that file includes it (a header or .c fragment that is not
    self-contained).

    Edits are made on the original text; the result is a fixed point
    (porting it again changes nothing).  Raises :class:`ToolchainError`
    (exit code 2) when the input cannot be parsed or converted safely.
    """
    units = UnitCache(path, tuple(include_dirs), tuple(defines), compat_header, context)
    ctx = PassContext(path=path, compat_header=compat_header, units=units)
    original = text
    try:
        with fewer_collections():
            try:
                units.get(text).ast  # parse errors are reported against the untouched input
            except ToolchainError as err:
                passed = None if context is not None else \
                    pass_through_if_c89(err, text, path, include_dirs, defines)
                if passed is not None:
                    return passed
                explain_parse_failure(err, text, path)
                err.diagnostics += [n for n in units.notes if n not in err.diagnostics]
                raise
            text, applied, final_diags, notes = _rounds(text, path, ctx)
    finally:
        units.close()
    diags: list[Diagnostic] = []
    for d in units.notes + notes + final_diags:
        if d not in diags:
            diags.append(d)
    return PortResult(text=text, changed=text != original, diagnostics=diags,
                      passes_applied=applied)


def pass_through_if_c89(err: ToolchainError, text: str, path: str, include_dirs,
                        defines) -> PortResult | None:
    """Input the analysis cannot read but gcc accepts as strict C89 (GNU
    extensions gcc allows there) needs no port: unchanged, with a note
    where the analysis stopped."""
    if not any(d.code == PARSE for d in err.diagnostics) or \
            not gcc_accepts_c89(text, path, include_dirs, defines):
        return None
    first = next((d for d in err.diagnostics if d.path == path), None)
    why = first.message if first is not None else err.message
    note = Diagnostic(path, first.line if first else 0, first.col if first else 0, "note",
                      f"not analysed ({why}); gcc accepts it as strict C89 "
                      "(-std=c89 -pedantic-errors): passed through unchanged", PARSE)
    return PortResult(text=text, changed=False, diagnostics=[note])


def explain_parse_failure(err: ToolchainError, text: str, path: str) -> None:
    """Put the reasons a token-level scan finds (C11 keywords, _Generic ...)
    first in a parse error, so the user sees why the text did not parse."""
    if not any(d.code == PARSE for d in err.diagnostics):
        return
    extra = [Diagnostic(path, f.tok.line, f.tok.col, f.severity, f.message, UNSUPPORTED)
             for f in c99.scan(Tokens(text)) if f.severity == "error" and f.what != "variadic"]
    err.diagnostics = extra + [d for d in err.diagnostics if d not in extra]


@contextlib.contextmanager
def fewer_collections():
    """Run the cyclic garbage collector less often meanwhile: a port makes
    millions of small objects that are freed by reference counting (tokens,
    AST nodes), and with the default thresholds the collector keeps walking
    the parse cache (some 12% of the time on a large project)."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 20_000), max(old[1], 100), max(old[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _rounds(text: str, path: str, ctx: PassContext):
    """Rounds until nothing changes.  In a round every pass reads the same
    text (so one parse serves them all) and the edits of a pass are taken
    unless they touch the edits of an earlier pass of the round: those
    passes run again in the next round, on the text with the earlier edits
    made, which is what running the passes one after another would give
    for the characters they both wanted to change.  Passes of the ``after``
    phase (they read tokens only, never the AST) run last, one after
    another, on the text with the round's edits made, and only when no pass
    had to wait (``compat_include`` drops ``<stdint.h>`` once the compat
    names are in: never before the stdint pass has made them).  Passes of
    the ``input`` phase (checks that never edit, about what no rewrite
    changes) run once, first; their findings name places in the input."""
    applied: list[str] = []
    notes: list[Diagnostic] = []
    kept: list[Diagnostic] = []   # findings of the checks on the input
    checks = [s for s in PASSES if s.phase == "input"]
    rewrites = [s for s in PASSES if s.phase == "round"]
    finishers = [s for s in PASSES if s.phase == "after"]
    outs = [(s, _run(s, text, ctx)) for s in checks if s.needed is None or s.needed(text)]
    _stop_on_errors(outs)
    lines = _InputLines(path)   # what a round reports is placed in the input
    for _, out in outs:
        for d in out.diagnostics:
            (notes if d.severity == "note" else kept).append(d)
    final_diags: list[Diagnostic] = []
    for _ in range(MAX_ROUNDS):
        taken = _Taken()
        waiting = False   # a pass whose edits touched an earlier pass's
        round_diags: list[Diagnostic] = []
        outs = []
        for spec in rewrites:
            # needed(text) is False only when run() would return neither
            # edits nor diagnostics
            if spec.needed is not None and not spec.needed(text):
                continue
            out = _run(spec, text, ctx)
            outs.append((spec, out))
            for d in map(lines.place, out.diagnostics):
                (notes if d.severity == "note" else round_diags).append(d)
            if out.edits:
                if not taken.take(list(out.edits)):
                    waiting = True
                elif spec.name not in applied:
                    applied.append(spec.name)
        _stop_on_errors(outs, lines.place)
        new = taken.apply(text)
        lines.step(text, taken.edits)
        # finishers read the result of every pass: not while one waits
        for spec in finishers if not waiting else ():
            if spec.needed is not None and not spec.needed(new):
                continue
            out = _run(spec, new, ctx)
            _stop_on_errors([(spec, out)], lines.place)
            placed = list(map(lines.place, out.diagnostics))
            round_diags.extend(d for d in placed if d.severity != "note")
            notes.extend(d for d in placed if d.severity == "note")
            if out.edits:
                lines.step(new, list(out.edits))
                new = out.edits.apply()
                if spec.name not in applied:
                    applied.append(spec.name)
        final_diags = round_diags
        if new == text:
            break
        text = new
    else:
        raise ToolchainError(f"{path}: the C89 rewrite did not settle after {MAX_ROUNDS} rounds",
                             exit_code=2)
    order = [s.name for s in PASSES]
    return text, sorted(applied, key=order.index), kept + final_diags, notes


def _run(spec: PassSpec, text: str, ctx: PassContext) -> PassOutput:
    try:
        return spec.run(text, ctx)
    except PassFailed as stop:     # the pass could not go on: its errors are in its output
        return stop.output
    except EditConflict as exc:  # a bug in a pass, not in the input
        raise ToolchainError(f"internal error in pass '{spec.name}': {exc}",
                             exit_code=2) from None


def _stop_on_errors(outs: list[tuple[PassSpec, PassOutput]], place=None) -> None:
    """Raise one ToolchainError with the errors of all ``outs``, if any
    (placed in the input by ``place``); its message is the first failing
    pass's."""
    errors = [place(d) if place else d for _, out in outs for d in out.errors]
    if errors:
        spec = next(s for s, out in outs if out.errors)
        raise ToolchainError(spec.failure or f"the {spec.name} pass failed",
                             diagnostics=errors, exit_code=2)


class _InputLines:
    """Line numbers of the text after some rewrite steps -> lines of the
    input, so that what a later round reports names the line the user
    wrote (an ``#include`` the port added above it does not move it).
    Each step keeps the text it edited and its edits; the newline offsets
    are computed only when a diagnostic has to be placed."""

    def __init__(self, path: str):
        self.path = path
        self.steps: list[tuple[str, list[Edit]]] = []
        self._maps: dict[int, list[tuple[int, int, int, int]]] = {}

    def step(self, old: str, edits: list[Edit]) -> None:
        if edits:
            self.steps.append((old, edits))

    def place(self, d: Diagnostic) -> Diagnostic:
        if not self.steps or d.line <= 0 or d.path != self.path:
            return d
        line = d.line
        for k in range(len(self.steps) - 1, -1, -1):
            line = self._back(k, line)
        return d if line == d.line else dataclasses.replace(d, line=line)

    def _back(self, k: int, line: int) -> int:
        spans = self._maps.get(k)
        if spans is None:
            spans = self._maps[k] = self._spans(*self.steps[k])
        # the last edit whose new text starts at or before the line
        i = bisect.bisect_right(spans, (line, float("inf"))) - 1
        if i < 0:
            return line
        new_first, new_last, old_first, old_last = spans[i]
        if line == new_last:
            return old_last
        if line < new_last:
            return old_first
        return old_last + (line - new_last)

    @staticmethod
    def _spans(old: str, edits: list[Edit]) -> list[tuple[int, int, int, int]]:
        """(first and last line of each edit's new text, first and last
        line of what it replaced), in order."""
        nls = [m.start() for m in re.finditer("\n", old)]
        out = []
        delta = 0
        for e in sorted(edits, key=lambda e: (e.start, e.end)):
            a = bisect.bisect_left(nls, e.start) + 1
            b = bisect.bisect_left(nls, e.end) + 1
            first = a + delta
            last = first + e.text.count("\n")
            out.append((first, last, a, b))
            delta = last - b
        return out


class _Taken:
    """The edits taken in one round, from several passes.  Edits of
    different passes may not touch at all (not even an insertion at the end
    of a replacement): the order in which the passes would have made them
    would matter."""

    def __init__(self):
        self.edits: list[Edit] = []
        self.starts: list[int] = []   # sorted (start, end) spans of the edits taken
        self.ends: list[int] = []

    def take(self, edits: list[Edit]) -> bool:
        """Take all of ``edits`` (one pass's, consistent among themselves),
        or none when one touches an edit taken before."""
        starts, ends = self.starts, self.ends
        for e in edits:
            # spans taken are disjoint, so sorted by start their ends rise:
            # the last span starting at or before e.end is the only candidate
            k = bisect.bisect_right(starts, e.end) - 1
            if k >= 0 and ends[k] >= e.start:
                return False
        self.edits.extend(edits)
        spans = sorted(zip(starts + [e.start for e in edits], ends + [e.end for e in edits]))
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]
        return True

    def apply(self, text: str) -> str:
        if not self.edits:
            return text
        # checked: each pass's own, and across passes above
        return apply_edits(text, self.edits)
