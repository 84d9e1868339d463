"""toolchain.reference against native upstream llama2.c: run.c (fp32) and runq.c (int8).

The upstream programs are built unmodified by gcc, plus the verify hook that writes each
logits vector to a file (toolchain/verify.py inserts one call after the statement that
computes them), so tokens and logits are compared position by position.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest

from support import MODELS, SHARED, need_tool
from toolchain import checkpoint as ck
from toolchain import reference as ref
from toolchain import logits_hook, verify
from toolchain.diag import ToolchainError

STORY = ("Once upon a time, there was a little girl named Lily. "
         "She loved to play outside in the park.")
UPSTREAM = Path(os.environ.get("LLAMA2C_SRC", "") or SHARED / "llama2.c")


def upstream_file(name: str) -> Path:
    path = (UPSTREAM if UPSTREAM.is_dir() else UPSTREAM.parent) / name
    if not path.is_file():
        pytest.skip(f"no upstream {name} at {path} (set LLAMA2C_SRC to a llama2.c checkout)")
    return path


def shared(name: str) -> Path:
    path = MODELS / name
    if not path.is_file():
        pytest.skip(f"{path} not present (../shared/models)")
    return path


def hooked_native(src: Path, out: Path) -> Path:
    """The upstream program as llama2.c's Makefile builds it, plus the logits hook."""
    need_tool("gcc")
    out.mkdir(parents=True, exist_ok=True)
    hooked = out / src.name
    hooked.write_text(logits_hook.instrument(src.read_text("utf-8")).text, "utf-8")
    return verify.compile_native([hooked], [], out / src.stem, std="gnu99")


@pytest.fixture(scope="session")
def native_run(tmp_path_factory) -> Path:
    return hooked_native(upstream_file("run.c"), tmp_path_factory.mktemp("run"))


@pytest.fixture(scope="session")
def native_runq(tmp_path_factory) -> Path:
    return hooked_native(upstream_file("runq.c"), tmp_path_factory.mktemp("runq"))


def run_greedy(exe: Path, model: Path, tokenizer: Path, steps: int, tmp_path: Path):
    run = verify.run_native(exe, [str(model), "-z", str(tokenizer), "-t", "0", "-n", str(steps)],
                            tmp_path)
    assert run.returncode == 0, run.stderr
    return run


def write_vocabulary(path: Path, size: int) -> Path:
    parts = [struct.pack("<i", 8)]
    for i in range(size):
        piece = f"<t{i}>".encode()
        parts.append(struct.pack("<fi", 0.0, len(piece)) + piece)
    path.write_bytes(b"".join(parts))
    return path


def assert_agrees(net, run, quantized: bool, steps: int) -> None:
    rtol, atol = verify.tolerance(quantized)
    g = ref.generate(net, steps, stop=1)             # run.c stops when it chooses BOS
    native = np.stack(run.logits)
    print(f"{len(native)} positions compared")
    assert [ref.argmax(v) for v in native] == g.choices
    scale = np.abs(g.logits).max(axis=1, keepdims=True)
    assert np.all(np.abs(native - g.logits) <= rtol * scale + atol)


# ---------------------------------------------------------------- fp32: run.c

def test_greedy_tells_the_reference_story():
    net = ref.load(shared("stories260K.bin"))
    vocab = ref.read_vocabulary(shared("tok512.bin"), 512)
    g = ref.generate(net, 40)
    assert g.tokens[0] == ref.BOS and g.tokens[1:] == g.choices[:-1]
    assert g.logits.shape == (40, 512) and g.logits.dtype == np.float32
    assert vocab.text(g.choices).lstrip().startswith(STORY)


def test_stories260K_matches_native_run_c(native_run, tmp_path):
    model, tok = shared("stories260K.bin"), shared("tok512.bin")
    run = run_greedy(native_run, model, tok, 200, tmp_path)
    net = ref.load(model)
    assert_agrees(net, run, quantized=False, steps=200)
    # and the text run.c printed is the reference's tokens, decoded
    vocab = ref.read_vocabulary(tok, 512)
    choices = ref.generate(net, 200, stop=1).choices
    assert run.stdout.decode() == vocab.text(choices).lstrip() + "\n"
    assert run.stdout.decode().startswith(STORY)


