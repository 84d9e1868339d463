"""An independent reference for what a llama2.c program computes: a NumPy forward pass.

The llama2.c architecture, written here from its description rather than from any of its
C versions: token embedding, per layer RMSNorm (eps 1e-5) -> q, k, v projections ->
rotary position embedding (theta 10000, on pairs of a head's dimensions) -> causal
attention where query head h reads key/value head h // (n_heads / n_kv_heads) (multi-head
and grouped-query attention alike) -> output projection and residual; RMSNorm -> SwiGLU
feed-forward w2(silu(w1 x) * w3 x) and residual; final RMSNorm and the classifier (the
embedding itself when shared).

fp32 checkpoints run in float32 with NumPy's matrix products (their summation order is
not the C loop's, so results differ from run.c in the last bits). For version-2 (Q8_0)
checkpoints the reference does what runq.c does where rounding makes it matter: before
each matrix product the activation is quantized per group (scale = max|x| / 127, values
rounded half away from zero as C's round()), the group dot products are exact integers,
and each row is the float32 sum, group after group, of int_dot * weight_scale * x_scale.
Everything else (norms, attention, RoPE) is ordinary float32.

:func:`generate` runs greedy decoding (argmax, the first of equal maxima, as llama2.c
does) and returns the tokens and every position's logits; :func:`score` gives the logits
for a given token sequence.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import checkpoint as ck
from .diag import ToolchainError

F32 = np.float32
BOS = 1
RMS_EPS = F32(1e-5)
ROPE_THETA = F32(10000.0)


def _sum(a: np.ndarray, axis: int = -1) -> np.ndarray:
    """float32 sum in index order, as a C loop adds (NumPy's own sum is pairwise)."""
    return np.take(np.add.accumulate(a, axis=axis, dtype=F32), -1, axis=axis)


def _f32(fn, x: np.ndarray) -> np.ndarray:
    """A math function of float32 values, computed in double and rounded once: what C's
    float functions return (glibc's expf, sinf, cosf, powf are correctly rounded in all but
    rare cases; a C89 port's (float)exp(x) is the same computation)."""
    return fn(np.asarray(x, dtype=np.float64)).astype(F32)


def _rmsnorm(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    ss = _sum(x * x) / F32(x.shape[0]) + RMS_EPS
    return weight * ((F32(1.0) / np.sqrt(ss, dtype=F32)) * x)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = _f32(np.exp, x - x.max(axis=-1, keepdims=True))
    return e / _sum(e)[..., None]


def _round_half_away(v: np.ndarray) -> np.ndarray:
    """C's round(): to nearest, halves away from zero (NumPy rounds halves to even)."""
    a = np.abs(v)
    whole = np.floor(a)
    return np.copysign(whole + (a - whole >= F32(0.5)), v)


class _Q8Matrix:
    """One Q8_0 weight matrix (rows, cols), prepared for runq.c's grouped product."""

    def __init__(self, t: ck.QTensor) -> None:
        rows, cols = t.q.shape
        self.gs = t.group_size
        self.groups = cols // self.gs
        # int8 products summed over a group are exact in float32 while below 2**24
        exact = np.float32 if self.gs * 127 * 127 < (1 << 24) else np.float64
        self.q = t.q.reshape(rows, self.groups, self.gs).astype(exact)
        self.s = np.ascontiguousarray(t.s, dtype=F32)

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        groups = x.reshape(self.groups, self.gs)
        scale = np.abs(groups).max(axis=1) / F32(127.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            xq = _round_half_away(groups / scale[:, None])
        xq = np.where(scale[:, None] > 0, xq, F32(0)).astype(self.q.dtype)
        ival = np.einsum("rgk,gk->rg", self.q, xq).astype(F32)
        terms = (ival * self.s) * scale
        return np.add.accumulate(terms, axis=1, dtype=F32)[:, -1]


def _layers(t: ck.Tensor) -> list:
    if isinstance(t, ck.QTensor):
        return [_Q8Matrix(ck.QTensor(q=t.q[i], s=t.s[i])) for i in range(t.q.shape[0])]
    return [np.ascontiguousarray(m, dtype=F32) for m in t]


class Transformer:
    """The forward pass with its key/value cache; ``forward(token, pos)`` -> logits."""

    def __init__(self, model: ck.Checkpoint) -> None:
        self.model = model
        c = self.config = model.config
        emb = model.tok_embeddings
        self.embedding = emb.dequantize() if isinstance(emb, ck.QTensor) else np.asarray(emb, F32)
        self.layers = [dict(zip(ck.MATRICES, mats))
                       for mats in zip(*(_layers(getattr(model, n)) for n in ck.MATRICES))]
        self.rms_att = np.asarray(model.rms_att, F32)
        self.rms_ffn = np.asarray(model.rms_ffn, F32)
        self.rms_final = np.asarray(model.rms_final, F32)
        wcls = model.wcls
        self.wcls = (_Q8Matrix(wcls) if isinstance(wcls, ck.QTensor)
                     else np.ascontiguousarray(wcls, dtype=F32))
        hs = c.head_size
        exponent = np.arange(0, hs, 2, dtype=F32) / F32(hs)
        self.freq = F32(1.0) / _f32(lambda e: np.power(np.float64(ROPE_THETA), e), exponent)
        self.key_cache = np.zeros((c.n_layers, c.seq_len, c.n_kv_heads, hs), F32)
        self.value_cache = np.zeros_like(self.key_cache)

    def _rope(self, v: np.ndarray, pos: int) -> np.ndarray:
        angle = F32(pos) * self.freq
        cos, sin = _f32(np.cos, angle), _f32(np.sin, angle)
        pairs = v.reshape(-1, self.config.head_size // 2, 2)
        v0, v1 = pairs[..., 0], pairs[..., 1]
        out = np.empty_like(pairs)
        out[..., 0] = v0 * cos - v1 * sin
        out[..., 1] = v0 * sin + v1 * cos
        return out.reshape(v.shape)

    def forward(self, token: int, pos: int) -> np.ndarray:
        c = self.config
        if not 0 <= token < c.vocab_size:
            raise ToolchainError(f"reference: token {token} outside the vocabulary "
                                 f"(0..{c.vocab_size - 1})")
        if not 0 <= pos < c.seq_len:
            raise ToolchainError(f"reference: position {pos} outside the context "
                                 f"(0..{c.seq_len - 1})")
        hs, kv_mul = c.head_size, c.kv_mul
        x = self.embedding[token].copy()
        for layer, w in enumerate(self.layers):
            xb = _rmsnorm(x, self.rms_att[layer])
            q = self._rope(w["wq"] @ xb, pos)
            self.key_cache[layer, pos] = self._rope(w["wk"] @ xb, pos).reshape(c.n_kv_heads, hs)
            self.value_cache[layer, pos] = (w["wv"] @ xb).reshape(c.n_kv_heads, hs)
            keys = self.key_cache[layer, : pos + 1]          # (t, kv, hs)
            values = self.value_cache[layer, : pos + 1]
            # query head h reads key/value head h // kv_mul: (kv, kv_mul, hs) against (t, kv, hs)
            qh = q.reshape(c.n_kv_heads, kv_mul, 1, hs)
            scores = _sum(qh * keys.transpose(1, 0, 2)[:, None]) / np.sqrt(F32(hs), dtype=F32)
            att = _softmax(scores)                                   # (kv, kv_mul, t)
            heads = _sum(att[..., None] * values.transpose(1, 0, 2)[:, None], axis=2)
            x = x + w["wo"] @ heads.reshape(c.dim)
            xb = _rmsnorm(x, self.rms_ffn[layer])
            h1 = w["w1"] @ xb
            h3 = w["w3"] @ xb
            hb = h1 * (F32(1.0) / (F32(1.0) + _f32(np.exp, -h1))) * h3
            x = x + w["w2"] @ hb
        x = _rmsnorm(x, self.rms_final)
        return np.asarray(self.wcls @ x, dtype=F32)


@dataclass(frozen=True)
class Generation:
    tokens: list[int]        # the input at each position: BOS, then each choice fed back
    choices: list[int]       # the token chosen at each position (argmax of its logits)
    logits: np.ndarray       # (positions, vocab) float32


def argmax(logits: np.ndarray) -> int:
    """llama2.c's greedy choice: the first index of the largest value."""
    return int(np.argmax(logits))


def score(model: ck.Checkpoint | Transformer, tokens: list[int]) -> np.ndarray:
    """Logits at each position when ``tokens`` are the inputs (teacher forcing)."""
    net = Transformer(model) if isinstance(model, ck.Checkpoint) else model
    return np.stack([net.forward(int(t), pos) for pos, t in enumerate(tokens)]) \
        if tokens else np.zeros((0, net.config.vocab_size), F32)


def generate(model: ck.Checkpoint | Transformer, steps: int, start: int = BOS,
             stop: int | None = None) -> Generation:
    """Greedy decoding for ``steps`` positions from ``start``; ``stop`` ends it early once
    chosen (run.c stops when it chooses BOS)."""
    net = Transformer(model) if isinstance(model, ck.Checkpoint) else model
    steps = min(steps, net.config.seq_len)
    tokens, choices, rows = [], [], []
    token = start
    for pos in range(steps):
        logits = net.forward(token, pos)
        tokens.append(token)
        rows.append(logits)
        token = argmax(logits)
        choices.append(token)
        if stop is not None and token == stop:
            break
    return Generation(tokens=tokens, choices=choices,
                      logits=np.stack(rows) if rows else np.zeros((0, net.config.vocab_size), F32))


def load(path: str | os.PathLike) -> Transformer:
    """A checkpoint file of either format, ready to run."""
    return Transformer(ck.read_checkpoint(path))


# ---------------------------------------------------------------------------- vocabulary

@dataclass(frozen=True)
class Vocabulary:
    pieces: list[bytes]

    def piece(self, token: int) -> str:
        """A token as a reader sees it: ``' girl'``, ``'\\n'`` for <0x0A>."""
        if not 0 <= token < len(self.pieces):
            return f"<{token}?>"
        raw = self.pieces[token]
        if len(raw) == 6 and raw.startswith(b"<0x") and raw.endswith(b">"):
            try:
                raw = bytes([int(raw[3:5], 16)])
            except ValueError:
                pass
        return raw.decode("utf-8", errors="replace")

    def text(self, tokens: list[int]) -> str:
        return "".join(self.piece(t) for t in tokens)


def read_vocabulary(path: str | os.PathLike, vocab_size: int) -> Vocabulary:
    """The pieces of a llama2.c tokenizer file (validated by models.check_tokenizer first)."""
    from .models import check_tokenizer

    info = check_tokenizer(path, vocab_size)
    data = Path(path).read_bytes()[: info.used_bytes]
    pieces, offset = [], 4
    for _ in range(info.vocab_size):
        length = struct.unpack_from("<i", data, offset + 4)[0]
        pieces.append(data[offset + 8: offset + 8 + length])
        offset += 8 + length
    return Vocabulary(pieces)
