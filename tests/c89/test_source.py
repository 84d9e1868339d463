import bisect
import random

import pytest

from toolchain.c89.ctok import Tokens
from toolchain.c89.source import Edit, EditConflict, EditList, SourceText


def test_offsets_roundtrip():
    s = SourceText("ab\ncd\n\nef")
    assert s.offset(2, 2) == 4
    assert s.line_col(4) == (2, 2)
    assert s.line_end(3) == 5
    assert s.line_text(4) == "ef"
    assert s.indent_of(0) == ""


def test_edits_apply_back_to_front_and_inserts_keep_order():
    e = EditList("int x = 1;")
    e.replace(0, 3, "long")
    e.insert(10, " /*a*/")
    e.insert(10, " /*b*/")
    e.replace(8, 9, "2")
    assert e.apply() == "long x = 2; /*a*/ /*b*/"


def test_overlapping_edits_conflict():
    e = EditList("abcdef")
    e.replace(1, 4, "X")
    with pytest.raises(EditConflict):
        e.replace(3, 5, "Y")
    with pytest.raises(EditConflict):
        e.insert(2, "Z")
    e.insert(1, "<")  # touching the boundary is fine
    e.insert(4, ">")
    assert e.apply() == "a<X>ef"


def test_tokenizer_skips_comments_and_literals():
    t = Tokens('a /* x */ "s//" \'c\' // y\n#define A(x) x+1\nb')
    assert [x.text for x in t.toks if x.pp < 0] == ["a", '"s//"', "'c'", "b"]
    assert [d.name for d in t.directives] == ["define"]
    ctx = t.code_context()
    assert [x.text for i, x in enumerate(t.toks) if ctx[i] and x.pp >= 0] == ["x", "+", "1"]


def test_bracket_matching_and_semicolon():
    t = Tokens("for (int i = 0; f(a, b); i++) { x; }")
    lp = 1
    assert t[t.match[lp]].text == ")"
    assert t.find_semicolon(2) == 6
    parts = t.split_commas(t.match[lp] - 8, t.match[lp] - 5)
    assert len(parts) >= 1


# -- the edit list: semantics, and the same results as the simple list it replaced --------

def test_edits_at_one_place_keep_the_order_they_were_added():
    e = EditList("abcdef")
    e.insert(2, "1")
    e.replace(2, 4, "X")
    e.insert(2, "2")
    e.insert(4, "3")
    e.insert(4, "4")
    e.replace(1, 2, "")   # ends where the inserts are: fine
    assert e.apply() == "a12X34ef"


def test_duplicates_and_no_op_replacements_are_dropped():
    e = EditList("abc")
    e.insert(1, "x", "p")
    e.insert(1, "x", "p")
    e.insert(1, "x", "q")     # another origin: a second edit
    e.replace(0, 1, "a")      # no-op
    e.replace(2, 3, "C")
    e.replace(2, 3, "C")      # the same edit again: no conflict
    assert len(e) == 3
    assert e.apply() == "axxbC"
    with pytest.raises(EditConflict, match="overlaps"):
        e.replace(2, 3, "D")


def test_conflict_messages_name_the_first_edit_touched():
    e = EditList("0123456789")
    e.insert(5, "a")
    e.insert(3, "b")
    e.replace(7, 9, "R")
    with pytest.raises(EditConflict) as exc:
        e.replace(2, 8, "Z")
    assert str(exc.value).endswith("covers insert Edit(start=5, end=5, text='a', origin='')")
    with pytest.raises(EditConflict, match="inside"):
        e.insert(8, "c")
    with pytest.raises(EditConflict, match="outside the text"):
        e.insert(11, "c")
    assert not e.can_add(6, 8) and e.can_add(5, 7) and e.can_add(9, 9) and not e.can_add(-1, 0)


def test_add_all_adds_every_edit_or_none():
    e = EditList("0123456789")
    e.replace(4, 6, "X")
    other = EditList("0123456789")
    other.insert(1, "a")
    other.replace(2, 3, "b")
    other.insert(5, "c")      # inside (4, 6): the whole batch is refused
    assert not e.add_all(other.edits)
    assert e.apply() == "0123X6789" and len(e) == 1
    e.insert(2, "y")          # the index forgot the refused edits
    assert e.add_all(other.edits[:2])
    assert e.apply() == "0a1yb3X6789"


def test_sorted_ints_against_a_sorted_list(monkeypatch):
    from toolchain.c89.source import _SortedInts
    monkeypatch.setattr(_SortedInts, "LOAD", 2)
    rng = random.Random(5)
    s, model = _SortedInts(), []
    for _ in range(3000):
        x = rng.randrange(200)
        if x in model and rng.random() < 0.5:
            s.remove(x)
            model.remove(x)
        elif x not in model:
            s.add(x)
            bisect.insort(model, x)
        below = [v for v in model if v < x]
        above = [v for v in model if v > x]
        assert s.last_below(x) == (below[-1] if below else None)
        assert s.first_above(x) == (above[0] if above else None)
    assert [v for lst in s._lists for v in lst] == model


