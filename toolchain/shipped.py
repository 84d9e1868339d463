"""Where the repository's top-level data folders (engine_c89/, patches/) are at run time.

In a checkout (and an editable install) they sit beside the ``toolchain`` package; a wheel
carries them inside it, as ``toolchain/engine_c89`` and ``toolchain/patches`` (setup.py
maps them there). The C compilers need real files, so this is a folder on disk either way.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_dir(name: str) -> Path:
    """The folder ``name`` of the repository's top level, wherever this install keeps it."""
    inside = Path(str(resources.files("toolchain") / name))
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parent.parent / name
