"""Move block-scope declarations so every block is C89 (declarations first).

Preferred rewrite: the declaration is hoisted to the start of its block
(after the block's leading declarations) and its initializer stays where it
was as an assignment::

    foo();                         float sum;
    float sum = 0.0f;      ->      foo();
                                   sum = 0.0f;

Preprocessor branches: the leading declarations may end inside an ``#if``
branch that does not hold the declaration (``#ifdef DEBUG int dbg = 0;
#endif``); the hoisted declaration then goes on a line after that branch's
``#endif`` when the preprocessor kept nothing in between, and else the
declaration is wrapped in a new block as below.  Either way, every
configuration that keeps the original declaration keeps what replaces it.

A declaration in an ``#if``/``#elif``/``#else`` branch that lies inside the
block is not hoisted out of that branch (the configurations without it
would get an unused declaration, or one of a type they do not have).  When
it is the first code in its branch (directives and blank lines only
before it), the conditional does not lie inside another branch of the
block, and each other branch of the conditionals holding it starts with a
declaration or has none after other code (judged on its text), a new
block opens on a line of its own before the ``#if`` line and closes where
the enclosing block ends::

    g();                            g();
    #ifdef X                        {
    int a = 1;                      #ifdef X
    #else                    ->     int a = 1;
    long a = 2;                     #else
    #endif                          long a = 2;
    use(a);                         #endif
                                    use(a);
                                    }

so the declarations lead it in every configuration and stay visible after
the ``#endif``.  Declarations after the ``#endif`` are still hoisted to
the start of the enclosing block, unless they name something the
conditional may declare (they are then left for the next round, in the new
block).  Otherwise the declaration is wrapped in a new block that closes at
the end of its branch (see below), and a ``for`` declaration there wraps
its loop instead of being hoisted.

A brace initializer with non-constant elements (which C89 does not take)
becomes member assignments.  When a macro writes the braces (``buf b =
BUF_INIT(mem);``) the assignments take the elements as the preprocessor
expanded them, with a note: that is the macro as the configuration being
ported defines it.

``for (int i = 0; ...)`` hoists ``int i;`` to the enclosing block and keeps
``for (i = 0; ...)``; several loops declaring the same name with the same
type share one hoisted declaration.

When hoisting could change meaning the pass falls back instead:

* a plain declaration whose name is used earlier in the block (it would
  capture an outer variable of that name), which cannot become an
  assignment (``const`` objects, arrays initialised from a string, ...) or
  that defines a struct/enum: a new ``{`` is opened at the declaration and
  closed at the end of the enclosing block (the scope is unchanged).  When
  the declaration is in an ``#if``/``#elif``/``#else`` branch that lies
  inside the block, the new block is closed at the end of that branch
  instead, so that its braces balance whichever branch the preprocessor
  keeps; that needs the branch to end between statements and nothing after
  it up to the block's end (in any branch, except the other branches of the
  conditionals holding the declaration) to name what it declares, otherwise
  it is an error;
* a ``for`` declaration that would clash (name used elsewhere in the block,
  same name with another type, same name as a block declaration): the loop
  alone is wrapped in ``{ int i; for (i = 0; ...) ... }``.

``static``/``extern``/``typedef``/function declarations and objects whose
initializer is a constant expression are moved whole (a static local is
never split: its initialisation happens once).  Constant includes C89
address constants: ``&g``, ``&g.m``, ``&arr[3]``, ``arr``, function names,
string literals, ``(T *)0`` and arithmetic/casts of those, where the
objects have static storage duration (file scope, ``static``/``extern``
locals; a parameter or automatic local of that name anywhere in the
function makes the name non-constant).  Aggregate initializers with
non-constant elements (not allowed in C89 even at block start) become
per-element / per-member assignments for arrays and structs of scalars;
when the object, an element or a member is const that would assign
read-only locations, so it is an error ("cannot convert safely: const
aggregate with non-constant initializer"), like other aggregates and
variable-length arrays.

Macros: the AST of a macro expansion has coordinates that do not point at
its text, so each preprocessed line is aligned with the original line and
a declaration is handled by where the macro *invocation* is.  A block
written by a macro (``#define SWAP(a, b) { int t = a; ... }``) is left
alone when its declarations come first (an error naming the macro
otherwise: only its definition could be changed); a declaration written
by an invocation at statement level after a statement gets the new-block
form at the invocation; an initializer written by a macro is split like
any other (``b = BUF_INIT(mem);``) unless it is braces with non-constant
elements, which keeps the declaration whole in a new block (and warns:
C89 compilers may reject it).  Macro definitions are never edited.
"""

from __future__ import annotations

from ...analysis.walks import walk_cached
from ...source import EditList
from ..base import PassOutput, PassSpec
from .branches import Branches
from .classify import Classification
from .core import NAME, Core
from .hoist import BlockRewrite
from .syntax import blocks
from .wrap import Wrapping

# the modules of this pass, one concern each:
#   core      state, errors, origins, token extents, edits
#   syntax    what is read off the AST (block items, names used and declared)
#   classify  what becomes of a declaration; initializers as assignments
#   branches  #if branch geometry inside a block
#   wrap      new blocks instead of hoisting
#   hoist     one block's rewrite


class _Pass(Core, Classification, Branches, Wrapping):
    def block(self, comp) -> None:
        BlockRewrite(self, comp).run()


def run(text: str, ctx) -> PassOutput:
    unit = ctx.unit(text)
    p = _Pass(unit)
    # (a .c fragment included in a function body: that function too)
    for fd in [*unit.func_defs(), *unit.enclosing_func_defs()]:
        found, p.has_labels = walk_cached(fd, "blocks", blocks)
        p.fd = fd
        for comp in found:
            p.edits = EditList(text)
            p.block(comp)
            # all or none: edits touching another block's wait for the next round
            p.out.edits.add_all(p.edits)
    return p.out


SPEC = PassSpec(NAME, "round", run, failure="declarations that cannot be converted safely")
