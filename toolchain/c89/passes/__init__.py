"""The rewrite passes, in the order the pipeline runs them.

Each module exposes ``NAME`` and ``run(text, ctx) -> PassOutput``.  A pass
only *describes* edits on the text it is given; the pipeline applies them
and runs the passes again until nothing changes (see ``pipeline``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...diag import Diagnostic
from ..source import EditList


@dataclass
class PassContext:
    path: str
    compat_header: str
    units: object  # frontend.UnitCache

    def unit(self, text: str):
        return self.units.get(text)

    def tokens(self, text: str):
        """The tokens of ``text``, without preprocessing or parsing it."""
        return self.units.tokens(text)


@dataclass
class PassOutput:
    edits: EditList
    diagnostics: list[Diagnostic] = field(default_factory=list)


def pass_modules():
    from . import (clock, comments, compat_include, compound_literals, declarations, designated,
                   floatmath, keywords, libcalls, longlong, stdint, unsupported)
    # unsupported only reports; it runs first so its errors point into the untouched input
    return [unsupported, comments, keywords, compound_literals, designated, declarations,
            longlong, floatmath, libcalls, clock, stdint, compat_include]
