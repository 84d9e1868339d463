"""``--model`` / ``--tokenizer``: find the files, and check them before compiling anything.

A spec is a path to a file, or a known name from ``toolchain/data/models.toml`` (downloaded
once into the cache, hash-checked). :func:`check_checkpoint` and :func:`check_tokenizer`
read the llama2.c binary formats and fail early, naming the field or byte counts at fault,
instead of letting the built executable crash on Windows 98.

llama2.c checkpoint ("version 0", what run.c reads): seven little-endian int32 header fields
``dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len`` (a negative
``vocab_size`` means the classifier is not shared with the token embedding), then float32
tensors in this order (hs = dim / n_heads)::

    token_embedding  vocab*dim         rms_att  L*dim          wq  L*dim*(n_heads*hs)
    wk  L*dim*(n_kv*hs)                wv  L*dim*(n_kv*hs)     wo  L*(n_heads*hs)*dim
    rms_ffn  L*dim                     w1  L*dim*hidden        w2  L*hidden*dim
    w3  L*dim*hidden                   rms_final  dim
    freq_cis_real  seq*hs/2            freq_cis_imag  seq*hs/2
    wcls  vocab*dim                    (only when vocab_size < 0)

Tokenizer: int32 ``max_token_length``, then per token float32 score, int32 length, bytes.
"""

from __future__ import annotations

import os
import struct
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .diag import ToolchainError
from .upstream import DownloadError, fetch_verified, resolve_cache_dir

HEADER_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len")
HEADER_BYTES = 4 * len(HEADER_FIELDS)

# Generous ceilings: larger than any llama2.c-format model (Llama 2 70B: dim 8192, hidden
# 28672, 80 layers, 64 heads; Llama 3 vocab 128256), small enough to catch garbage.
LIMITS = {
    "dim": 1 << 15,
    "hidden_dim": 1 << 18,
    "n_layers": 1 << 10,
    "n_heads": 1 << 10,
    "n_kv_heads": 1 << 10,
    "vocab_size": 1 << 20,
    "seq_len": 1 << 20,
}

# llama2.c's export.py "version 1/2" files start with this magic ("ak42"); run.c reads
# only the legacy header-less-magic format ("version 0").
EXPORT_MAGIC = 0x616B3432

MAX_TOKEN_LENGTH_LIMIT = 1 << 16
MAX_TOKENIZER_BYTES = 64 << 20


@dataclass(frozen=True)
class CheckpointInfo:
    path: Path
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int  # always positive here; see shared_classifier
    seq_len: int
    shared_classifier: bool  # False when the header's vocab_size was negative (own wcls)
    head_size: int
    expected_size: int
    file_size: int

    @property
    def uses_gqa(self) -> bool:
        """Grouped-query attention (fewer kv heads than heads): the July 2023 run.c can't run it."""
        return self.n_kv_heads != self.n_heads

    @property
    def n_params(self) -> int:
        return (self.expected_size - HEADER_BYTES) // 4


@dataclass(frozen=True)
class TokenizerInfo:
    path: Path
    max_token_length: int
    vocab_size: int  # tokens read (== the vocab_size asked for)
    used_bytes: int  # bytes run.c reads
    file_size: int


# ---------------------------------------------------------------------------- known names

