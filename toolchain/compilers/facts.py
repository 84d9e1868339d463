"""Compiler facts, and the ``c89port --target`` table made from them.

Each driver class (mingw.py, openwatcom.py, borland.py) declares the macros its
compiler predefines and a ``Codegen`` for every ISA ceiling; nothing else in the
tree repeats them. ``c89port --target NAME`` takes:

- a build target (``win98-p2`` ...): the default compiler's macros for it;
- a compiler (``openwatcom`` ...): that compiler's macros for the default target;
- a name of toolchain/data/c89port_targets.toml: compilers that have no driver
  here (MSVC 6, a Unix C89 compiler), which only the port needs to know.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..diag import ToolchainError

DEFAULT_COMPILER = "mingw"
DEFAULT_TARGET = "win98-p2"
#: compilers without a driver, for c89port only
OTHER_PORT_TARGETS = Path(__file__).resolve().parent.parent / "data" / "c89port_targets.toml"


@dataclass(frozen=True)
class Codegen:
    """What a compiler does for one ISA ceiling: the flags that select it and the
    macros those flags predefine."""
    flags: tuple[str, ...]
    macros: tuple[str, ...] = ()


def port_targets() -> dict[str, dict]:
    """c89port's targets: name -> {"description": ..., "defines": [...]}."""
    from ..targets import load_target, target_names
    from . import DRIVERS

    out: dict[str, dict] = {}
    default = DRIVERS[DEFAULT_COMPILER]()
    for name in target_names():
        target = load_target(name)
        out[name] = {"description": f"{default.title} for {target.isa}",
                     "defines": default.predefined_macros(target)}
    target = load_target(DEFAULT_TARGET)
    for name, cls in DRIVERS.items():
        driver = cls()
        out[name] = {"description": f"{driver.title} for {target.isa}, as in {target.name}",
                     "defines": driver.predefined_macros(target)}
    with open(OTHER_PORT_TARGETS, "rb") as f:
        others = tomllib.load(f).get("target", {})
    for name, entry in others.items():
        if name in out:
            raise ToolchainError(f"{OTHER_PORT_TARGETS}: target '{name}' is also a build target "
                                 "or a compiler driver: its macros come from the driver")
        out[name] = {"description": entry.get("description", ""),
                     "defines": list(entry.get("defines", []))}
    return out
