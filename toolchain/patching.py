"""Apply llama98's own changes (patches/*.toml) to upstream C source by structure.

A patch is a list of operations that locate their target by code structure: a
call's name, the ``#include`` group that pulls in a header, a string literal, a
function's body, the innermost ``{...}`` block that uses some names, a statement
written as a token pattern. Layout, comments and line numbers never matter.
Every operation must find what it is looking for; otherwise the build stops with
``path: error: patch 'id' no longer applies: ...`` rather than produce a program
that silently lacks the change. An operation marked ``optional`` (with the reason
in ``optional_why``) may find nothing: for a fix of code that only some llama2.c
versions have.

Token patterns (``before``, ``after``, ``find``) are C tokens; ``$name`` matches one
or more tokens with balanced brackets that do not end a statement (no ``;``, ``{``
or ``}`` outside brackets), the same text each time it repeats, and the texts
(``text``, ``with``) may use it. The compiler checks the code they insert.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path

from .c89.ctok import Tok, Tokens
from .c89.source import EditList
from .diag import Diagnostic, ToolchainError
from .shipped import shipped_dir

PATCH_DIR = shipped_dir("patches")

_VAR = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_STOP = {";", "{", "}", ")", "]"}       # a $variable never takes these outside brackets


@dataclass
class PatchResult:
    text: str
    applied: list[str] = field(default_factory=list)   # "id: summary"
    notes: list[str] = field(default_factory=list)     # what each operation changed


class _NoLongerApplies(Exception):
    pass


# ---------------------------------------------------------------------------- the patch set

_KEYS = {
    "replace-include-group": ({"includes", "with"}, set()),
    "rename-calls": ({"calls"}, {"required", "within"}),
    "replace-string": ({"old", "new"}, set()),
    "insert": ({"text"}, {"before", "after", "function", "count"}),
    "replace-code": ({"find", "with"}, {"function", "count"}),
}
_COMMON = {"op", "optional", "optional_why"}


def load_patch_set(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ToolchainError(f"{path}: cannot read patch set: {exc}", exit_code=2)
    patches = data.get("patch", [])
    for patch in patches:
        for op in patch.get("op", []):
            problem = _op_problem(op)
            if problem:
                raise ToolchainError(f"{path}: patch '{patch.get('id')}': {problem}", exit_code=2)
    return patches


def _op_problem(op: dict) -> str:
    kind = op.get("op")
    if kind not in _OPS:
        return f"unknown operation '{kind}'"
    required, optional = _KEYS[kind]
    keys = set(op)
    if required - keys:
        return f"{kind}: missing {', '.join(sorted(required - keys))}"
    if keys - required - optional - _COMMON:
        return f"{kind}: unknown key(s) {', '.join(sorted(keys - required - optional - _COMMON))}"
    if op.get("optional") and not str(op.get("optional_why", "")).strip():
        return f"{kind}: an optional operation must say why (optional_why)"
    if kind == "insert" and ("before" in op) == ("after" in op):
        return "insert: give exactly one of before / after"
    if kind == "insert" and "after" in op and _pattern(op["after"])[-1:] != [";"]:
        return "insert: an 'after' pattern must end with ';' (the end of a statement)"
    for key, template in (("text", "find"), ("with", "find"), ("text", "before"),
                          ("text", "after")):
        if key in op and template in op and isinstance(op[key], str):
            unknown = set(_VAR.findall(op[key])) - set(_VAR.findall(op[template]))
            if unknown:
                return f"{kind}: {key} uses {', '.join(sorted(unknown))}, not in {template}"
    return ""


# ---------------------------------------------------------------------------- code structure

class _Code:
    """The code tokens of one text (preprocessor directives left out) and their brackets."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = Tokens(text)
        self.toks: list[Tok] = [t for t in self.tokens.toks if t.pp < 0]
        self.match: dict[int, int] = {}
        self.depth: list[int] = []        # braces open before each token
        stack: list[int] = []
        braces = 0
        for i, t in enumerate(self.toks):
            self.depth.append(braces)
            if t.kind != "punct":
                continue
            if t.text in _OPEN:
                stack.append(i)
                braces += t.text == "{"
            elif t.text in (")", "]", "}"):
                for k in range(len(stack) - 1, -1, -1):
                    if _OPEN[self.toks[stack[k]].text] == t.text:
                        self.match[i] = stack[k]
                        self.match[stack[k]] = i
                        del stack[k:]
                        break
                braces -= t.text == "}"
        self.blocks = sorted((i, j) for i, j in self.match.items()
                             if i < j and self.toks[i].text == "{")
        self.at: dict[str, list[int]] = {}        # token text -> its indexes
        for i, t in enumerate(self.toks):
            self.at.setdefault(t.text, []).append(i)
        self.ids = {k: v for k, v in self.at.items() if self.toks[v[0]].kind == "id"}

    def source(self, a: int, b: int) -> str:
        """The original text of tokens [a, b)."""
        return self.text[self.toks[a].start:self.toks[b - 1].end]

    def _uses(self, name: str, lo: int, hi: int) -> bool:
        at = self.ids.get(name, [])
        k = bisect_left(at, lo)
        return k < len(at) and at[k] < hi

    def blocks_using(self, names: list[str]) -> list[tuple[int, int]]:
        """The innermost ``{...}`` blocks that use every one of ``names``."""
        found = [(i, j) for i, j in self.blocks
                 if all(self._uses(n, i, j) for n in names)]
        return [(i, j) for i, j in found
                if not any(i < a and b < j for a, b in found)]

    def function_body(self, name: str) -> tuple[int, int]:
        """(``{``, ``}``) of the definition of function ``name``."""
        for i in self.ids.get(name, []):
            if self.depth[i] or i + 1 >= len(self.toks) or self.toks[i + 1].text != "(":
                continue
            close = self.match.get(i + 1)
            if close is not None and close + 1 < len(self.toks) \
                    and self.toks[close + 1].text == "{":
                return close + 1, self.match[close + 1]
        raise _NoLongerApplies(f"no definition of function {name}() found")

    def scope(self, op: dict) -> tuple[int, int]:
        if "function" in op:
            i, j = self.function_body(op["function"])
            return i + 1, j
        return 0, len(self.toks)

    # -- token patterns ----------------------------------------------------
    def _match(self, i: int, pat: list[str], k: int, hi: int,
               binds: dict[str, tuple[int, int]]) -> tuple[int, dict] | None:
        if k == len(pat):
            return i, binds
        p = pat[k]
        if not _VAR.fullmatch(p):
            if i < hi and self.toks[i].text == p:
                return self._match(i + 1, pat, k + 1, hi, binds)
            return None
        if p in binds:
            a, b = binds[p]
            n = b - a
            if i + n <= hi and all(self.toks[i + d].text == self.toks[a + d].text
                                   for d in range(n)):
                return self._match(i + n, pat, k + 1, hi, binds)
            return None
        j = i
        while j < hi and self.toks[j].text not in _STOP:
            j = self.match.get(j, j) + 1 if self.toks[j].text in ("(", "[") else j + 1
            if j > hi:
                return None
            found = self._match(j, pat, k + 1, hi, {**binds, p: (i, j)})
            if found is not None:
                return found
        return None

    def _starts(self, pat: list[str], lo: int, hi: int) -> list[int]:
        """Where a match of ``pat`` may start: at its first literal token, or (when
        $variables come first) earlier in the same statement."""
        k = next((k for k, p in enumerate(pat) if not _VAR.fullmatch(p)), None)
        if k is None:
            return list(range(lo, hi))
        at = [j for j in self.at.get(pat[k], []) if lo <= j < hi]
        if k == 0:
            return at
        starts: set[int] = set()
        for j in at:
            i = j - 1
            while i >= lo and self.toks[i].text not in (";", "{", "}"):
                starts.add(i)
                i -= 1
        return sorted(starts)

    def find(self, pattern: str, lo: int, hi: int) -> list[tuple[int, int, dict]]:
        """Non-overlapping matches of ``pattern`` in tokens [lo, hi): (start, end, binds)."""
        pat = _pattern(pattern)
        out = []
        end = lo
        for i in self._starts(pat, lo, hi):
            if i < end:
                continue
            found = self._match(i, pat, 0, hi, {})
            if found is None:
                continue
            end, binds = found
            out.append((i, end, binds))
            end = max(end, i + 1)
        return out

    def render(self, template: str, binds: dict[str, tuple[int, int]]) -> str:
        return _VAR.sub(lambda m: self.source(*binds[m.group()]), template)

    def indent_of(self, i: int) -> str:
        start = self.toks[i].start
        line = self.text.rfind("\n", 0, start) + 1
        lead = self.text[line:start]
        return lead if not lead.strip() else ""


