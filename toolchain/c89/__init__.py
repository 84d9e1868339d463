"""C99 -> strict C89 source rewriter (analysis with pycparser, edits on the
original text).  See :func:`port_source`."""

from .pipeline import PortResult, port_source


def clear_caches() -> None:
    """Empty the process-wide caches (parsed chunks, walks of their trees),
    as in a fresh process."""
    from .analysis import walks
    from .frontend import clear_caches as clear_frontend
    clear_frontend()
    walks.clear()


__all__ = ["PortResult", "clear_caches", "port_source"]
