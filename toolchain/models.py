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

llama2.c int8 checkpoint (export.py "version 2", what runq.c reads): a 256-byte header
(uint32 magic "ak42", int32 version 2, the seven fields with a positive vocab_size, a byte
shared_classifier, int32 group_size), float32 rms_att (L*dim), rms_ffn (L*dim) and
rms_final (dim), then Q8_0 tensors, each its int8 values followed by one float32 scale
per group_size values: token_embedding, then L x wq, L x wk, L x wv, L x wo, L x w1,
L x w2, L x w3, then wcls unless shared_classifier.

Tokenizer: int32 ``max_token_length``, then per token float32 score, int32 length, bytes.

The rules (the same in engine_c89/l98load.c, which checks the files again when the
EXE opens them): each field within LIMITS; n_heads divides dim into an even head size;
n_kv_heads divides n_heads; vocab_size >= 3; int8: group_size divides dim and
hidden_dim, every int8 tensor has a multiple of 4 values (the float scales after it stay
aligned), shared_classifier is 0 or 1; the file has exactly the bytes the header
describes; and the file plus what the program allocates for it (key and value caches of
n_layers x seq_len x dim floats, attention scores, int8: the dequantized token table)
fit in MEMORY_LIMIT, the bytes a 32-bit program can address, so no size the program
computes in 32-bit int can overflow. A tokenizer needs 1 <= max_token_length <= 65536,
token lengths from 1 to max_token_length (llama2.c's fread of 0 bytes fails), vocab_size
tokens (more whole tokens: the wrong vocabulary).
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
INT8_HEADER_BYTES = 256
# the most bytes a model (and, with it, its run-time buffers) may take: what a 32-bit
# Windows program can address, and the range of the ftell() llama2.c sizes files with
MEMORY_LIMIT = (1 << 31) - 1
# llama2.c's token ids 0, 1 and 2 are <unk>, <s> and </s>: the programs use 1 and 2
MIN_VOCAB = 3

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
# only the legacy header-less-magic format ("version 0"), runq.c only version 2.
EXPORT_MAGIC = 0x616B3432
INT8_VERSION = 2

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
    version: int = 0         # export version: 0 (fp32, run.c) or 2 (int8, runq.c)
    group_size: int = 0      # int8 only: values per float scale
    runtime_bytes: int = 0   # the file plus the buffers the program allocates for it

    @property
    def uses_gqa(self) -> bool:
        """Grouped-query attention (fewer kv heads than heads): the July 2023 run.c can't run it."""
        return self.n_kv_heads != self.n_heads

    @property
    def n_params(self) -> int:
        """Parameters of the model (the fp32 format's old RoPE tables are not parameters)."""
        return _param_count(self.dim, self.hidden_dim, self.n_layers, self.n_heads,
                            self.n_kv_heads, self.vocab_size, self.shared_classifier)


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


def _tensor_sizes(dim: int, hidden_dim: int, n_layers: int, n_heads: int, n_kv_heads: int,
                  vocab: int) -> dict[str, int]:
    """Values per matrix (one layer for the layered ones)."""
    kv_dim = dim // n_heads * n_kv_heads
    return {"embedding": vocab * dim, "wq": dim * dim, "wk": dim * kv_dim, "wv": dim * kv_dim,
            "wo": dim * dim, "w1": dim * hidden_dim, "w2": hidden_dim * dim,
            "w3": dim * hidden_dim}


def _param_count(dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab, shared) -> int:
    t = _tensor_sizes(dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab)
    layered = sum(v for k, v in t.items() if k != "embedding")
    return (t["embedding"] * (1 if shared else 2) + n_layers * (layered + 2 * dim) + dim)


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


def expected_int8_size(dim: int, hidden_dim: int, n_layers: int, n_heads: int, n_kv_heads: int,
                       vocab_size: int, seq_len: int, shared_classifier: bool,
                       group_size: int) -> int:
    """Bytes of a llama2.c export version 2 (int8, Q8_0) checkpoint with this header."""
    def q8(n: int) -> int:
        return n + 4 * (n // group_size)
    t = _tensor_sizes(dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size)
    size = INT8_HEADER_BYTES + 4 * (2 * n_layers * dim + dim) + q8(t["embedding"])
    size += n_layers * sum(q8(t[k]) for k in ("wq", "wk", "wv", "wo", "w1", "w2", "w3"))
    if not shared_classifier:
        size += q8(t["embedding"])
    return size


def runtime_bytes(file_size: int, dim: int, n_layers: int, n_heads: int, vocab_size: int,
                  seq_len: int, version: int = 0) -> int:
    """The file plus what llama2.c allocates for it: key and value caches (n_layers x seq_len
    x dim floats each: versions without grouped-query attention size them by dim),
    attention scores (n_heads x seq_len), int8: the dequantized token table."""
    total = file_size + 8 * n_layers * seq_len * dim + 4 * n_heads * seq_len
    if version == INT8_VERSION:
        total += 4 * abs(vocab_size) * dim
    return total


def _bad(path: Path, field: str, value, why: str) -> ToolchainError:
    return ToolchainError(f"{path}: not a usable llama2.c checkpoint: header field "
                          f"{field} = {value} {why}")


def check_header(path: Path, values: tuple[int, ...], version: int = 0) -> None:
    """The seven header fields (both checkpoint formats): raise naming the field at fault.

    A negative vocab_size (a separate classifier) is the fp32 format's (version 0).
    """
    fields = dict(zip(HEADER_FIELDS, values))
    for field in HEADER_FIELDS:
        value = abs(fields[field]) if field == "vocab_size" and not version else fields[field]
        if value <= 0:
            raise _bad(path, field, fields[field],
                       "must not be 0" if field == "vocab_size" and not version
                       else "must be positive")
        if value > LIMITS[field]:
            raise _bad(path, field, fields[field], f"exceeds the sane limit {LIMITS[field]}")
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = values
    if dim % heads:
        raise _bad(path, "n_heads", heads, f"does not divide dim = {dim}")
    if kv_heads > heads:
        raise _bad(path, "n_kv_heads", kv_heads, f"exceeds n_heads = {heads}")
    if heads % kv_heads:
        raise _bad(path, "n_kv_heads", kv_heads, f"does not divide n_heads = {heads}")
    head_size = dim // heads
    if head_size % 2:
        raise _bad(path, "n_heads", heads, f"gives an odd head size {head_size} (dim / n_heads "
                                           "must be even for the rotary embedding)")
    if abs(vocab) < MIN_VOCAB:
        raise _bad(path, "vocab_size", vocab, f"is below {MIN_VOCAB} (llama2.c's token ids 0, 1 "
                                              "and 2 are <unk>, <s> and </s>)")


def check_checkpoint(path: str | os.PathLike, versions: tuple[int, ...] = (0,)) -> CheckpointInfo:
    """Validate a llama2.c checkpoint: header, sizes, memory.

    ``versions``: the export versions the program reads: 0 (fp32, run.c), 2 (int8, runq.c).
    Raises ToolchainError naming the field or the byte counts at fault.
    """
    path = Path(path)
    head, size = _read_head(path, INT8_HEADER_BYTES, "the checkpoint")
    version = 0
    if len(head) >= 8 and struct.unpack_from("<I", head)[0] == EXPORT_MAGIC:
        version = struct.unpack_from("<i", head, 4)[0]
    if version not in versions:
        readers = {0: "run.c reads the legacy version-0 (fp32) format",
                   INT8_VERSION: "runq.c reads version 2 (int8)"}
        wanted = " and ".join(f"version {v}" for v in versions)
        raise ToolchainError(f"{path}: this is a llama2.c export.py 'version {version}' file"
                             + (" (magic \"ak42\")" if version else "")
                             + f"; this build needs {wanted} ("
                             + "; ".join(readers[v] for v in sorted(readers)) + ")",
                             hint=f"re-export it with `python export.py --version {versions[0]} ...`")
    header_bytes = INT8_HEADER_BYTES if version else HEADER_BYTES
    if len(head) < header_bytes:
        raise ToolchainError(f"{path}: truncated checkpoint: the header needs {header_bytes} "
                             f"bytes, the file has {size}")
    values = struct.unpack_from("<7i", head, 8 if version else 0)
    check_header(path, values, version)
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = values
    head_size = dim // heads
    if version:
        shared_flag, group_size = struct.unpack_from("<Bi", head, 36)
        if shared_flag > 1:
            raise _bad(path, "shared_classifier", shared_flag, "must be 0 or 1")
        shared = shared_flag == 1
        if group_size <= 0 or dim % group_size or hidden % group_size:
            raise _bad(path, "group_size", group_size,
                       f"must divide dim = {dim} and hidden_dim = {hidden} (runq.c quantizes "
                       "rows of those lengths in groups)")
        for name, count in _tensor_sizes(dim, hidden, layers, heads, kv_heads, vocab).items():
            if count % 4:
                raise _bad(path, "dim", dim, f"gives the int8 tensor {name} {count} values, not "
                                             "a multiple of 4 (the float scales after it would "
                                             "be misaligned)")
        expected = expected_int8_size(*values, shared, group_size)
    else:
        shared, group_size = vocab > 0, 0
        expected = expected_checkpoint_size(*values)
    if expected > MEMORY_LIMIT:
        raise ToolchainError(f"{path}: the header describes a model of {expected:,} bytes, more "
                             f"than the {MEMORY_LIMIT:,} a 32-bit program can load")
    if size < expected:
        raise ToolchainError(f"{path}: truncated checkpoint: expected {expected} bytes for this "
                             f"header, the file has {size} ({expected - size} missing)",
                             hint="download it again")
    if size > expected:
        raise ToolchainError(f"{path}: checkpoint size does not match its header: expected "
                             f"{expected} bytes, the file has {size} ({size - expected} extra)",
                             hint="is this a llama2.c (run.c) checkpoint?")
    need = runtime_bytes(size, dim, layers, heads, vocab, seq_len, version)
    if need > MEMORY_LIMIT:
        raise ToolchainError(
            f"{path}: running this model needs {need:,} bytes (the file and key/value caches of "
            f"n_layers x seq_len x dim = {layers} x {seq_len} x {dim} floats), more than the "
            f"{MEMORY_LIMIT:,} a 32-bit program can address", hint="a smaller seq_len?")
    return CheckpointInfo(path=path, dim=dim, hidden_dim=hidden, n_layers=layers, n_heads=heads,
                          n_kv_heads=kv_heads, vocab_size=abs(vocab), seq_len=seq_len,
                          shared_classifier=shared, head_size=head_size,
                          expected_size=expected, file_size=size, version=version,
                          group_size=group_size, runtime_bytes=need)


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
        if length < 1 or length > max_len:     # llama2.c's fread of 0 bytes fails
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
                             f"(allowed: 1 to max_token_length = {max_len}) at byte {offset + 4}")
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
    if vocab < MIN_VOCAB:
        raise ToolchainError(f"{path}: not a llama2.c tokenizer: {vocab} tokens, fewer than "
                             f"{MIN_VOCAB} (<unk>, <s> and </s>)")
    return TokenizerInfo(path=path, max_token_length=max_len, vocab_size=vocab,
                         used_bytes=offset, file_size=size)
