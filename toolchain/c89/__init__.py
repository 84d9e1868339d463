"""C99 -> strict C89 source rewriter (analysis with pycparser, edits on the
original text).  See :func:`port_source`."""

from .pipeline import PortResult, port_source

__all__ = ["PortResult", "port_source"]
