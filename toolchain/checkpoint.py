"""llama2.c checkpoint files as NumPy arrays: read both formats, write both, quantize.

Two formats:

``version 0`` (fp32, what run.c reads)
    seven int32 header fields, then float32 tensors; the layout is described (and the
    header validated) in :mod:`toolchain.models`. A negative ``vocab_size`` means the
    classifier ``wcls`` is stored after the tables and not shared with the embedding.
``version 2`` (Q8_0 int8, what llama2.c's runq.c reads, written by its export.py)
    a 256-byte header: uint32 magic 0x616b3432 ("ak42"), int32 version 2, the seven int32
    fields (vocab_size positive), one byte ``shared_classifier``, int32 ``group_size`` at
    byte 37, zeros. Then float32 ``rms_att`` (L*dim), ``rms_ffn`` (L*dim), ``rms_final``
    (dim), then the quantized matrices in this order: token embedding, wq, wk, wv, wo, w1,
    w2, w3 (one tensor per layer) and, when not shared, wcls. Each tensor is its int8
    values followed by one float32 scale per ``group_size`` consecutive values
    (value = q * scale). No RoPE tables.

runq.c's matmul walks each weight row in groups of ``group_size`` and ignores a tail that
does not fill a group, so a usable group size divides every row length: dim (wq, wk, wv,
wo, w1, w3, the classifier) and hidden_dim (w2). :func:`choose_group_size` picks the
largest power of two that does, up to export.py's default 64 (stories260K: dim 64,
hidden_dim 172 -> 4; stories15M: 288, 768 -> 32).

Matrices are kept as PyTorch lays them out, (rows = outputs, columns = inputs), with a
leading layer axis: wq (L, n_heads*hs, dim), wk/wv (L, n_kv_heads*hs, dim), wo (L, dim,
n_heads*hs), w1/w3 (L, hidden_dim, dim), w2 (L, dim, hidden_dim), embedding and wcls
(vocab, dim). Quantized ones are :class:`QTensor` with scales shaped (..., rows,
columns / group_size).
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Union

import numpy as np

from . import models
from .diag import ToolchainError

MAGIC = models.EXPORT_MAGIC
Q8_VERSION = 2
Q8_HEADER_BYTES = 256
Q8_HEADER = struct.Struct("<Ii7iBi")       # magic, version, fields, shared flag, group size
MAX_GROUP_SIZE = 64                         # llama2.c export.py's default group size
Q_MAX = 127.0
MAX_FILE_BYTES = 1 << 36                    # read into memory: refuse anything absurd


@dataclass(frozen=True)
class Config:
    dim: int
    hidden_dim: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    vocab_size: int          # positive; see Checkpoint.shared_classifier
    seq_len: int

    @property
    def head_size(self) -> int:
        return self.dim // self.n_heads

    @property
    def kv_dim(self) -> int:
        return self.n_kv_heads * self.head_size

    @property
    def kv_mul(self) -> int:
        return self.n_heads // self.n_kv_heads

    def fields(self, shared_classifier: bool = True) -> tuple[int, ...]:
        vocab = self.vocab_size if shared_classifier else -self.vocab_size
        return (self.dim, self.hidden_dim, self.n_layers, self.n_heads, self.n_kv_heads,
                vocab, self.seq_len)


@dataclass(frozen=True)
class QTensor:
    """Q8_0 values: ``q`` int8 (..., rows, cols), ``s`` float32 (..., rows, cols // group)."""

    q: np.ndarray
    s: np.ndarray

    @property
    def group_size(self) -> int:
        return self.q.shape[-1] // self.s.shape[-1]

    @property
    def shape(self) -> tuple[int, ...]:
        return self.q.shape

    def dequantize(self) -> np.ndarray:
        gs = self.group_size
        grouped = self.q.reshape(*self.s.shape, gs).astype(np.float32)
        return (grouped * self.s[..., None]).reshape(self.q.shape)


Tensor = Union[np.ndarray, QTensor]

# the matrices, in the order both formats store them (wcls last, only when not shared)
MATRICES = ("wq", "wk", "wv", "wo", "w1", "w2", "w3")


@dataclass(frozen=True)
class Checkpoint:
    config: Config
    shared_classifier: bool
    tok_embeddings: Tensor     # (vocab, dim)
    rms_att: np.ndarray        # (L, dim)
    wq: Tensor
    wk: Tensor
    wv: Tensor
    wo: Tensor
    rms_ffn: np.ndarray        # (L, dim)
    w1: Tensor
    w2: Tensor
    w3: Tensor
    rms_final: np.ndarray      # (dim,)
    wcls: Tensor               # (vocab, dim); tok_embeddings itself when shared
    group_size: int = 0        # 0: fp32 "version 0"; else Q8_0 "version 2"
    freq_cis: tuple[np.ndarray, np.ndarray] | None = None  # version 0's RoPE tables, as read

    @property
    def version(self) -> int:
        return Q8_VERSION if self.group_size else 0

    @property
    def quantized(self) -> bool:
        return bool(self.group_size)


# ---------------------------------------------------------------------------- shapes

def _shapes(c: Config) -> dict[str, tuple[int, ...]]:
    hs, L = c.head_size, c.n_layers
    return {
        "tok_embeddings": (c.vocab_size, c.dim),
        "wq": (L, c.n_heads * hs, c.dim),
        "wk": (L, c.kv_dim, c.dim),
        "wv": (L, c.kv_dim, c.dim),
        "wo": (L, c.dim, c.n_heads * hs),
        "w1": (L, c.hidden_dim, c.dim),
        "w2": (L, c.dim, c.hidden_dim),
        "w3": (L, c.hidden_dim, c.dim),
        "wcls": (c.vocab_size, c.dim),
    }


def q8_file_size(config: Config, shared_classifier: bool, group_size: int) -> int:
    """Bytes of a version-2 file with this header."""
    shapes = _shapes(config)
    names = ["tok_embeddings", *MATRICES] + ([] if shared_classifier else ["wcls"])
    values = sum(math.prod(shapes[n]) for n in names)
    norms = 2 * config.n_layers * config.dim + config.dim
    return Q8_HEADER_BYTES + 4 * norms + values + 4 * (values // group_size)


def rope_tables(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """freq_cis_real/imag as llama2.c's model.py computes them (theta 10000)."""
    hs = config.head_size
    freqs = 1.0 / (10000.0 ** (np.arange(0, hs, 2, dtype=np.float64)[: hs // 2] / hs))
    angles = np.outer(np.arange(config.seq_len, dtype=np.float64), freqs).astype(np.float32)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


# ---------------------------------------------------------------------------- group size

def group_size_problem(config: Config, group_size: int) -> str:
    """Why ``group_size`` cannot quantize this model ('' when it can)."""
    if group_size <= 0:
        return f"group size {group_size} must be positive"
    for field in ("dim", "hidden_dim"):
        length = getattr(config, field)
        if length % group_size:
            return (f"group size {group_size} does not divide {field} = {length} (runq.c "
                    f"would skip the last {length % group_size} values of every such row)")
    return ""


def choose_group_size(config: Config, largest: int = MAX_GROUP_SIZE) -> int:
    """The largest power of two up to ``largest`` that divides dim and hidden_dim.

    Powers of two, as export.py's halving from 64 gives (stories15M: 32, as upstream's
    own files have), but checked against hidden_dim too, which export.py forgets.
    """
    common = math.gcd(config.dim, config.hidden_dim)
    group = 1
    while group * 2 <= largest and common % (group * 2) == 0:
        group *= 2
    return group


# ---------------------------------------------------------------------------- quantize

def quantize_q80(w: np.ndarray, group_size: int) -> QTensor:
    """Q8_0 as llama2.c's export.py does it: per group scale = max|w| / 127, q = round(w/scale).

    Rounding is to nearest, ties to even (torch.round). A group of zeros gets scale 0 and
    q = 0 (export.py divides 0 by 0 there).
    """
    w = np.asarray(w, dtype=np.float32)
    if w.shape[-1] % group_size:
        raise ToolchainError(f"cannot quantize a {w.shape} tensor in groups of {group_size}")
    groups = w.reshape(-1, group_size)
    scale = (np.abs(groups).max(axis=1) / np.float32(Q_MAX)).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        quant = groups / scale[:, None]
    quant = np.where(scale[:, None] > 0, quant, np.float32(0))
    q = np.clip(np.round(quant), -Q_MAX, Q_MAX).astype(np.int8)
    return QTensor(q=q.reshape(w.shape),
                   s=scale.reshape(*w.shape[:-1], w.shape[-1] // group_size))


def quantize(ckpt: Checkpoint, group_size: int | None = None) -> Checkpoint:
    """The version-2 (Q8_0) form of an fp32 checkpoint; norms stay fp32."""
    if ckpt.quantized:
        raise ToolchainError(f"the checkpoint is already quantized (group size {ckpt.group_size})")
    if group_size is None:
        group_size = choose_group_size(ckpt.config)
    problem = group_size_problem(ckpt.config, group_size)
    if problem:
        raise ToolchainError(f"cannot quantize: {problem}",
                             hint=f"use a group size that divides both, e.g. "
                                  f"{choose_group_size(ckpt.config)}")
    tensors = {name: quantize_q80(getattr(ckpt, name), group_size)
               for name in ("tok_embeddings", *MATRICES)}
    wcls = (tensors["tok_embeddings"] if ckpt.shared_classifier
            else quantize_q80(ckpt.wcls, group_size))
    return replace(ckpt, **tensors, wcls=wcls, group_size=group_size, freq_cis=None)


def dequantize(ckpt: Checkpoint) -> Checkpoint:
    """fp32 values of a version-2 checkpoint (what runq.c multiplies with)."""
    if not ckpt.quantized:
        return ckpt
    tensors = {name: getattr(ckpt, name).dequantize() for name in ("tok_embeddings", *MATRICES)}
    wcls = tensors["tok_embeddings"] if ckpt.shared_classifier else ckpt.wcls.dequantize()
    return replace(ckpt, **tensors, wcls=wcls, group_size=0)


def expand_kv_heads(ckpt: Checkpoint) -> Checkpoint:
    """The same model with every key/value head repeated for the query heads that share it.

    Grouped-query attention becomes plain multi-head attention (n_kv_heads = n_heads): the
    outputs do not change, and llama2.c versions without GQA can run it.
    """
    c = ckpt.config
    if c.n_kv_heads == c.n_heads:
        return ckpt

    def repeat(t: Tensor) -> Tensor:
        if isinstance(t, QTensor):
            return QTensor(q=repeat(t.q), s=repeat(t.s))
        per_head = t.reshape(c.n_layers, c.n_kv_heads, c.head_size, t.shape[-1])
        return np.repeat(per_head, c.kv_mul, axis=1).reshape(c.n_layers, c.dim, t.shape[-1])

    return replace(ckpt, config=replace(c, n_kv_heads=c.n_heads),
                   wk=repeat(ckpt.wk), wv=repeat(ckpt.wv))


# ---------------------------------------------------------------------------- read

def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ToolchainError(f"{path}: not a regular file")
        if size > MAX_FILE_BYTES:
            raise ToolchainError(f"{path}: {size} bytes is too large to read")
        return path.read_bytes()
    except OSError as err:
        raise ToolchainError(f"{path}: cannot read the checkpoint: {err.strerror or err}") from None


class _Reader:
    def __init__(self, data: bytes, offset: int) -> None:
        self.data = data
        self.offset = offset

    def floats(self, shape: tuple[int, ...]) -> np.ndarray:
        count = math.prod(shape)
        out = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.offset)
        self.offset += 4 * count
        return out.reshape(shape)

    def qtensor(self, shape: tuple[int, ...], group_size: int) -> QTensor:
        # one tensor per layer (the leading axis when there are three), each q then s
        layers = shape[0] if len(shape) == 3 else 1
        one = shape[1:] if len(shape) == 3 else shape
        count = math.prod(one)
        qs, ss = [], []
        for _ in range(layers):
            qs.append(np.frombuffer(self.data, dtype=np.int8, count=count, offset=self.offset))
            self.offset += count
            ss.append(np.frombuffer(self.data, dtype="<f4", count=count // group_size,
                                    offset=self.offset).astype(np.float32))
            self.offset += 4 * (count // group_size)
        scales = (*one[:-1], one[-1] // group_size)
        q = np.stack(qs).reshape(shape)
        s = np.stack(ss).reshape((*shape[:-1], scales[-1]))
        return QTensor(q=q, s=s)


def read_fp32(path: str | os.PathLike) -> Checkpoint:
    """A version-0 (fp32) checkpoint, validated by :func:`models.check_checkpoint`."""
    path = Path(path)
    info = models.check_checkpoint(path)
    data = _read_bytes(path)
    if len(data) != info.expected_size:
        raise ToolchainError(f"{path}: the file changed while it was read")
    config = Config(info.dim, info.hidden_dim, info.n_layers, info.n_heads, info.n_kv_heads,
                    info.vocab_size, info.seq_len)
    shapes = _shapes(config)
    L, dim, hs = config.n_layers, config.dim, config.head_size
    r = _Reader(data, models.HEADER_BYTES)
    t: dict = {"tok_embeddings": r.floats(shapes["tok_embeddings"]),
               "rms_att": r.floats((L, dim))}
    for name in ("wq", "wk", "wv", "wo"):
        t[name] = r.floats(shapes[name])
    t["rms_ffn"] = r.floats((L, dim))
    for name in ("w1", "w2", "w3"):
        t[name] = r.floats(shapes[name])
    t["rms_final"] = r.floats((dim,))
    freq_cis = (r.floats((config.seq_len, hs // 2)), r.floats((config.seq_len, hs // 2)))
    wcls = t["tok_embeddings"] if info.shared_classifier else r.floats(shapes["wcls"])
    return Checkpoint(config=config, shared_classifier=info.shared_classifier, wcls=wcls,
                      freq_cis=freq_cis, **t)


def read_q8(path: str | os.PathLike) -> Checkpoint:
    """A version-2 (Q8_0) checkpoint as runq.c reads it, with its header validated."""
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < Q8_HEADER_BYTES:
        raise ToolchainError(f"{path}: truncated checkpoint: a version-2 header needs "
                             f"{Q8_HEADER_BYTES} bytes, the file has {len(data)}")
    magic, version, *fields, shared, group_size = Q8_HEADER.unpack_from(data)
    if magic != MAGIC:
        raise ToolchainError(f"{path}: not a llama2.c version-2 checkpoint (no \"ak42\" magic)")
    if version != Q8_VERSION:
        raise ToolchainError(f"{path}: llama2.c export version {version}; only version "
                             f"{Q8_VERSION} (int8 Q8_0) and the legacy fp32 format are read")
    models.check_header(path, tuple(fields))
    if fields[5] < 0:
        raise ToolchainError(f"{path}: not a usable llama2.c checkpoint: header field "
                             f"vocab_size = {fields[5]} must be positive in version 2")
    if shared not in (0, 1):
        raise ToolchainError(f"{path}: not a usable llama2.c checkpoint: shared_classifier "
                             f"flag = {shared} (must be 0 or 1)")
    config = Config(*fields)
    problem = group_size_problem(config, group_size)
    if problem:
        raise ToolchainError(f"{path}: not a usable version-2 checkpoint: {problem}")
    expected = q8_file_size(config, bool(shared), group_size)
    if len(data) != expected:
        how = "truncated checkpoint" if len(data) < expected else "checkpoint size does not match"
        raise ToolchainError(f"{path}: {how}: expected {expected} bytes for this header, the "
                             f"file has {len(data)}")
    shapes = _shapes(config)
    L, dim = config.n_layers, config.dim
    r = _Reader(data, Q8_HEADER_BYTES)
    t: dict = {"rms_att": r.floats((L, dim)), "rms_ffn": r.floats((L, dim)),
               "rms_final": r.floats((dim,))}
    for name in ("tok_embeddings", *MATRICES):
        t[name] = r.qtensor(shapes[name], group_size)
    wcls = t["tok_embeddings"] if shared else r.qtensor(shapes["wcls"], group_size)
    return Checkpoint(config=config, shared_classifier=bool(shared), wcls=wcls,
                      group_size=group_size, **t)


def file_version(path: str | os.PathLike) -> int:
    """0 for a legacy fp32 file, else the export version after the "ak42" magic."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as err:
        raise ToolchainError(f"{path}: cannot read the checkpoint: {err.strerror or err}") from None
    if len(head) == 8 and struct.unpack("<I", head[:4])[0] == MAGIC:
        return struct.unpack("<i", head[4:])[0]
    return 0


def read_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Either format, told apart by the magic."""
    return read_q8(path) if file_version(path) else read_fp32(path)


# ---------------------------------------------------------------------------- write

def _f32(a) -> bytes:
    return np.ascontiguousarray(a, dtype="<f4").tobytes()


def _q8_tensor_bytes(t: QTensor) -> bytes:
    if t.q.ndim == 3:
        return b"".join(_q8_tensor_bytes(QTensor(q=t.q[i], s=t.s[i])) for i in range(t.q.shape[0]))
    return np.ascontiguousarray(t.q, dtype=np.int8).tobytes() + _f32(t.s)


def to_bytes(ckpt: Checkpoint) -> bytes:
    """The file contents for ``ckpt`` in its own format."""
    c = ckpt.config
    if ckpt.quantized:
        head = Q8_HEADER.pack(MAGIC, Q8_VERSION, *c.fields(), int(ckpt.shared_classifier),
                              ckpt.group_size)
        parts = [head.ljust(Q8_HEADER_BYTES, b"\0"), _f32(ckpt.rms_att), _f32(ckpt.rms_ffn),
                 _f32(ckpt.rms_final)]
        parts += [_q8_tensor_bytes(getattr(ckpt, n)) for n in ("tok_embeddings", *MATRICES)]
        if not ckpt.shared_classifier:
            parts.append(_q8_tensor_bytes(ckpt.wcls))
        return b"".join(parts)
    real, imag = ckpt.freq_cis if ckpt.freq_cis is not None else rope_tables(c)
    parts = [struct.pack("<7i", *c.fields(ckpt.shared_classifier)),
             _f32(ckpt.tok_embeddings), _f32(ckpt.rms_att)]
    parts += [_f32(getattr(ckpt, n)) for n in ("wq", "wk", "wv", "wo")]
    parts.append(_f32(ckpt.rms_ffn))
    parts += [_f32(getattr(ckpt, n)) for n in ("w1", "w2", "w3")]
    parts += [_f32(ckpt.rms_final), _f32(real), _f32(imag)]
    if not ckpt.shared_classifier:
        parts.append(_f32(ckpt.wcls))
    return b"".join(parts)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_checkpoint(ckpt: Checkpoint, path: str | os.PathLike) -> Path:
    """Write ``ckpt`` (complete or not at all: a temporary file renamed into place)."""
    path = Path(path)
    data = to_bytes(ckpt)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o666 & ~_umask())          # mkstemp made it 0600
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise ToolchainError(f"{path}: cannot write the checkpoint: "
                             f"{err.strerror or err}") from None
    return path


def quantize_file(src: str | os.PathLike, dest: str | os.PathLike,
                  group_size: int | None = None) -> Checkpoint:
    """Read an fp32 checkpoint and write its version-2 (Q8_0) form; returns what was written."""
    q = quantize(read_fp32(src), group_size)
    write_checkpoint(q, dest)
    return q


def random_checkpoint(config: Config, shared_classifier: bool = True, seed: int = 0,
                      scale: float = 0.1) -> Checkpoint:
    """An fp32 checkpoint of these shapes with random weights (tests, speed measurements)."""
    rng = np.random.default_rng(seed)
    shapes = _shapes(config)

    def normal(shape):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    L, dim = config.n_layers, config.dim
    t = {name: normal(shapes[name]) for name in ("tok_embeddings", *MATRICES)}
    norms = {name: (1.0 + normal(shape)).astype(np.float32)
             for name, shape in (("rms_att", (L, dim)), ("rms_ffn", (L, dim)),
                                 ("rms_final", (dim,)))}
    wcls = t["tok_embeddings"] if shared_classifier else normal(shapes["wcls"])
    return Checkpoint(config=config, shared_classifier=shared_classifier, wcls=wcls,
                      freq_cis=rope_tables(config), **t, **norms)
