"""The pass contract: what a pass is given, what it gives back, how it is registered.

A pass is a module with one :class:`PassSpec` named ``SPEC``: its name (the
``[name]`` shown after each of its diagnostics), its phase and its ``run``
function.  ``run(text, ctx)`` reads ``text`` (through ``ctx.unit(text)``
for the AST and tokens, or ``ctx.tokens(text)`` for tokens only) and
returns a :class:`PassOutput`: edits on ``text`` and diagnostics.  A pass
never applies its edits and never raises for a problem in the input: an
error is a diagnostic like any other, and the pipeline stops the port once,
with every error found (``PassOutput.fail`` records one and gives the
exception that ends the pass early when it cannot go on).

Phases:

``input``   checks that never edit; they run once, on the input, before any
            rewrite, so their findings point at the text the user wrote;
``round``   rewrites; all of a round read the same text, and their edits are
            merged (see ``pipeline``);
``after``   token-level passes that read the result of a round's edits, one
            after another, once no pass of the round had to wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from pycparser import c_ast

from ...diag import Diagnostic
from .. import semantics
from ..ctok import Tok
from ..source import EditList

PHASES = ("input", "round", "after")


@dataclass
class PassContext:
    """What every pass of one ``port_source`` call shares."""
    path: str
    compat_header: str
    units: object  # frontend.UnitCache

    def unit(self, text: str):
        """The analysed unit of ``text`` (tokens, preprocessing, AST)."""
        return self.units.get(text)

    def tokens(self, text: str):
        """The tokens of ``text``, without preprocessing or parsing it."""
        return self.units.tokens(text)


class PassFailed(Exception):
    """Ends a pass early; its output (with the errors) goes with it."""

    def __init__(self, output: "PassOutput"):
        super().__init__(output.name)
        self.output = output


@dataclass
class PassOutput:
    """The edits and the diagnostics of one pass on one text."""
    name: str
    edits: EditList
    unit: object = None                 # for locating AST nodes and token indexes
    path: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, text: str, unit=None, path: str = "") -> "PassOutput":
        return cls(name, EditList(text), unit, path or getattr(unit, "path", ""))

    def diag(self, at, severity: str, message: str) -> Diagnostic:
        """Report ``message`` at ``at``: an AST node, a token (or its index
        in the unit's tokens), a ``(line, col)`` pair, or None (the file)."""
        line, col = self.where(at)
        d = Diagnostic(self.path, line, col, severity, message, self.name)
        if d not in self.diagnostics:
            self.diagnostics.append(d)
        return d

    def fail(self, at, message: str) -> PassFailed:
        """Record an error and return the exception that ends the pass
        (``raise out.fail(node, "...")``)."""
        self.diag(at, "error", message)
        return PassFailed(self)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def where(self, at) -> tuple[int, int]:
        if at is None:
            return 0, 0
        if isinstance(at, Tok):
            return at.line, at.col
        if isinstance(at, int):
            t = self.unit.toks[at]
            return t.line, t.col
        if isinstance(at, tuple):
            return at
        if isinstance(at, c_ast.Node):
            i = self.unit.tok_of(at) if at.coord is not None else None
            if i is not None:
                t = self.unit.toks[i]
                return t.line, t.col
            return (at.coord.line if at.coord is not None else 0), 0
        raise TypeError(f"cannot place a diagnostic at {at!r}")


class UnitPass:
    """What a pass working on one analysed unit starts from: the unit
    (``u``), its tokens and text, its semantics, and its output with the
    edits.  A subclass sets ``name`` to the pass's name."""
    name = ""

    def __init__(self, unit):
        self.u = unit
        self.toks = unit.toks
        self.text = unit.text
        self.sem = semantics.of(unit)
        self.out = PassOutput.of(self.name, unit.text, unit)
        self.edits = self.out.edits


@dataclass(frozen=True)
class PassSpec:
    """A registered pass (see ``passes/__init__.py`` for the order)."""
    name: str
    phase: str
    run: Callable[[str, PassContext], PassOutput]
    failure: str = ""       # what the port failed at, when the pass reports errors
    # a cheap test on the text: False only when run() would return neither
    # edits nor diagnostics (the pipeline then skips the pass)
    needed: Callable[[str], bool] | None = None

    def __post_init__(self):
        if self.phase not in PHASES:
            raise ValueError(f"pass {self.name}: phase must be one of {PHASES}")