@lru_cache(maxsize=None)
def _catalog() -> dict:
    raw = resources.files("toolchain").joinpath("data/models.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    return {"model": dict(data.get("model", {})), "tokenizer": dict(data.get("tokenizer", {}))}


def known_models() -> list[str]:
    return sorted(_catalog()["model"])


def known_tokenizers() -> list[str]:
    return sorted(_catalog()["tokenizer"])


def _download(kind: str, name: str, entry: dict, option: str, cache_dir) -> Path:
    url = entry["url"]
    sha = entry.get("sha256", "")
    fname = url.rsplit("/", 1)[-1] or f"{name}.bin"
    hint_path = f"{option} path/to/{fname}"
    if not sha:
        raise ToolchainError(f"{option} {name}: no pinned sha256 for this {kind}; "
                             "llama98 does not download unchecked files",
                             hint=f"download {url} yourself and pass {hint_path}")
    dest = resolve_cache_dir(cache_dir) / "models" / f"{sha[:12]}-{fname}"
    try:
        return fetch_verified(url, dest, sha, what=f"{kind} {name}")
    except DownloadError as err:
        raise ToolchainError(f"{option} {name}: download failed: {err.reason} ({url})",
                             hint=f"pass a file path instead: {hint_path} "
                                  f"(sha256 {sha})") from None


def _looks_like_path(spec: str) -> bool:
    seps = {"/", os.sep, os.altsep or "/"}
    return (any(sep in spec for sep in seps) or spec.startswith(("~", "."))
            or "." in spec)


def _resolve(kind: str, spec: str | os.PathLike, option: str, cache_dir) -> Path:
    text = os.fspath(spec)
    if not text:
        raise ToolchainError(f"{option}: empty {kind} name or path")
    path = Path(text).expanduser()
    if path.is_file():
        return path.resolve()
    if path.exists():
        raise ToolchainError(f"{option} {text}: not a regular file")
    table = _catalog()[kind]
    if text in table:
        return _download(kind, text, table[text], option, cache_dir)
    if _looks_like_path(text):
        raise ToolchainError(f"{option} {text}: no such file")
    known = ", ".join(sorted(table)) or "none"
    raise ToolchainError(f"{option} {text}: no such file, and not a known {kind} name "
                         f"(known: {known})",
                         hint=f"pass a file path ({option} path/to/file.bin) or a known name")


def resolve_model(spec: str | os.PathLike, cache_dir: str | os.PathLike | None = None) -> Path:
    """``--model``: an existing file, or a known model name (downloaded, hash-checked)."""
    return _resolve("model", spec, "--model", cache_dir)


def resolve_tokenizer(spec: str | os.PathLike | None, model_spec: str | os.PathLike | None,
                      cache_dir: str | os.PathLike | None = None) -> Path | None:
    """``--tokenizer``: a file or known name; if omitted, the known model's own vocabulary.

    Returns ``None`` when nothing is given and the model is a file (or unknown): the
    caller then uses its default (llama2.c's ``tokenizer.bin``).
    """
    if spec is not None and os.fspath(spec) != "":
        return _resolve("tokenizer", spec, "--tokenizer", cache_dir)
    if model_spec is None:
        return None
    entry = _catalog()["model"].get(os.fspath(model_spec))
    if entry is None or Path(os.fspath(model_spec)).expanduser().is_file():
        return None
    name = entry.get("tokenizer", "")
    if not name:
        return None
    return _resolve("tokenizer", name, "--tokenizer", cache_dir)


# ---------------------------------------------------------------------------- checks

def _read_head(path: Path, count: int, what: str) -> tuple[bytes, int]:
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            return handle.read(count), size
    except OSError as err:
        raise ToolchainError(f"{path}: cannot read {what}: {err.strerror or err}") from None


def expected_checkpoint_size(dim: int, hidden_dim: int, n_layers: int, n_heads: int,
                             n_kv_heads: int, vocab_size: int, seq_len: int) -> int:
    """Bytes of a llama2.c version-0 checkpoint with this header (negative vocab: own wcls)."""
    vocab = abs(vocab_size)
    hs = dim // n_heads
    layers = n_layers
    floats = (
        vocab * dim                       # token_embedding_table
        + layers * dim                    # rms_att_weight
        + layers * dim * (n_heads * hs)   # wq
        + layers * dim * (n_kv_heads * hs)  # wk
        + layers * dim * (n_kv_heads * hs)  # wv
        + layers * (n_heads * hs) * dim   # wo
        + layers * dim                    # rms_ffn_weight
        + layers * dim * hidden_dim       # w1
        + layers * hidden_dim * dim       # w2
        + layers * dim * hidden_dim       # w3
        + dim                             # rms_final_weight
        + seq_len * hs // 2               # freq_cis_real
        + seq_len * hs // 2               # freq_cis_imag
        + (vocab * dim if vocab_size < 0 else 0)  # wcls
    )
    return HEADER_BYTES + 4 * floats


def check_header(path: Path, values: tuple[int, ...]) -> None:
    """The seven header fields (both checkpoint formats): raise naming the field at fault."""
    fields = dict(zip(HEADER_FIELDS, values))

    def bad(field: str, why: str) -> ToolchainError:
        return ToolchainError(f"{path}: not a usable llama2.c checkpoint: header field "
                              f"{field} = {fields[field]} {why}")

    for field in HEADER_FIELDS:
        value = abs(fields[field]) if field == "vocab_size" else fields[field]
        if value <= 0:
            raise bad(field, "must be positive" if field != "vocab_size" else "must not be 0")
        if value > LIMITS[field]:
            raise bad(field, f"exceeds the sane limit {LIMITS[field]}")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = values
    if dim % heads:
        raise bad("n_heads", f"does not divide dim = {dim}")
    if kv_heads > heads:
        raise bad("n_kv_heads", f"exceeds n_heads = {heads}")
    if heads % kv_heads:
        raise bad("n_kv_heads", f"does not divide n_heads = {heads}")
    head_size = dim // heads
    if head_size % 2:
        raise bad("n_heads", f"gives an odd head size {head_size} (dim / n_heads must be even "
                             "for the rotary embedding)")


def check_checkpoint(path: str | os.PathLike) -> CheckpointInfo:
    """Validate a llama2.c checkpoint's header and size; raise ToolchainError naming the fault."""
    path = Path(path)
    head, size = _read_head(path, HEADER_BYTES, "the checkpoint")
    if len(head) < HEADER_BYTES:
        raise ToolchainError(f"{path}: truncated checkpoint: the header needs {HEADER_BYTES} bytes, "
                             f"the file has {size}")
    values = struct.unpack("<7i", head)
    if values[0] == EXPORT_MAGIC:
        raise ToolchainError(f"{path}: this is a llama2.c export.py 'version {values[1]}' file "
                             "(magic \"ak42\"); run.c reads only the legacy version-0 format",
                             hint="re-export it with `python export.py --version 0 ...`")
    check_header(path, values)
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = values
    head_size = dim // heads
    expected = expected_checkpoint_size(*values)
    if size < expected:
        raise ToolchainError(f"{path}: truncated checkpoint: expected {expected} bytes for this "
                             f"header, the file has {size} ({expected - size} missing)",
                             hint="download it again")
    if size > expected:
        raise ToolchainError(f"{path}: checkpoint size does not match its header: expected "
                             f"{expected} bytes, the file has {size} ({size - expected} extra)",
                             hint="is this a llama2.c (run.c) checkpoint?")
    return CheckpointInfo(path=path, dim=dim, hidden_dim=hidden, n_layers=layers, n_heads=heads,
                          n_kv_heads=kv_heads, vocab_size=abs(vocab), seq_len=seq_len,
                          shared_classifier=vocab > 0, head_size=head_size,
                          expected_size=expected, file_size=size)


def _walk_tokens(data: bytes, offset: int, count: int | None,
                 max_len: int) -> tuple[int, int, str]:
    """Walk up to ``count`` tokens (all to EOF if None) from ``offset``.

    Returns (tokens read, offset after them, problem) with problem "" (fine),
    "truncated" or "length" (a token's length is negative or above max_len).
    """
    index = 0
    while count is None or index < count:
        if count is None and offset == len(data):
            break
        if offset + 8 > len(data):
            return index, offset, "truncated"
        length = struct.unpack_from("<i", data, offset + 4)[0]
        if length < 0 or length > max_len:
            return index, offset, "length"
        if offset + 8 + length > len(data):
            return index, offset, "truncated"
        offset += 8 + length
        index += 1
    return index, offset, ""


def check_tokenizer(path: str | os.PathLike, vocab_size: int) -> TokenizerInfo:
    """Walk a llama2.c tokenizer file for ``vocab_size`` tokens; raise on any inconsistency."""
    path = Path(path)
    vocab = abs(int(vocab_size))
    if vocab == 0:
        raise ToolchainError(f"{path}: vocab_size 0 asked for")
    data, size = _read_head(path, MAX_TOKENIZER_BYTES + 1, "the tokenizer")
    if size > MAX_TOKENIZER_BYTES:
        raise ToolchainError(f"{path}: {size} bytes is too large for a llama2.c tokenizer")
    if len(data) < 4:
        raise ToolchainError(f"{path}: truncated tokenizer: needs at least 4 bytes "
                             f"(max_token_length), the file has {len(data)}")
    max_len = struct.unpack_from("<i", data, 0)[0]
    if max_len <= 0 or max_len > MAX_TOKEN_LENGTH_LIMIT:
        raise ToolchainError(f"{path}: not a llama2.c tokenizer: max_token_length = {max_len}")
    count, offset, problem = _walk_tokens(data, 4, vocab, max_len)
    if problem == "length":
        length = struct.unpack_from("<i", data, offset + 4)[0]
        raise ToolchainError(f"{path}: bad tokenizer: token {count} has length {length} "
                             f"(max_token_length is {max_len}) at byte {offset + 4}")
    if problem == "truncated":
        if offset == len(data):
            where = f"the file has only {count} tokens"
        else:
            where = (f"the file ({size} bytes) ends inside token {count}, which starts at "
                     f"byte {offset}")
        raise ToolchainError(
            f"{path}: truncated tokenizer: {where}; the model's vocab_size is {vocab}",
            hint="wrong tokenizer for this model, or an incomplete download?")
    if offset < len(data):
        # If the rest of the file is more whole tokens, this is a bigger vocabulary.
        extra, _, rest_problem = _walk_tokens(data, offset, None, max_len)
        if extra and not rest_problem:
            raise ToolchainError(
                f"{path}: tokenizer has {vocab + extra} tokens but the model's vocab_size is "
                f"{vocab}", hint="wrong tokenizer for this model? (stories260K uses tok512.bin)")
    return TokenizerInfo(path=path, max_token_length=max_len, vocab_size=vocab,
                         used_bytes=offset, file_size=size)