_LAST: list[_Code] = []


def _code(text: str) -> _Code:
    """The structure of ``text``, kept while operations leave the text unchanged."""
    if not _LAST or _LAST[0].text is not text and _LAST[0].text != text:
        _LAST[:] = [_Code(text)]
    return _LAST[0]


def _pattern(text: str) -> list[str]:
    return [t.text for t in Tokens(text).toks if t.pp < 0]


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    out = EditList(text)
    for start, end, new in edits:
        out.replace(start, end, new, origin="patch")
    return out.apply()


def _check_count(op: dict, n: int, what: str) -> None:
    if n == 0:
        raise _NoLongerApplies(f"no {what} found")
    if "count" in op and n != op["count"]:
        raise _NoLongerApplies(f"{n} x {what} found, the patch expects {op['count']}")


# ---------------------------------------------------------------------------- operations

def _op_replace_include_group(text: str, op: dict) -> tuple[str, str]:
    directives = _code(text).tokens.directives
    wanted = op["includes"]
    stack: list[int] = []     # indexes of open #if directives
    groups: dict[int, int] = {}
    hit = None
    for i, d in enumerate(directives):
        if d.name in ("if", "ifdef", "ifndef"):
            stack.append(i)
        elif d.name == "endif" and stack:
            groups[stack.pop()] = i
        elif d.name == "include" and hit is None and wanted in text[d.start:d.end]:
            hit = (i, list(stack))
    if hit is None:
        raise _NoLongerApplies(f"no #include {wanted} found")
    index, open_ifs = hit
    first = last = index
    if open_ifs:
        first = open_ifs[-1]
        last = groups[first]
    start, end = directives[first].start, directives[last].end
    new = "\n".join(op["with"])
    return _apply(text, [(start, end, new)]), \
        f"line {directives[first].line}: #include group of {wanted} -> {new}"


