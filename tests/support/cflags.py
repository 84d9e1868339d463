"""Strict C89 command lines: what "builds as C89" means in the tests.

``STRICT[name]`` is the compiler command (without sources) that rejects
anything beyond ANSI C89 as far as that compiler can tell; ``C99`` builds
the originals the ports are compared with.
"""

from __future__ import annotations

# what makes gcc (and MinGW) hold a file to ANSI C89
PEDANTIC = ["-std=c89", "-pedantic-errors"]
GCC_C89 = ["gcc", *PEDANTIC, "-Wall", "-Werror"]
GCC_C89_EXTRA = GCC_C89 + ["-Wextra"]

STRICT = {
    "gcc": GCC_C89,
    "tcc": ["tcc", "-Wall", "-Werror"],
    "pcc": ["pcc"],
    "mingw": ["i686-w64-mingw32-gcc", *PEDANTIC, "-Wall", "-Werror"],
}

# the originals: GNU C99 (POSIX clock_gettime and friends), warnings off
C99 = ["gcc", "-std=gnu99", "-w"]