def test_gqa_and_its_mha_copy_compute_the_same():
    gqa = ref.generate(ref.load(shared("stories260K.bin")), 30)
    mha = ref.generate(ref.load(shared("stories260K_mha.bin")), 30)
    assert gqa.choices == mha.choices
    assert np.allclose(gqa.logits, mha.logits, rtol=0, atol=1e-4)


@pytest.mark.parametrize("shared_cls,kv_heads", [(False, 2), (True, 1), (False, 4)],
                         ids=["own-wcls-gqa", "mqa", "own-wcls-mha"])
def test_random_models_match_native_run_c(native_run, tmp_path, shared_cls, kv_heads):
    config = ck.Config(dim=32, hidden_dim=80, n_layers=3, n_heads=4, n_kv_heads=kv_heads,
                       vocab_size=96, seq_len=64)
    model = ck.write_checkpoint(ck.random_checkpoint(config, shared_cls, seed=kv_heads),
                                tmp_path / "m.bin")
    tok = write_vocabulary(tmp_path / "tok.bin", 96)
    run = run_greedy(native_run, model, tok, 48, tmp_path)
    assert_agrees(ref.load(model), run, quantized=False, steps=48)


# ---------------------------------------------------------------- int8: runq.c

def test_q8_stories260K_matches_native_runq_c(native_runq, tmp_path):
    model = ck.quantize_file(shared("stories260K.bin"), tmp_path / "q8.bin")
    assert model.group_size == 4
    run = run_greedy(native_runq, tmp_path / "q8.bin", shared("tok512.bin"), 200, tmp_path)
    assert run.stdout.decode().startswith(STORY)
    net = ref.load(tmp_path / "q8.bin")
    assert_agrees(net, run, quantized=True, steps=200)
    # the emulation of runq.c's int8 arithmetic is exact up to the last bit of a float
    # function: the first positions agree as closely as fp32 programs do
    g = ref.generate(net, 20)
    assert np.allclose(np.stack(run.logits[:20]), g.logits, rtol=0, atol=1e-4)


def test_q8_random_unshared_gqa_matches_native_runq_c(native_runq, tmp_path):
    config = ck.Config(dim=48, hidden_dim=96, n_layers=2, n_heads=6, n_kv_heads=3,
                       vocab_size=80, seq_len=64)
    fp = ck.random_checkpoint(config, shared_classifier=False, seed=11)
    q = ck.quantize(fp, 8)
    model = ck.write_checkpoint(q, tmp_path / "q8.bin")
    tok = write_vocabulary(tmp_path / "tok.bin", 80)
    run = run_greedy(native_runq, model, tok, 40, tmp_path)
    assert_agrees(ref.load(model), run, quantized=True, steps=40)


def test_q8_activation_rounding_is_c_round():
    # C's round(): halves away from zero; NumPy's round: halves to even
    v = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997, 126.5], dtype=np.float32)
    assert ref._round_half_away(v).tolist() == [1, 2, 3, -1, -3, 0, 127]


# ---------------------------------------------------------------- API

def test_score_is_generate_teacher_forced():
    c = ck.random_checkpoint(ck.Config(16, 32, 2, 4, 2, 40, 16), seed=4)
    g = ref.generate(c, 10)
    assert np.array_equal(ref.score(c, g.tokens), g.logits)
    assert ref.generate(c, 100).logits.shape == (16, 40)          # at most seq_len


def test_generate_stops_on_request():
    c = ck.random_checkpoint(ck.Config(16, 32, 2, 4, 2, 40, 16), seed=4)
    first = ref.generate(c, 1).choices[0]
    g = ref.generate(c, 10, stop=first)
    assert g.choices == [first] and g.logits.shape == (1, 40)


def test_forward_refuses_tokens_and_positions_outside_the_model():
    net = ref.Transformer(ck.random_checkpoint(ck.Config(16, 32, 1, 4, 4, 40, 8)))
    with pytest.raises(ToolchainError, match="token 40 outside"):
        net.forward(40, 0)
    with pytest.raises(ToolchainError, match="position 8 outside"):
        net.forward(1, 8)


def test_vocabulary_pieces():
    vocab = ref.read_vocabulary(shared("tok512.bin"), 512)
    assert vocab.piece(13) == "\n"                     # <0x0A>
    assert vocab.text([vocab.pieces.index(b" Once"), vocab.pieces.index(b" upon")]) == \
        " Once upon"
    assert vocab.piece(9999) == "<9999?>"
