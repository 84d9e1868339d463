"""The inference engines (toolchain/data/engines.toml): fp32 = llama2.c's run.c,
q8 = its int8 runq.c; which patch sets each gets, and what a model needs to run.

``port`` is the one way the build, the bench and the tests turn an upstream
program into the C89 source llama98 compiles: the engine's patch sets in order,
then the C89 rewriter. ``weight_bytes_per_token`` is the figure ``invoke bench``
prints.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .diag import ToolchainError
from .shipped import shipped_dir

DATA = Path(__file__).resolve().parent / "data" / "engines.toml"
PATCH_DIR = shipped_dir("patches")


@dataclass(frozen=True)
class Engine:
    name: str
    program: str
    patches: tuple[str, ...]
    format: str
    title: str


@lru_cache(maxsize=None)
def engines() -> dict[str, Engine]:
    try:
        data = tomllib.loads(DATA.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ToolchainError(f"{DATA}: cannot read the engine table: {exc}")
    return {name: Engine(name=name, program=e["program"], patches=tuple(e["patches"]),
                         format=e["format"], title=e["title"])
            for name, e in data.get("engine", {}).items()}


def engine(name: str) -> Engine:
    table = engines()
    if name not in table:
        raise ToolchainError(f"unknown engine '{name}' (known: {', '.join(sorted(table))})")
    return table[name]


def port(eng: Engine, text: str, name: str, *, include_dirs, defines=(), info=None) -> str:
    """Apply the engine's patch sets in order, then the C89 rewriter."""
    from .c89 import port_source
    from .patching import apply_patches

    for patch_file in eng.patches:
        patched = apply_patches(text, name, PATCH_DIR / patch_file)
        if info:
            for note in patched.notes:
                info(f"patch {note}")
        text = patched.text
    ported = port_source(text, name, include_dirs=list(include_dirs), defines=defines)
    if info:
        info("C89 passes: " + (", ".join(ported.passes_applied) or "none needed"))
    return ported.text


# ---------------------------------------------------------------- figures

def _matrix_params(c) -> tuple[int, int]:
    """(parameters of the per-layer matrices, of the embedding table)."""
    kv_dim = c.dim * c.n_kv_heads // c.n_heads
    layer = 2 * c.dim * c.dim + 2 * c.dim * kv_dim + 3 * c.dim * c.hidden_dim
    return c.n_layers * layer, abs(c.vocab_size) * c.dim


def weight_bytes_per_token(c, fmt: str, group_size: int = 0) -> int:
    """Bytes of weights one forward pass reads: every matrix once (the classifier is the
    size of the embedding table, shared or not), the rmsnorm weights, one embedding row;
    int8 matrices with their float32 scales."""
    layers, table = _matrix_params(c)
    norms = (2 * c.n_layers + 1) * c.dim * 4
    if fmt == "q8":
        q = lambda n: n + 4 * (n // group_size)     # noqa: E731
        return q(layers) + q(table) + q(c.dim) + norms
    return 4 * (layers + table + c.dim) + norms
