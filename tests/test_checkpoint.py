"""toolchain.checkpoint: both llama2.c checkpoint formats, the Q8_0 quantizer, group sizes."""

from __future__ import annotations

import struct
from dataclasses import replace

import numpy as np
import pytest

from support import MODELS
from toolchain import checkpoint as ck
from toolchain import models
from toolchain.diag import ToolchainError

TINY = ck.Config(dim=16, hidden_dim=24, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40,
                 seq_len=8)


def shared(name: str):
    path = MODELS / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/models)")
    return path


# ---------------------------------------------------------------- fp32 (version 0)

@pytest.mark.parametrize("name", ["stories260K.bin", "stories260K_mha.bin"])
def test_fp32_round_trip_is_byte_exact(name):
    path = shared(name)
    c = ck.read_checkpoint(path)
    assert c.version == 0 and not c.quantized and c.shared_classifier
    assert c.wcls is c.tok_embeddings
    assert ck.to_bytes(c) == path.read_bytes()


def test_stories260K_shapes():
    c = ck.read_fp32(shared("stories260K.bin"))
    assert c.config == ck.Config(64, 172, 5, 8, 4, 512, 512)
    assert c.wq.shape == (5, 64, 64) and c.wk.shape == (5, 32, 64) and c.wv.shape == (5, 32, 64)
    assert c.w1.shape == (5, 172, 64) and c.w2.shape == (5, 64, 172)
    assert c.tok_embeddings.shape == (512, 64) and c.rms_final.shape == (64,)


def test_expanding_kv_heads_gives_the_shared_mha_file():
    gqa = ck.read_fp32(shared("stories260K.bin"))
    mha = ck.expand_kv_heads(gqa)
    assert mha.config.n_kv_heads == 8
    assert ck.to_bytes(mha) == shared("stories260K_mha.bin").read_bytes()


@pytest.mark.parametrize("shared_cls", [True, False], ids=["shared", "own-wcls"])
def test_fp32_write_read(tmp_path, shared_cls):
    c = ck.random_checkpoint(TINY, shared_classifier=shared_cls, seed=3)
    path = ck.write_checkpoint(c, tmp_path / "m.bin")
    head = struct.unpack("<7i", path.read_bytes()[:28])
    assert head[5] == (40 if shared_cls else -40)
    assert path.stat().st_size == models.expected_checkpoint_size(*head)
    back = ck.read_checkpoint(path)
    assert back.shared_classifier == shared_cls
    for name in ("tok_embeddings", "wq", "wk", "wv", "wo", "w1", "w2", "w3", "wcls",
                 "rms_att", "rms_ffn", "rms_final"):
        assert np.array_equal(getattr(back, name), getattr(c, name)), name
    assert ck.to_bytes(back) == path.read_bytes()


# ---------------------------------------------------------------- Q8_0 (version 2)

def test_quantize_stories260K_round_trip(tmp_path):
    fp = ck.read_fp32(shared("stories260K.bin"))
    q = ck.quantize(fp)
    assert q.group_size == 4 and q.version == 2 and q.wcls is q.tok_embeddings
    path = ck.write_checkpoint(q, tmp_path / "q8.bin")
    data = path.read_bytes()
    assert len(data) == ck.q8_file_size(fp.config, True, 4)
    magic, version, *fields, flag, group = struct.unpack_from("<Ii7iBi", data)
    assert (magic, version, fields, flag, group) == (0x616B3432, 2, [64, 172, 5, 8, 4, 512, 512],
                                                     1, 4)
    assert data[41:256] == bytes(215)
    back = ck.read_checkpoint(path)
    assert back.group_size == 4
    for name in ("tok_embeddings", "wq", "wk", "wv", "wo", "w1", "w2", "w3"):
        a, b = getattr(q, name), getattr(back, name)
        assert np.array_equal(a.q, b.q) and np.array_equal(a.s, b.s), name
        # each value within half a quantisation step of the original
        err = np.abs(b.dequantize() - getattr(fp, name))
        step = np.repeat(b.s, 4, axis=-1)
        assert np.all(err <= step * 0.5001 + 1e-12), name
    assert ck.to_bytes(back) == data


def test_quantize_unshared_classifier_round_trip(tmp_path):
    c = ck.random_checkpoint(TINY, shared_classifier=False, seed=5)
    q = ck.quantize(c)
    assert q.group_size == 8                     # gcd(16, 24)
    path = ck.write_checkpoint(q, tmp_path / "q8.bin")
    assert path.read_bytes()[36] == 0
    back = ck.read_q8(path)
    assert not back.shared_classifier
    assert np.array_equal(back.wcls.q, q.wcls.q) and np.array_equal(back.wcls.s, q.wcls.s)
    assert ck.to_bytes(back) == path.read_bytes()


def test_quantize_file(tmp_path):
    src = ck.write_checkpoint(ck.random_checkpoint(TINY), tmp_path / "fp.bin")
    q = ck.quantize_file(src, tmp_path / "q.bin", group_size=4)
    assert q.group_size == 4 and ck.file_version(tmp_path / "q.bin") == 2
    assert ck.file_version(src) == 0


def test_q80_rounds_like_export_py():
    # scale = max|w| / 127 = 1: ties go to even (torch.round), signs kept
    w = np.array([[2.5, 127.0, 0.5, -1.5, -2.5, 3.49, -127.0, 0.0]], dtype=np.float32)
    t = ck.quantize_q80(w, 4)
    assert t.s.tolist() == [[1.0, 1.0]]
    assert t.q.tolist() == [[2, 127, 0, -2, -2, 3, -127, 0]]