def _op_rename_calls(text: str, op: dict) -> tuple[str, str]:
    calls: dict[str, str] = op["calls"]
    code = _code(text)
    toks = code.toks
    if "within" in op:
        ranges = code.blocks_using(op["within"])
        if not ranges:
            raise _NoLongerApplies("no block using " + ", ".join(op["within"]) + " found")
    else:
        ranges = [(-1, len(toks))]
    edits = []
    found: dict[str, int] = {}
    for lo, hi in ranges:
        for i in range(lo + 1, min(hi, len(toks) - 1)):
            tok = toks[i]
            if tok.kind != "id" or tok.text not in calls or toks[i + 1].text != "(":
                continue
            prev = toks[i - 1] if i else None
            if prev is not None and prev.text in (".", "->"):
                continue            # a member that happens to share the name
            if prev is not None and prev.kind == "id" and prev.text not in ("return", "else"):
                continue            # a declaration such as `int open(...)`, not a call
            edits.append((tok.start, tok.end, calls[tok.text]))
            found[tok.text] = found.get(tok.text, 0) + 1
    missing = [name for name in op.get("required", []) if name not in found]
    if missing:
        where = " in the block using " + ", ".join(op["within"]) if "within" in op else ""
        raise _NoLongerApplies("no call to " + ", ".join(f"{m}()" for m in missing)
                               + f" found{where}")
    if not found:
        raise _NoLongerApplies("no call to " + ", ".join(f"{m}()" for m in calls) + " found")
    summary = ", ".join(f"{n}() -> {calls[n]}() x{c}" for n, c in sorted(found.items()))
    if "within" in op:
        summary += " in the block using " + ", ".join(op["within"])
    return _apply(text, edits), summary


