"""``port_source``: run the passes on one text until nothing changes.

Parsing is shared and incremental (see ``frontend``): a pass asks the unit
cache for the text it was given, and only the top-level chunks that an
earlier pass changed are parsed again.  A pass module may define
``needed(text) -> bool``, a cheap test that lets the pipeline skip it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diag import Diagnostic, ToolchainError
from .frontend import UnitCache
from .passes import PassContext, pass_modules
from .source import EditConflict

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


def _rounds(text: str, path: str, ctx: PassContext):
    applied: list[str] = []
    final_diags: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    for _ in range(MAX_ROUNDS):
        changed = False
        round_diags: list[Diagnostic] = []
        for mod in pass_modules():
            # optional cheap pre-check of a pass: needed(text) is False only
            # when run() would return neither edits nor diagnostics
            needed = getattr(mod, "needed", None)
            if needed is not None and not needed(text):
                continue
            try:
                out = mod.run(text, ctx)
                new = out.edits.apply() if out.edits else text
            except EditConflict as exc:  # a bug in a pass, not in the input
                raise ToolchainError(f"internal error in pass '{mod.NAME}': {exc}",
                                     exit_code=2) from None
            for d in out.diagnostics:
                (notes if d.severity == "note" else round_diags).append(d)
            if new != text:
                text = new
                changed = True
                if mod.NAME not in applied:
                    applied.append(mod.NAME)
        final_diags = round_diags
        if not changed:
            break
    else:
        raise ToolchainError(f"{path}: the C89 rewrite did not settle after {MAX_ROUNDS} rounds",
                             exit_code=2)
    return text, applied, final_diags, notes
