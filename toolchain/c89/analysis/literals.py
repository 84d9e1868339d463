"""Integer literals and constants: their values and their C89 spellings."""

from __future__ import annotations

import re

INTEGER = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")
_U32 = 0xFFFFFFFF
_I64_MAX = 0x7FFFFFFFFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF
_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7, "b": 8,
            "f": 12, "v": 11, "?": 63}
_INT_TYPES = ("int", "long int", "unsigned int", "long long int", "unsigned long int",
              "unsigned long long int", "long long", "unsigned long")


def constant_value(kind: str, text: str) -> int | None:
    """Value of a pycparser ``Constant`` of type ``kind`` spelled ``text``:
    integer and character constants; None for anything else (floats,
    strings, multi-character constants)."""
    if kind == "char":
        body = text[text.index("'") + 1:-1]
        if body.startswith("\\"):
            if body[1] in "xX":
                return int(body[2:], 16)
            if body[1].isdigit():
                return int(body[1:], 8)
            return _ESCAPES[body[1]]
        if len(body) != 1:
            return None
        return ord(body)
    if kind in _INT_TYPES:
        return integer_value(text)
    return None


def integer_value(text: str) -> int:
    """Value of an integer literal (decimal, hex, octal or binary, any suffix)."""
    s = text.rstrip("uUlL")
    if s.lower().startswith("0x"):
        return int(s, 16)
    if s.lower().startswith("0b"):
        return int(s, 2)
    if s.startswith("0") and len(s) > 1:
        return int(s, 8)
    return int(s)


def literal_64(text: str, force64: str = "") -> str | None:
    """C89 spelling of an integer literal of 64-bit type, or None if it is
    not one.  ``force64`` ("I"/"U") treats the literal as LL/ULL."""
    m = INTEGER.match(text)
    if not m:
        return None
    digits, suf = m.group(1), m.group(2).lower()
    if suf not in ("", "u", "l", "ul", "lu", "ll", "ull", "llu"):
        return None
    decimal = not digits.startswith("0") or digits == "0"
    value = int(digits, 16 if digits[:2].lower() == "0x" else 8 if not decimal else 10)
    unsigned = "u" in suf or force64 == "U"
    ll = "ll" in suf or bool(force64)
    if value > _U64:
        return None
    if ll or value > _U32:
        if not unsigned and value > _I64_MAX and (ll or not decimal):
            unsigned = True
    elif decimal and not unsigned and value > 0x7FFFFFFF:
        pass  # long long in C99 on an ILP32 target, unsigned long in C89
    else:
        return None
    kind = "U" if unsigned else "I"
    if value <= _U32:
        inner = digits + ("UL" if decimal and value > 0x7FFFFFFF else "")
        return f"C89_{kind}64({inner})"
    return f"C89_{kind}64_HL(0x{value >> 32:X}, 0x{value & _U32:08X})"
