"""``port_source``: run the passes on one text until nothing changes.

Parsing is shared and incremental (see ``frontend``): all passes of a round
read the same text, so one preprocessing and one parse serve them, and in
the next round only the top-level chunks that changed are parsed again.  A
pass module may define ``needed(text) -> bool``, a cheap test that lets the
pipeline skip it.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
from dataclasses import dataclass, field

from ..diag import Diagnostic, ToolchainError
from .frontend import UnitCache
from .passes import PassContext, pass_modules
from .source import Edit, EditConflict, apply_edits

MAX_ROUNDS = 12


@dataclass
class PortResult:
    text: str
    changed: bool
    diagnostics: list[Diagnostic] = field(default_factory=list)
    passes_applied: list[str] = field(default_factory=list)


def port_source(text: str, path: str, *, include_dirs=(), defines=(),
                compat_header: str = "c89compat.h") -> PortResult:
    """Rewrite C99 ``text`` (the contents of ``path``) as C89.

    Edits are made on the original text; the result is a fixed point
    (porting it again changes nothing).  Raises :class:`ToolchainError`
    (exit code 2) when the input cannot be parsed or converted safely.
    """
    units = UnitCache(path, tuple(include_dirs), tuple(defines), compat_header)
    ctx = PassContext(path=path, compat_header=compat_header, units=units)
    original = text
    try:
        with fewer_collections():
            units.get(text).ast  # parse errors are reported against the untouched input
            text, applied, final_diags, notes = _rounds(text, path, ctx)
    finally:
        units.close()
    diags: list[Diagnostic] = []
    for d in units.notes + notes + final_diags:
        if d not in diags:
            diags.append(d)
    return PortResult(text=text, changed=text != original, diagnostics=diags,
                      passes_applied=applied)


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
    for the characters they both wanted to change.  Passes marked
    ``AFTER_EDITS`` (they read tokens only, never the AST) run last, one
    after another, on the text with the round's edits made, and only when
    no pass had to wait (``compat_include`` drops ``<stdint.h>`` once the
    compat names are in: never before the stdint pass has made them).  Passes marked
    ``INPUT_ONLY`` (checks that never edit, about what no rewrite changes)
    run in the first round only; their findings name places in the input."""
    applied: list[str] = []
    final_diags: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    passes = [m for m in pass_modules() if not getattr(m, "AFTER_EDITS", False)]
    finishers = [m for m in pass_modules() if getattr(m, "AFTER_EDITS", False)]
    kept: list[Diagnostic] = []   # findings of the checks on the input
    for round_no in range(MAX_ROUNDS):
        taken = _Taken()
        waiting = False   # a pass whose edits touched an earlier pass's
        round_diags: list[Diagnostic] = []
        for mod in passes:
            once = getattr(mod, "INPUT_ONLY", False)
            if once and round_no:
                continue
            # optional cheap pre-check of a pass: needed(text) is False only
            # when run() would return neither edits nor diagnostics
            needed = getattr(mod, "needed", None)
            if needed is not None and not needed(text):
                continue
            out = _run(mod, text, ctx)
            edits = out.edits.edits if out.edits else []
            for d in out.diagnostics:
                (notes if d.severity == "note" else kept if once else round_diags).append(d)
            if edits:
                if not taken.take(edits):
                    waiting = True
                elif mod.NAME not in applied:
                    applied.append(mod.NAME)
        new = taken.apply(text)
        # finishers read the result of every pass: not while one waits
        for mod in finishers if not waiting else ():
            # a pass that reads tokens only runs on the round's result, as
            # it would after the other passes
            needed = getattr(mod, "needed", None)
            if needed is not None and not needed(new):
                continue
            out = _run(mod, new, ctx)
            round_diags.extend(d for d in out.diagnostics if d.severity != "note")
            notes.extend(d for d in out.diagnostics if d.severity == "note")
            if out.edits:
                new = out.edits.apply()
                if mod.NAME not in applied:
                    applied.append(mod.NAME)
        final_diags = round_diags
        if new == text:
            break
        text = new
    else:
        raise ToolchainError(f"{path}: the C89 rewrite did not settle after {MAX_ROUNDS} rounds",
                             exit_code=2)
    order = [m.NAME for m in pass_modules()]
    return text, sorted(applied, key=order.index), kept + final_diags, notes


def _run(mod, text: str, ctx: PassContext):
    try:
        return mod.run(text, ctx)
    except EditConflict as exc:  # a bug in a pass, not in the input
        raise ToolchainError(f"internal error in pass '{mod.NAME}': {exc}",
                             exit_code=2) from None


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