def _op_replace_string(text: str, op: dict) -> tuple[str, str]:
    old = '"' + op["old"] + '"'
    new = '"' + op["new"] + '"'
    edits = [(t.start, t.end, new) for t in _code(text).tokens.toks
             if t.kind == "str" and t.text == old]
    if not edits:
        raise _NoLongerApplies(f"no string literal {old} found")
    return _apply(text, edits), f"{old} -> {new} x{len(edits)}"


def _where(op: dict) -> str:
    return f" in {op['function']}()" if "function" in op else ""


def _op_insert(text: str, op: dict) -> tuple[str, str]:
    code = _code(text)
    lo, hi = code.scope(op)
    pattern = op.get("before", op.get("after"))
    edits = []
    for start, end, binds in code.find(pattern, lo, hi):
        new = code.render(op["text"], binds)
        if "before" in op:
            if start and code.toks[start - 1].text not in (";", "{", "}"):
                continue        # not the start of a statement
            indent = code.indent_of(start)
            edits.append((code.toks[start].start, code.toks[start].start,
                          new + ("\n" + indent if indent else " ")))
        else:
            indent = code.indent_of(start)
            edits.append((code.toks[end - 1].end, code.toks[end - 1].end,
                          ("\n" + indent if indent else " ") + new))
    where = "before" if "before" in op else "after"
    _check_count(op, len(edits), f"statement '{pattern}'{_where(op)}")
    return _apply(text, edits), f"{len(edits)} x inserted {where} '{pattern}'{_where(op)}"


def _op_replace_code(text: str, op: dict) -> tuple[str, str]:
    code = _code(text)
    lo, hi = code.scope(op)
    edits = [(code.toks[start].start, code.toks[end - 1].end, code.render(op["with"], binds))
             for start, end, binds in code.find(op["find"], lo, hi)]
    _check_count(op, len(edits), f"'{op['find']}'{_where(op)}")
    return _apply(text, edits), f"{len(edits)} x '{op['find']}' replaced{_where(op)}"


_OPS = {
    "replace-include-group": _op_replace_include_group,
    "rename-calls": _op_rename_calls,
    "replace-string": _op_replace_string,
    "insert": _op_insert,
    "replace-code": _op_replace_code,
}


def apply_patches(text: str, path: str, patch_file: str | Path | None = None,
                  skip: tuple[str, ...] = ()) -> PatchResult:
    """Apply every patch of ``patch_file`` (default patches/llama2c.toml) to ``text``.

    ``skip``: ids of patches to leave out (the tests show each one is needed).
    """
    patch_file = Path(patch_file) if patch_file else PATCH_DIR / "llama2c.toml"
    result = PatchResult(text=text)
    for patch in load_patch_set(patch_file):
        if patch["id"] in skip:
            continue
        changed = False
        for op in patch.get("op", []):
            try:
                result.text, note = _OPS[op["op"]](result.text, op)
                changed = True
            except _NoLongerApplies as exc:
                if op.get("optional"):
                    result.notes.append(f"{patch['id']}: {op['op']} not needed here ({exc}): "
                                        + " ".join(op["optional_why"].split()))
                    continue
                raise ToolchainError(
                    f"patch '{patch['id']}' ({patch_file.name}) no longer applies: {exc}",
                    diagnostics=[Diagnostic(path, 0, 0, "error",
                                            f"{op['op']}: {exc}", patch["id"])],
                    hint="the upstream source changed shape; update the patch set",
                    exit_code=2)
            result.notes.append(f"{patch['id']}: {note}")
        if changed:
            result.applied.append(f"{patch['id']}: {patch.get('summary', '')}")
    return result
