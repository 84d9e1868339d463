"""engine_c89/: llama98's own C89 files, as listed once in engine_c89/runtime.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .diag import ToolchainError
from .shipped import shipped_dir

ENGINE_DIR = shipped_dir("engine_c89")
MANIFEST = ENGINE_DIR / "runtime.toml"
ROLES = ("compat", "port", "llama", "crt")


@dataclass(frozen=True)
class RuntimeFile:
    name: str
    what: str
    role: str
    provides: tuple[str, ...] = ()
    header: str = ""

    @property
    def path(self) -> Path:
        return ENGINE_DIR / self.name

    @property
    def is_source(self) -> bool:
        return self.name.endswith(".c")


@lru_cache(maxsize=None)
def runtime_files() -> tuple[RuntimeFile, ...]:
    """Every engine file, in the manifest's order."""
    try:
        data = tomllib.loads(MANIFEST.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ToolchainError(f"{MANIFEST}: cannot read the engine manifest: {exc}")
    out = []
    for name, entry in data.get("file", {}).items():
        if entry.get("role") not in ROLES:
            raise ToolchainError(f"{MANIFEST}: {name}: role must be one of {', '.join(ROLES)}")
        out.append(RuntimeFile(name=name, what=entry["what"], role=entry["role"],
                               provides=tuple(entry.get("provides", ())),
                               header=entry.get("header", "")))
    return tuple(out)


def runtime_file(name: str) -> RuntimeFile:
    for f in runtime_files():
        if f.name == name:
            return f
    raise KeyError(name)


def by_role(*roles: str) -> list[RuntimeFile]:
    return [f for f in runtime_files() if f.role in roles]


def describe(name: str) -> str:
    """What an engine file is for; a generic phrase for any other file."""
    try:
        return runtime_file(name).what
    except KeyError:
        return "source file" if name.endswith(".c") else "header"


def providers(names) -> list[RuntimeFile]:
    """The engine sources that define any of ``names`` (external identifiers)."""
    wanted = set(names)
    return [f for f in runtime_files() if f.is_source and wanted.intersection(f.provides)]
