"""Apply llama98's own changes (patches/*.toml) to upstream C source by structure.

A patch is a list of operations that locate their target by code structure:
a call's name, the ``#include`` group that pulls in a header, a string literal.
Every operation must find what it is looking for; otherwise the build stops with
``path: error: patch 'id' no longer applies: ...`` rather than produce a program
that silently lacks the change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .c89.ctok import Tokens
from .c89.source import EditList
from .diag import Diagnostic, ToolchainError
from .shipped import shipped_dir

PATCH_DIR = shipped_dir("patches")


@dataclass
class PatchResult:
    text: str
    applied: list[str] = field(default_factory=list)   # "id: summary"
    notes: list[str] = field(default_factory=list)     # what each operation changed


def load_patch_set(path: str | Path) -> list[dict]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ToolchainError(f"{path}: cannot read patch set: {exc}", exit_code=2)
    patches = data.get("patch", [])
    for patch in patches:
        for op in patch.get("op", []):
            if op.get("op") not in _OPS:
                raise ToolchainError(f"{path}: patch '{patch.get('id')}': unknown operation "
                                     f"'{op.get('op')}'", exit_code=2)
    return patches


class _NoLongerApplies(Exception):
    pass


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    out = EditList(text)
    for start, end, new in edits:
        out.replace(start, end, new, origin="patch")
    return out.apply()


def _op_replace_include_group(text: str, op: dict) -> tuple[str, str]:
    directives = Tokens(text).directives
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
    toks = [t for t in Tokens(text).toks if t.pp < 0]     # code, not directives
    edits = []
    found: dict[str, int] = {}
    for i, tok in enumerate(toks[:-1]):
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
        raise _NoLongerApplies("no call to " + ", ".join(f"{m}()" for m in missing) + " found")
    summary = ", ".join(f"{n}() -> {calls[n]}() x{c}" for n, c in sorted(found.items()))
    return _apply(text, edits), summary


def _op_replace_string(text: str, op: dict) -> tuple[str, str]:
    old = '"' + op["old"] + '"'
    new = '"' + op["new"] + '"'
    edits = [(t.start, t.end, new) for t in Tokens(text).toks
             if t.kind == "str" and t.text == old]
    if not edits:
        raise _NoLongerApplies(f"no string literal {old} found")
    return _apply(text, edits), f"{old} -> {new} x{len(edits)}"


_OPS = {
    "replace-include-group": _op_replace_include_group,
    "rename-calls": _op_rename_calls,
    "replace-string": _op_replace_string,
}


def apply_patches(text: str, path: str, patch_file: str | Path | None = None) -> PatchResult:
    """Apply every patch of ``patch_file`` (default patches/llama2c.toml) to ``text``."""
    patch_file = Path(patch_file) if patch_file else PATCH_DIR / "llama2c.toml"
    result = PatchResult(text=text)
    for patch in load_patch_set(patch_file):
        for op in patch.get("op", []):
            try:
                result.text, note = _OPS[op["op"]](result.text, op)
            except _NoLongerApplies as exc:
                if op.get("optional"):      # code only some llama2.c versions have
                    result.notes.append(f"{patch['id']}: {op['op']} not needed here ({exc}): "
                                        + " ".join(op.get("optional_why", "").split()))
                    continue
                raise ToolchainError(
                    f"patch '{patch['id']}' ({patch_file.name}) no longer applies: {exc}",
                    diagnostics=[Diagnostic(path, 0, 0, "error",
                                            f"{op['op']}: {exc}", patch["id"])],
                    hint="the upstream source changed shape; update the patch set",
                    exit_code=2)
            result.notes.append(f"{patch['id']}: {note}")
        result.applied.append(f"{patch['id']}: {patch.get('summary', '')}")
    return result