class _OracleEditList:
    """The edit list as it was before it kept an index: every new edit checked
    against all the others, and the text rebuilt once per edit."""

    def __init__(self, text):
        self.text = text
        self.edits = []

    def _check(self, new):
        if not 0 <= new.start <= new.end <= len(self.text):
            raise EditConflict(f"edit {new} outside the text")
        for old in self.edits:
            if new.is_insert and old.is_insert:
                continue
            if new.is_insert:
                if old.start < new.start < old.end:
                    raise EditConflict(f"insert {new} inside {old}")
            elif old.is_insert:
                if new.start < old.start < new.end:
                    raise EditConflict(f"{new} covers insert {old}")
            elif new.start < old.end and old.start < new.end:
                raise EditConflict(f"{new} overlaps {old}")

    def add(self, start, end, text, origin=""):
        edit = Edit(start, end, text, origin)
        if edit in self.edits:
            return
        if not edit.is_insert and self.text[start:end] == text:
            return
        self._check(edit)
        self.edits.append(edit)

    def can_add(self, start, end):
        try:
            self._check(Edit(start, end, "x"))
        except EditConflict:
            return False
        return True

    def add_all(self, edits):   # what the declarations pass did by hand
        staged = self.edits[:]
        for e in edits:
            try:
                self.add(e.start, e.end, e.text, e.origin)
            except EditConflict:
                self.edits = staged
                return False
        return True

    def apply(self):
        order = sorted(range(len(self.edits)),
                       key=lambda i: (self.edits[i].start, self.edits[i].end, i))
        text = self.text
        for i in reversed(order):
            e = self.edits[i]
            text = text[:e.start] + e.text + text[e.end:]
        return text


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except EditConflict as exc:
        return ("conflict", str(exc))


def _random_ops(rng, n):
    """Random edit operations on a text of ``n`` characters: mostly short
    edits that often touch, duplicates, no-ops, a few out of range."""
    ops, made = [], []
    for _ in range(rng.randint(1, 60)):
        r = rng.random()
        a = rng.randint(-1, n + 1) if rng.random() < 0.03 else rng.randint(0, n)
        b = min(a + rng.choice([0, 0, 1, 1, 2, 3, 5]), n + (rng.random() < 0.03))
        text = rng.choice(["", "x", "yy", "(", ")"])
        origin = rng.choice(["", "p", "q"])
        if r < 0.1 and made:
            ops.append(("add",) + rng.choice(made))            # the same edit again
        elif r < 0.15:
            ops.append(("add", a, b, "NOOP", origin))           # replaced by the same text
        elif r < 0.25:
            ops.append(("can_add", a, b))
        elif r < 0.32:
            batch = [Edit(x, min(x + rng.choice([0, 1, 2]), n), rng.choice(["x", "z"]), "b")
                     for x in sorted(rng.sample(range(n + 1), min(n + 1, rng.randint(1, 4))))]
            ops.append(("add_all", batch))
        else:
            op = ("add", a, b, text or "w", origin) if a != b else ("add", a, a, text or "i", origin)
            ops.append(op)
            made.append(op[1:])
    return ops


@pytest.mark.parametrize("load", [2, 3, 256])
def test_edit_list_matches_the_simple_list_on_random_edits(monkeypatch, load):
    from toolchain.c89.source import _SortedInts
    monkeypatch.setattr(_SortedInts, "LOAD", load)
    rng = random.Random(load)
    for trial in range(800):
        n = rng.randint(0, 40)
        text = "".join(rng.choice("abc \n") for _ in range(n))
        new, old = EditList(text), _OracleEditList(text)
        for op in _random_ops(rng, n):
            if op[0] == "add":
                _, a, b, t, origin = op
                if t == "NOOP":
                    t = text[a:b] if 0 <= a <= b <= n else ""
                got, want = _outcome(new.add, a, b, t, origin), _outcome(old.add, a, b, t, origin)
            elif op[0] == "can_add":
                got, want = _outcome(new.can_add, *op[1:]), _outcome(old.can_add, *op[1:])
            else:
                got, want = _outcome(new.add_all, op[1]), _outcome(old.add_all, op[1])
            assert got == want, (trial, text, op, old.edits)
            assert new.edits == old.edits
        assert new.apply() == old.apply(), (trial, text, old.edits)


def test_edit_list_matches_the_simple_list_on_many_edits():
    """Edits in random order over a longer text: the index is deep, the
    buckets split, and the pieces are joined in one go."""
    rng = random.Random(11)
    text = "".join(rng.choice("abcdef;\n") for _ in range(6000))
    new, old = EditList(text), _OracleEditList(text)
    for _ in range(1500):
        a = rng.randrange(len(text))
        b = a + rng.choice([0, 0, 1, 2, 4])
        t = rng.choice(["", "X", "{ ", " }"]) or ("" if a != b else "Y")
        assert _outcome(new.add, a, b, t) == _outcome(old.add, a, b, t)
    assert new.edits == old.edits and len(new) > 500
    assert new.apply() == old.apply()
