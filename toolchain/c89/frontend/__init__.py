"""Analysis front end: preprocess with gcc, parse with pycparser, map AST
coordinates back to tokens of the original text.

``preprocess``           gcc's preprocessor, our analysis headers, fake libc
                         headers, the compat stub, an includer's context
``includers``            which inputs include which (files analysed in context)
``strict``               strict C89 the analysis cannot read passes through
``pycparser_internals``  the only module that touches pycparser's private names
``chunks``               the preprocessed text cut into top-level chunks, each
                         parsed once per process (cached)
``unit``                 a translation unit: tokens, preprocessing, AST, and
                         where each AST node's text is
"""

from __future__ import annotations

from . import chunks, unit as _unit
from .chunks import parse_chunked, split_chunks
from .preprocess import COMPAT_STUB, Preprocessor
from .unit import CODE, Unit, UnitCache


def clear_caches() -> None:
    """Empty the process-wide caches (parsed chunks, token lists)."""
    chunks.clear()
    _unit.clear_caches()


__all__ = ["CODE", "COMPAT_STUB", "Preprocessor", "Unit", "UnitCache", "clear_caches",
           "parse_chunked", "split_chunks"]
