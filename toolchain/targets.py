"""Targets are data (toolchain/data/targets.toml); this module only reads them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .diag import ToolchainError


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    mtune: str
    isa: str
    isa_description: str
    allowed_features: frozenset[str]
    api_floor: str
    max_subsystem: tuple[int, int]
    max_os: tuple[int, int]


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


@lru_cache(maxsize=None)
def _data() -> dict:
    raw = resources.files("toolchain").joinpath("data/targets.toml").read_text("utf-8")
    return tomllib.loads(raw)


def target_names() -> list[str]:
    return sorted(_data()["target"])


def load_target(name: str) -> Target:
    data = _data()
    entry = data["target"].get(name)
    if entry is None:
        raise ToolchainError(
            f"unknown target '{name}'", hint="known targets: " + ", ".join(target_names()),
            exit_code=2)
    isa = data["isa"][entry["isa"]]
    return Target(
        name=name,
        description=entry["description"],
        mtune=entry["cpu"]["mtune"],
        isa=entry["isa"],
        isa_description=isa["description"],
        allowed_features=frozenset(isa["allowed"]),
        api_floor=str(entry["api"]["floor"]),
        max_subsystem=_version(entry["pe"]["max_subsystem"]),
        max_os=_version(entry["pe"]["max_os"]),
    )
