"""What the built program says about its own command line, for dist/README.TXT.

The program keeps the command line of the llama2.c version it was built from, so the
README takes it from the source itself rather than from a table of versions:

* the usage text: the print calls that start with the string literal holding
  ``Usage`` and the print calls right after it (``printf``/``fprintf``/``puts``);
* defaults: what the usage text states (``default 1.0``), and for the usage's
  ``[name]`` placeholders the initial value of ``main``'s variable of that name;
* an example with a prompt: an option whose description mentions the prompt
  (``-i <string> input prompt``), or else the positional ``[prompt]`` placeholder,
  with the placeholders before it given their defaults.

Nothing found (an unknown shape): the README says to run the EXE without arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .c89.ctok import Tokens

PRINT_CALLS = {"printf", "fprintf", "puts", "fputs"}
EXAMPLE_PROMPT = "Once upon a time"
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\", "r": "", "a": "", "0": ""}


@dataclass
class Usage:
    lines: list[str] = field(default_factory=list)        # as the program prints them
    program: str = ""                                     # what the usage calls the program
    defaults: list[tuple[str, str]] = field(default_factory=list)   # placeholder, value
    example: list[str] = field(default_factory=list)      # arguments after the model file


def _unescape(literal: str) -> str:
    body = literal[1:-1] if literal.endswith('"') else literal[1:]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _print_call(toks, i: int, match: dict[int, int]) -> tuple[str, int] | None:
    """At token ``i``: a print call ``name(...);`` -> (its format string, index after the ;)."""
    if i + 1 >= len(toks) or toks[i].kind != "id" or toks[i].text not in PRINT_CALLS:
        return None
    if toks[i + 1].text != "(" or (i + 1) not in match:
        return None
    close = match[i + 1]
    parts, k = [], i + 2
    while k < close and toks[k].kind != "str":
        k += 1
    while k < close and toks[k].kind == "str":      # adjacent literals concatenate
        parts.append(_unescape(toks[k].text))
        k += 1
    if not parts or close + 1 >= len(toks) or toks[close + 1].text != ";":
        return None
    text = "".join(parts)
    if toks[i].text == "puts":
        text += "\n"
    return text, close + 2


def _usage_lines(text: str, exe_stem: str) -> list[str]:
    tokens = Tokens(text)
    toks = [t for t in tokens.toks if t.pp < 0]
    match = _match(toks)
    for i, tok in enumerate(toks):
        if tok.kind != "str" or "usage" not in tok.text.lower():
            continue
        start = i
        while start > 0 and not (toks[start].kind == "id" and toks[start].text in PRINT_CALLS):
            start -= 1
            if toks[start].text in (";", "{", "}"):
                return []
        out, k = [], start
        while (call := _print_call(toks, k, match)) is not None:
            out.append(call[0])
            k = call[1]
        printed = "".join(out).replace("%s", exe_stem).replace("%%", "%")
        return [line.rstrip() for line in printed.rstrip("\n").split("\n")]
    return []


def _match(toks) -> dict[int, int]:
    out, stack = {}, []
    for i, t in enumerate(toks):
        if t.text in ("(", "[", "{"):
            stack.append(i)
        elif t.text in (")", "]", "}") and stack:
            out[stack.pop()] = i
    return out


def _initial_value(text: str, name: str) -> str | None:
    m = re.search(r"\b(?:float|double|int|long|char\s*\*)\s*" + re.escape(name)
                  + r"\s*=\s*([^;,]+)[;,]", text)
    if not m:
        return None
    value = m.group(1).strip()
    if value == "NULL":
        return "none"
    if re.fullmatch(r"[0-9.]+[fF]", value):
        value = value[:-1]
    return value.strip('"') if value.startswith('"') else value


_OPTION = re.compile(r"^\s*(-\w)\s+<\w+>\s+(.*)$")


def describe_usage(text: str, exe: str) -> Usage:
    """The usage text, defaults and a prompt example of the program in ``text``."""
    exe_stem = exe.rsplit(".", 1)[0]
    lines = _usage_lines(text, exe_stem)
    usage = Usage(lines=lines)
    if not lines:
        return usage
    named = re.match(r"\s*usage:\s*(\S+)", lines[0], re.I)
    usage.program = named.group(1) if named else ""
    options = [(m.group(1), m.group(2)) for m in map(_OPTION.match, lines) if m]
    prompt = next((flag for flag, what in options
                   if "prompt" in what.lower() and "system" not in what.lower()), None)
    if prompt:
        steps = next((flag for flag, what in options if "steps" in what.lower()), None)
        usage.example = ([steps, "100"] if steps else []) + [prompt, f'"{EXAMPLE_PROMPT}"']
        return usage
    placeholders = re.findall(r"\[(\w+)\]", lines[0])
    for name in placeholders:
        value = _initial_value(text, name)
        if value is not None:
            usage.defaults.append((name, value))
    if "prompt" in placeholders:
        known = dict(usage.defaults)
        before = placeholders[:placeholders.index("prompt")]
        if all(name in known for name in before):
            usage.example = [known[name] for name in before] + [f'"{EXAMPLE_PROMPT}"']
    return usage
