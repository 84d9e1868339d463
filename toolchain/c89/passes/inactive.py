"""C99 in code the preprocessor drops (this pass never edits).

Only what the preprocessor keeps is parsed and converted.  In an ``#if``
branch it drops under the configuration being ported, what has no C89 form
(see the unsupported pass) and the C99 constructs only AST-level passes
convert (``for (int ...``, designators, compound literals, ``__func__``)
are reported as warnings naming the ``-D`` flags: port with ``--config``
naming the configuration that uses the branch to convert them.  A branch
dropped by a test of ``__STDC_VERSION__`` is dropped by every C89 compiler
and is not reported.
"""

from __future__ import annotations

from .. import semantics
from ..analysis import c99, conditionals
from .base import PassOutput, PassSpec

NAME = "inactive"


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    out = PassOutput.of(NAME, text, unit)
    label = " ".join("-D" + d for d in unit.defines) or "no -D flags"
    toks = unit.toks
    sem = semantics.of(unit)
    for f in c99.findings(unit, sem.user_names, sem.typedef_names):
        if conditionals.state(unit, f.tok.line) == "inactive":
            out.diag(f.tok, "warning", f"{f.message} (in code the preprocessor drops with {label})")
    # gcc -E writes short runs of dropped lines as blank lines
    kept = {ln for ln, s in unit.pp_lines.items() if s.strip()}
    lines = conditionals.dropped_lines(toks, kept) if unit.pp_lines else set()
    seen = set()
    for i, t in enumerate(toks.toks):
        if t.pp >= 0 or t.line not in lines or t.line in seen:
            continue
        what = c99.construct_at(toks, i, sem.typedef_names)
        if what:
            seen.add(t.line)
            if conditionals.state(unit, t.line) == "c89":
                continue
            out.diag(t, "warning", f"{what} in code the preprocessor drops with {label}: not "
                                   "converted; port with --config naming the configuration "
                                   "that uses it")
    return out


# what it reports lies where no rewrite goes: it checks the input only
SPEC = PassSpec(NAME, "input", run)
