"""The rewrite passes, in the order the pipeline runs them.

Each module holds one pass and registers it with a ``SPEC`` (see ``base``);
this list is the registry.  Within a round every pass reads the same text,
and where the edits of two passes touch, the later pass waits for the next
round: the order is a priority, and each rule below says why it holds.
"""

from __future__ import annotations

from . import (bitfields, clock, comments, compat_include, compound_literals, declarations,
               designated, floatmath, inactive, keywords, libcalls, longlong, macro_args,
               stdint, strings, unsupported, variadic)
from .base import PassContext, PassOutput, PassSpec

PASSES: list[PassSpec] = [
    # checks that never edit run first, on the input: what they report points
    # at the text the user wrote, and nothing is rewritten when they find errors
    unsupported.SPEC,
    inactive.SPEC,
    # variadic macros first: a #define it turns into a function is replaced
    # whole, and the other passes convert the function in the next round
    variadic.SPEC,
    # empty macro arguments -> 0 where that means the same: call sites only
    macro_args.SPEC,
    # comments next: text-level, so a line another pass moves or rewrites
    # already carries /* */ comments
    comments.SPEC,
    # keywords before the AST rewrites: a declaration moved whole (or an
    # initializer rewritten) then carries no inline/restrict/__func__
    keywords.SPEC,
    # bit-fields: type words of struct members, which no other pass edits
    bitfields.SPEC,
    # compound literals before designated: a literal inside a designated
    # initializer becomes a named object, and designated places plain values
    compound_literals.SPEC,
    # designated before declarations: a declaration moved whole carries its
    # positional initializer
    designated.SPEC,
    # declarations before the token renames: a rename inside a moved
    # declaration waits and is made on the moved text in the next round
    declarations.SPEC,
    # long strings after the AST rewrites: a literal in a moved declaration or
    # a rewritten initializer waits and is replaced in the moved text
    strings.SPEC,
    # the token renames touch disjoint tokens: their order does not matter
    longlong.SPEC,
    floatmath.SPEC,
    libcalls.SPEC,
    clock.SPEC,
    stdint.SPEC,
    # the compat #include last, on the result of the round: it is added once a
    # compat name is in, and <stdint.h> is dropped only when its names are gone
    compat_include.SPEC,
]

__all__ = ["PASSES", "PassContext", "PassOutput", "PassSpec"]
