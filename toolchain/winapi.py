"""The Windows 9x API the product may import, and user-supplied export lists.

The product's own list lives in ``toolchain/data/win9x_api.tsv``: what each DLL
exports, since which Windows, and which exports Windows 9x has only as stubs
(most W functions) or with limits. Users who want to check against an exact
machine pass an export list instead: EntryPointExamer ``.info`` files
(``dll<TAB>function`` lines) or one name per line (optionally ``name DATA`` as in
a .def file), in which case every DLL is checked against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .diag import ToolchainError

ANY_DLL = "*"

# What a win9x status means on a target whose API floor is Windows <floor>:
# the status -> floors on which the import is a warning.
STATUS_WARNS = {"-": (), "stub": ("95", "98"), "stub95": ("95",), "limited": ("95", "98")}
STATUS_TEXT = {
    "stub": "Windows 9x exports it only as a stub that fails with ERROR_CALL_NOT_IMPLEMENTED",
    "stub95": "Windows 95 exports it only as a stub that fails with ERROR_CALL_NOT_IMPLEMENTED "
              "(implemented from Windows 98 on)",
    "limited": "Windows 9x implements it only as a stub or with limits",
}
SOURCE_TEXT = {
    "unicode": "Microsoft KB Q210341: Windows 9x implements only a few Unicode (W) functions",
    "mingw-lite": "MinGW Lite replaces it on Windows 9x",
}

# An export list larger than this is not one: EntryPointExamer's capture of every
# system DLL of Windows ME is 0.9 MB.
EXPORT_LIST_LIMIT = 16 << 20
_NAME = re.compile(r"[!-~]+")                       # printable ASCII, no blanks
_DLL = re.compile(r"[A-Za-z0-9_$~.-]+")
_EPX_MARKS = {"NOT FOUND", "NO EXPORTS", "UNKNOWN FORMAT"}   # EntryPointExamer's notes
_DEF_KEYWORDS = {"LIBRARY", "EXPORTS", "NAME", "IMPORTS", "VERSION", "DESCRIPTION"}


@dataclass(frozen=True)
class ApiEntry:
    dll: str       # lower case, e.g. "kernel32.dll"
    name: str
    kind: str      # "cdecl", "stdcall@N" or "data"
    since: str     # "95" or "98"
    win9x: str = "-"     # "-", "stub", "stub95" or "limited"
    source: str = "-"    # where a win9x status comes from ("unicode", "mingw-lite")

    @property
    def stdcall_bytes(self) -> int | None:
        if self.kind.startswith("stdcall@"):
            return int(self.kind.split("@", 1)[1])
        return None

    def warns_on(self, floor: str) -> bool:
        """True when importing it deserves a warning on a Windows <floor> target."""
        return floor in STATUS_WARNS[self.win9x]

    def warning(self) -> str:
        """What is wrong with it on Windows 9x, and who says so."""
        text = STATUS_TEXT.get(self.win9x, "")
        src = SOURCE_TEXT.get(self.source, self.source)
        return f"{text} ({src})" if src and src != "-" else text


@lru_cache(maxsize=None)
def product_api() -> tuple[ApiEntry, ...]:
    text = resources.files("toolchain").joinpath("data/win9x_api.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        dll, name, kind, since, win9x, source = line.split("\t")
        rows.append(ApiEntry(dll.lower(), name, kind, since, win9x, source))
    return tuple(rows)


def product_exports(floor: str = "98") -> dict[str, set[str]]:
    """DLL (lower case) -> names available on every machine of that Windows floor."""
    out: dict[str, set[str]] = {}
    for entry in product_api():
        if int(entry.since) <= int(floor):
            out.setdefault(entry.dll, set()).add(entry.name)
    return out


@lru_cache(maxsize=None)
def _by_name() -> dict[tuple[str, str], ApiEntry]:
    return {(e.dll, e.name): e for e in product_api()}


def lookup(dll: str, name: str) -> ApiEntry | None:
    """The product's row for ``dll!name``, if it has one."""
    return _by_name().get((dll.lower(), name))


class ExportListError(ToolchainError):
    """An export list that cannot be read or is not one (exit code 2)."""

    def __init__(self, path: str | Path, reason: str, line: int = 0):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}", exit_code=2)
        self.path = where
        self.reason = reason


def load_export_file(path: str | Path) -> dict[str, set[str]]:
    """Read an EntryPointExamer .info file or a one-name-per-line list.

    Returns DLL (lower case) -> exported names; a plain name list is keyed by
    :data:`ANY_DLL`. DLLs marked ``NOT FOUND`` in a .info capture are absent.
    Only a regular text file of at most :data:`EXPORT_LIST_LIMIT` bytes whose lines
    are DLL and function names is accepted; anything else raises
    :class:`ExportListError`.
    """
    from .audit.inputs import InputFileError, read_regular_file
    try:
        raw = read_regular_file(path, EXPORT_LIST_LIMIT, what="export list")
    except InputFileError as err:
        raise ExportListError(path, err.reason)
    return parse_export_list(raw, path)


def parse_export_list(raw: bytes, path: str | Path = "<exports>") -> dict[str, set[str]]:
    """The export list in ``raw`` (see :func:`load_export_file`)."""
    if b"\0" in raw:
        raise ExportListError(path, "not an export list: binary file (NUL bytes)")
    text = raw.decode("latin-1")
    out: dict[str, set[str]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if "\t" in line:
            dll, _, name = line.partition("\t")
            dll, name = dll.strip().lower(), name.strip()
            if not _DLL.fullmatch(dll) or not (name in _EPX_MARKS or _NAME.fullmatch(name)):
                raise ExportListError(path, _bad_line(line), lineno)
            if name in _EPX_MARKS:
                # the DLL is absent, has no exports, or is no PE (a VxD): nothing it exports
                out.setdefault(dll, set())
                continue
            out.setdefault(dll, set()).add(name)
        else:
            words = line.split()
            if words[0].upper() in _DEF_KEYWORDS:
                continue
            if not all(_NAME.fullmatch(w) for w in words) or len(words) > 4:
                raise ExportListError(path, _bad_line(line), lineno)
            out.setdefault(ANY_DLL, set()).add(words[0])
    if not out:
        raise ExportListError(path, "no exports found (expected 'dll<TAB>function' or one name a line)")
    return out


def _bad_line(line: str) -> str:
    shown = line[:40].encode("unicode_escape").decode("ascii")
    return (f"not an export list: '{shown}' is not a 'dll<TAB>function' line or a function name "
            "(names are printable ASCII)")


def is_exported(exports: dict[str, set[str]], dll: str, name: str) -> bool:
    dll = dll.lower()
    if dll in exports:
        return name in exports[dll]
    return name in exports.get(ANY_DLL, set())