def test_q80_scale_is_float32_max_over_127():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 8)).astype(np.float32)
    t = ck.quantize_q80(w, 8)
    expected = (np.abs(w).max(axis=1) / np.float32(127)).astype(np.float32)
    assert np.array_equal(t.s[:, 0], expected)
    assert np.array_equal(t.q, np.round(w / expected[:, None]).astype(np.int8))
    assert np.abs(t.q).max() == 127


def test_q80_zero_group():
    t = ck.quantize_q80(np.zeros((1, 8), np.float32), 4)
    assert t.q.tolist() == [[0] * 8] and t.s.tolist() == [[0.0, 0.0]]


def test_expand_kv_heads_of_a_quantized_model():
    c = ck.random_checkpoint(TINY, seed=2)
    assert np.array_equal(ck.expand_kv_heads(ck.quantize(c)).wk.q,
                          ck.quantize(ck.expand_kv_heads(c)).wk.q)


# ---------------------------------------------------------------- group size

@pytest.mark.parametrize("dim,hidden,group", [
    (64, 172, 4),        # stories260K
    (288, 768, 32),      # stories15M: what export.py's halving from 64 gives
    (4096, 11008, 64),   # Llama 2 7B
    (6, 10, 2),
    (64, 96, 32),
])
def test_group_size_choice(dim, hidden, group):
    config = replace(TINY, dim=dim, hidden_dim=hidden, n_heads=2, n_kv_heads=2)
    assert ck.choose_group_size(config) == group
    assert ck.group_size_problem(config, group) == ""


def test_group_size_must_divide_every_row():
    fp = ck.read_fp32(shared("stories260K.bin"))
    with pytest.raises(ToolchainError, match=r"does not divide hidden_dim = 172.*last 44"):
        ck.quantize(fp, 64)
    with pytest.raises(ToolchainError, match="must be positive"):
        ck.quantize(fp, 0)


# ---------------------------------------------------------------- bad input

def _q8_bytes(tmp_path) -> bytes:
    return ck.to_bytes(ck.quantize(ck.random_checkpoint(TINY, seed=9)))


def _with_header(data: bytes, **changes) -> bytes:
    magic, version, *fields, flag, group = struct.unpack_from("<Ii7iBi", data)
    names = ["magic", "version", *models.HEADER_FIELDS, "shared", "group"]
    values = dict(zip(names, [magic, version, *fields, flag, group]))
    values.update(changes)
    return struct.pack("<Ii7iBi", *values.values()) + data[41:]


@pytest.mark.parametrize("change,message", [
    (dict(version=1), "export version 1"),
    (dict(group=0), "group size 0 must be positive"),
    (dict(group=16), "group size 16 does not divide hidden_dim = 24"),
    (dict(shared=2), "shared_classifier flag = 2"),
    (dict(vocab_size=-40), "vocab_size = -40 must be positive in version 2"),
    (dict(n_heads=0), "n_heads = 0 must be positive"),
    (dict(n_heads=3), "n_heads = 3 does not divide dim"),
    (dict(n_layers=3), "truncated checkpoint: expected"),
    (dict(n_layers=1), "size does not match"),
])
def test_bad_q8_headers(tmp_path, change, message):
    path = tmp_path / "bad.bin"
    path.write_bytes(_with_header(_q8_bytes(tmp_path), **change))
    with pytest.raises(ToolchainError, match=message):
        ck.read_checkpoint(path)


def test_bad_q8_files(tmp_path):
    data = _q8_bytes(tmp_path)
    path = tmp_path / "bad.bin"
    path.write_bytes(data[:100])
    with pytest.raises(ToolchainError, match="header needs 256 bytes, the file has 100"):
        ck.read_q8(path)
    path.write_bytes(data[:-1])
    with pytest.raises(ToolchainError, match="truncated"):
        ck.read_checkpoint(path)
    path.write_bytes(data + b"x")
    with pytest.raises(ToolchainError, match="does not match"):
        ck.read_checkpoint(path)
    fp = ck.write_checkpoint(ck.random_checkpoint(TINY), tmp_path / "fp.bin")
    with pytest.raises(ToolchainError, match="no \"ak42\" magic"):
        ck.read_q8(fp)


def test_bad_fp32_files_use_the_build_checks(tmp_path):
    path = tmp_path / "cut.bin"
    path.write_bytes(ck.to_bytes(ck.random_checkpoint(TINY))[:500])
    with pytest.raises(ToolchainError, match="truncated checkpoint"):
        ck.read_checkpoint(path)
    with pytest.raises(ToolchainError, match="cannot read"):
        ck.read_checkpoint(tmp_path / "missing.bin")
    with pytest.raises(ToolchainError, match="not a regular file|cannot read"):
        ck.read_checkpoint(tmp_path)


def test_quantizing_twice_and_unwritable_output(tmp_path):
    q = ck.quantize(ck.random_checkpoint(TINY))
    with pytest.raises(ToolchainError, match="already quantized"):
        ck.quantize(q)
    with pytest.raises(ToolchainError, match="cannot write"):
        ck.write_checkpoint(q, tmp_path / "no" / "such" / "dir.bin")
    assert list(tmp_path.iterdir()) == []
