"""The verify step's logits hook: the ported program, built natively, writes every logits vector.

``instrument`` adds a call of ``data/l98verify.c``'s function after each statement that
writes the ``logits`` member; the hook appends the vector to the file named by
:data:`HOOK_ENV`. Only the verify step's native build gets it; the EXE never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from .c89.ctok import Tokens

HOOK_NAME = "l98v_logits"
HOOK_ENV = "L98_VERIFY_LOGITS"


class NotInstrumentable(Exception):
    """The program has no single statement computing its logits that the hook can follow."""


@dataclass(frozen=True)
class Instrumented:
    text: str
    calls: list[tuple[int, str]]   # (line, statement) for each hook tag, in source order


def instrument(text: str) -> Instrumented:
    """``text`` with the logits hook after each statement that writes ``...->logits``.

    Such a statement is a call whose first argument is the member ``logits`` (the
    computation, ``matmul(s->logits, ...)``, and in some versions a later in-place step
    such as ``softmax(state.logits, ...)`` on the sampling path). Each gets its own tag;
    the first tag to fire at run time is the computation, whatever the version.
    """
    toks = Tokens(text)
    hits = []
    for i in toks.id_index.get("logits", []):
        if toks[i].pp >= 0 or not toks.is_member(i):
            continue
        # walk back over the member expression (s->logits, t.state.logits) to a call's '('
        j = i - 1
        while j >= 0 and (toks[j].kind == "id" or toks[j].text in ("->", ".")):
            j -= 1
        if j < 1 or toks[j].text != "(" or toks[j - 1].kind != "id":
            continue
        open_, name = j, j - 1
        close = toks.match.get(open_)
        if close is None:
            continue
        args = toks.split_commas(open_ + 1, close)
        if args[0][1] != i + 1 or len(args) < 2:
            continue
        before = toks.prev_code(name)
        after = toks.next_code(close)
        if after is None or toks[after].text != ";":
            continue
        if before is not None and toks[before].text not in (";", "{", "}"):
            continue
        hits.append((name, args[0], args[-1], after))
    if not hits:
        raise NotInstrumentable("no statement writes the logits as a call on `...->logits`")

    def span(a: int, b: int) -> str:
        return text[toks[a].start:toks[b - 1].end]

    edits, calls = [], []
    for tag, (name, first, last, semi) in enumerate(hits):
        edits.append((toks[semi].end, f" {HOOK_NAME}({tag}, {span(*first)}, {span(*last)});"))
        calls.append((toks[name].line, text[toks[name].start:toks[semi].end]))
    out = text
    for at, new in reversed(edits):
        out = out[:at] + new + out[at:]
    prototype = f"void {HOOK_NAME}(int tag, const float *logits, int n);\n"
    return Instrumented(text=prototype + out, calls=calls)


def hook_source() -> str:
    return resources.files("toolchain").joinpath("data/l98verify.c").read_text("utf-8")
