"""C99 -> strict C89 source rewriter (analysis with pycparser, edits on the
original text).

The library API (the ``c89port`` command line is built on it):

``port_source(text, path, ...)``        one text -> ``PortResult``
``port_configs(text, path, configs)``   one text, right under several -D configurations
``port_files(items, jobs=...)``         many files, in worker processes -> ``FileResult``s
``clear_caches()``                      forget what this process parsed
"""

from .configs import port_configs
from .pipeline import PortResult, port_source
from .project import FileResult, port_files


def clear_caches() -> None:
    """Empty the process-wide caches (parsed chunks, walks of their trees),
    as in a fresh process."""
    from . import semantics
    from .analysis import walks
    from .frontend import clear_caches as clear_frontend
    clear_frontend()
    walks.clear()
    semantics.clear_caches()


__all__ = ["FileResult", "PortResult", "clear_caches", "port_configs", "port_files",
           "port_source"]
