"""Compiler drivers: one class per compiler, one template folder per compiler."""

from __future__ import annotations

from .base import BuildResult, CompilerDriver
from .borland import Borland
from .mingw import MinGW
from .openwatcom import OpenWatcom

DRIVERS: dict[str, type[CompilerDriver]] = {
    MinGW.name: MinGW,
    OpenWatcom.name: OpenWatcom,
    Borland.name: Borland,
}


def bundle_drivers() -> list[str]:
    """The drivers that can write a source bundle (``--bundle-only``)."""
    return [name for name, cls in DRIVERS.items() if cls.bundle_templates]


def get_driver(name: str) -> CompilerDriver:
    from ..diag import ToolchainError
    try:
        return DRIVERS[name]()
    except KeyError:
        raise ToolchainError(f"unknown compiler '{name}'",
                             hint="known compilers: " + ", ".join(sorted(DRIVERS)), exit_code=2)


__all__ = ["BuildResult", "CompilerDriver", "MinGW", "OpenWatcom", "Borland", "DRIVERS",
           "bundle_drivers", "get_driver"]
