"""Pinned source distributions from PyPI, used as real-world test and
benchmark inputs for the C89 rewriter (never committed, never installed).

The sdist file is located through PyPI's JSON API and fetched with urllib:
``pip download`` of an sdist may run its ``setup.py`` to get metadata, which
is neither wanted nor safe here.  Every file is checked against a pinned
sha256 and kept in a cache directory; extraction refuses links and paths
that leave the target directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PYPI_JSON = "https://pypi.org/pypi/{name}/json"


class Unavailable(Exception):
    """PyPI could not be reached (or does not list the file)."""


class HashMismatch(Exception):
    """The downloaded file is not the pinned one."""


@dataclass(frozen=True)
class Sdist:
    name: str        # project name on PyPI
    version: str
    filename: str    # the sdist's file name
    sha256: str
    license: str     # what the sdist says, for the record

    def fetch(self, cache: Path, timeout: float = 60.0) -> Path:
        """Path of the verified sdist in ``cache`` (downloaded if needed)."""
        cache.mkdir(parents=True, exist_ok=True)
        dest = cache / self.filename
        if dest.exists() and _sha256(dest.read_bytes()) == self.sha256:
            return dest
        url = self._url(timeout)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:
                data = resp.read()
        except (urllib.error.URLError, OSError) as exc:
            raise Unavailable(f"cannot download {url}: {exc}") from None
        if _sha256(data) != self.sha256:
            raise HashMismatch(f"{self.filename}: sha256 {_sha256(data)}, expected {self.sha256}")
        tmp = dest.with_suffix(dest.suffix + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        return dest

    def _url(self, timeout: float) -> str:
        api = PYPI_JSON.format(name=self.name)
        try:
            with urllib.request.urlopen(api, timeout=timeout) as resp:
                meta = json.load(resp)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise Unavailable(f"cannot reach PyPI ({api}): {exc}") from None
        for f in meta.get("releases", {}).get(self.version, []):
            if f.get("filename") == self.filename:
                if f.get("digests", {}).get("sha256") not in (None, self.sha256):
                    raise HashMismatch(f"PyPI lists another sha256 for {self.filename}")
                return urllib.parse.urljoin(api, f["url"])
        raise Unavailable(f"PyPI does not list {self.filename}")

    def extract(self, cache: Path, timeout: float = 60.0) -> Path:
        """Directory holding the unpacked sdist (unpacked once)."""
        tarball = self.fetch(cache, timeout)
        root = cache / (self.filename + ".d")
        done = root / ".complete"
        if done.exists() and done.read_text() == self.sha256:
            return _top(root)
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            base = root.resolve()
            members = []
            for m in tar.getmembers():
                target = (root / m.name).resolve()
                if m.issym() or m.islnk() or not str(target).startswith(str(base) + os.sep):
                    continue
                if m.isfile() or m.isdir():
                    members.append(m)
            if hasattr(tarfile, "data_filter"):
                tar.extractall(root, members=members, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tar.extractall(root, members=members)
        done.write_text(self.sha256)
        return _top(root)


def _top(root: Path) -> Path:
    """The sdist's single top-level directory (or ``root``)."""
    dirs = [p for p in root.iterdir() if p.is_dir()]
    return dirs[0] if len(dirs) == 1 else root


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llama98" / "sdists"


# -- the pinned inputs ----------------------------------------------------------

CMARKGFM = Sdist("cmarkgfm", "2025.10.22", "cmarkgfm-2025.10.22.tar.gz",
                 "5bec61007b65b919488442c838c58a6c8bf4741f5103c593b2ef180d39818eda",
                 "MIT (bindings); cmark-gfm itself BSD-2-Clause")
BLAKE3 = Sdist("blake3", "1.0.11", "blake3-1.0.11.tar.gz",
               "d73c0a87304d41045f6753a922113bede3ab09eda2d20371566a5bbe357c3deb",
               "CC0-1.0 OR Apache-2.0")
PYCRYPTODOME = Sdist("pycryptodome", "4.4.0", "pycryptodome-4.4.0.tar.gz",
                     "eab7620c60c85f3fa251d026ec06e094f036d96187bebb9752e46fbcebabbb55",
                     "BSD-2-Clause and public domain")
ARGON2 = Sdist("argon2-cffi-bindings", "26.2.0", "argon2_cffi_bindings-26.2.0.tar.gz",
               "f21ab89bb9850f32b9ca038d9961424bb0d3669d579cbbbfed068cffa6fc0643",
               "MIT (bindings); libargon2 CC0-1.0 OR Apache-2.0")
XXHASH = Sdist("xxhash", "4.1.0", "xxhash-4.1.0.tar.gz",
               "c9b288e4c1f5dae54417bc8a05e6f6daf505783d916b4783f4dd2f2e7d5db486",
               "BSD-2-Clause")
CRC32C = Sdist("crc32c", "2.9.post0", "crc32c-2.9.post0.tar.gz",
               "6a089e0340de8438e836a09e613c6b541675d0f3aa92b3fe34295aaba62f014f",
               "LGPL-2.1-or-later (package); crc32c_sw.c BSD-style (MIT, Intel)")
