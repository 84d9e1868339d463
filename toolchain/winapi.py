"""The Windows 9x API the product may import, and user-supplied export lists.

The product's own list lives in ``toolchain/data/win9x_api.tsv``. Users who want
to check against an exact machine pass an export list instead: EntryPointExamer
``.info`` files (``dll<TAB>function`` lines) or one name per line (optionally
``name DATA`` as in a .def file), in which case every DLL is checked against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .diag import ToolchainError

ANY_DLL = "*"


@dataclass(frozen=True)
class ApiEntry:
    dll: str       # lower case, e.g. "kernel32.dll"
    name: str
    kind: str      # "cdecl", "stdcall@N" or "data"
    since: str     # "95" or "98"

    @property
    def stdcall_bytes(self) -> int | None:
        if self.kind.startswith("stdcall@"):
            return int(self.kind.split("@", 1)[1])
        return None


@lru_cache(maxsize=None)
def product_api() -> tuple[ApiEntry, ...]:
    text = resources.files("toolchain").joinpath("data/win9x_api.tsv").read_text("utf-8")
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        dll, name, kind, since = line.split("\t")
        rows.append(ApiEntry(dll.lower(), name, kind, since))
    return tuple(rows)


def product_exports(floor: str = "98") -> dict[str, set[str]]:
    """DLL (lower case) -> names available on every machine of that Windows floor."""
    out: dict[str, set[str]] = {}
    for entry in product_api():
        if int(entry.since) <= int(floor):
            out.setdefault(entry.dll, set()).add(entry.name)
    return out


def load_export_file(path: str | Path) -> dict[str, set[str]]:
    """Read an EntryPointExamer .info file or a one-name-per-line list.

    Returns DLL (lower case) -> exported names; a plain name list is keyed by
    :data:`ANY_DLL`. DLLs marked ``NOT FOUND`` in a .info capture are absent.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ToolchainError(f"{path}: cannot read export list: {exc.strerror}", exit_code=2)
    text = raw.decode("latin-1")
    out: dict[str, set[str]] = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith((";", "#")):
            continue
        if "\t" in line:
            dll, _, name = line.partition("\t")
            dll, name = dll.strip().lower(), name.strip()
            if name == "NOT FOUND":
                out.setdefault(dll, set())
                continue
            out.setdefault(dll, set()).add(name)
        else:
            name = line.split()[0]
            out.setdefault(ANY_DLL, set()).add(name)
    if not out:
        raise ToolchainError(f"{path}: no exports found (expected 'dll<TAB>function' or one name a line)",
                             exit_code=2)
    return out


def is_exported(exports: dict[str, set[str]], dll: str, name: str) -> bool:
    dll = dll.lower()
    if dll in exports:
        return name in exports[dll]
    return name in exports.get(ANY_DLL, set())
