"""Read an input file of the audit safely: regular files only, with a size limit.

A FIFO would block the read forever, a device such as /dev/zero (or a link to
it) would fill the memory, a directory is not a file: each of them is refused
with one line before anything is read. The file is opened without blocking and
checked again on the open descriptor, so what is read is what was checked.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_KINDS = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket")]


class InputFileError(Exception):
    """The file cannot be read as an input (missing, not a regular file, too large ...)."""

    def __init__(self, path: str | Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_regular_file(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes.

    Raises :class:`InputFileError` with a one-line reason otherwise.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputFileError(path, "no such file")
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(path, f"is {_kind(st.st_mode)}, not a regular file: cannot read {what}")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):   # replaced between the two looks
            raise InputFileError(path, f"is {_kind(st.st_mode)}, not a regular file: cannot read {what}")
        if st.st_size > limit:
            raise InputFileError(path, f"{what} too large ({st.st_size} bytes; at most {limit >> 20} MiB)")
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:   # grew while being read
                raise InputFileError(path, f"{what} too large (more than {limit >> 20} MiB)")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputFileError(path, f"cannot read {what}: {exc.strerror}")
    finally:
        os.close(fd)
