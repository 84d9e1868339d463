"""The programs llama98 runs (toolchain/data/tools.toml): find them, name what is missing.

:func:`require` is what a command calls before it needs a program: a missing one is a
one-line ``llama98: error:`` naming what to install. :func:`doctor` is ``llama98 doctor``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources

from .diag import ToolchainError

PYTHON_PACKAGES = ["pycparser", "pycparser-fake-libc", "iced-x86", "pefile", "jinja2",
                   "invoke", "numpy"]


@dataclass(frozen=True)
class Tool:
    name: str
    command: str
    version_args: tuple[str, ...]
    install: str
    driver: str = ""
    file: str = ""


@dataclass(frozen=True)
class Feature:
    name: str
    what: str
    tools: tuple[str, ...]


@lru_cache(maxsize=None)
def _data() -> dict:
    raw = resources.files("toolchain").joinpath("data/tools.toml").read_text("utf-8")
    return tomllib.loads(raw)


def all_tools() -> list[Tool]:
    return [Tool(name, t["command"], tuple(t.get("version", ())), t["install"],
                 t.get("driver", ""), t.get("file", ""))
            for name, t in _data()["tool"].items()]


def tool(name: str) -> Tool:
    for t in all_tools():
        if t.name == name:
            return t
    raise KeyError(name)


def features() -> list[Feature]:
    return [Feature(name, f["what"], tuple(f["tools"])) for name, f in _data()["feature"].items()]


def find(t: Tool) -> str | None:
    """Where ``t`` is, or None."""
    if t.driver:
        from .compilers import get_driver
        driver = get_driver(t.driver)
        if not driver.available():
            return None
        try:
            path = os.environ.get("PATH", "")
            if hasattr(driver, "tool_env"):
                path = driver.tool_env()["PATH"]
        except ToolchainError:
            return None
        return shutil.which(t.command, path=path)
    found = shutil.which(t.command)
    if found and t.file and not os.path.exists(t.file):
        return None
    return found


def version(t: Tool, path: str) -> str:
    if not t.version_args:
        return ""
    try:
        # in a scratch folder: some tools write files where they run (csmith: platform.info)
        with tempfile.TemporaryDirectory(prefix="llama98-doctor-") as scratch:
            proc = subprocess.run([path, *t.version_args], capture_output=True, text=True,
                                  timeout=20, stdin=subprocess.DEVNULL, cwd=scratch)
    except (OSError, subprocess.SubprocessError):
        return "?"
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return lines[0].strip() if lines else "?"


def require(name: str, needed_for: str) -> str:
    """The path of tool ``name``; a one-line ToolchainError naming what to install if missing."""
    t = tool(name)
    path = find(t)
    if path is None:
        what = t.command
        if t.file and shutil.which(t.command):
            what = f"{t.command} (32-bit: {t.file})"
        raise ToolchainError(f"{what} not found, needed for {needed_for}: install {t.install}")
    return path


def doctor() -> tuple[str, bool]:
    """The ``llama98 doctor`` report, and whether the default (MinGW) build can run here."""
    rows, found = [], {}
    for t in all_tools():
        path = find(t)
        found[t.name] = path is not None
        if path:
            ver = version(t, path)
            rows.append(f"  ok       {t.name:<15} {path}" + (f"  ({ver})" if ver else ""))
        else:
            rows.append(f"  missing  {t.name:<15} {t.command}: install {t.install}")
    out = ["Programs"] + rows + ["", "Python packages"]
    for pkg in PYTHON_PACKAGES:
        try:
            out.append(f"  ok       {pkg:<20} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            out.append(f"  missing  {pkg:<20} (pip install llama98 installs it)")
    out += ["", "What works here"]
    build_ok = True
    for f in features():
        missing = [n for n in f.tools if not found.get(n)]
        if f.name == "mingw":      # the default build
            build_ok = not missing
        out.append(f"  {'yes' if not missing else 'no ':<8} {f.what}"
                   + (f"  (missing: {', '.join(missing)})" if missing else ""))
    return "\n".join(out) + "\n", build_ok
