"""toolchain.models: --model / --tokenizer resolution and the checkpoint / tokenizer checks."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from support.http import LocalServer
from toolchain import models
from toolchain.diag import ToolchainError
from toolchain.models import (check_checkpoint, check_tokenizer, expected_checkpoint_size,
                              resolve_model, resolve_tokenizer)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "models"


def shared(name: str) -> Path:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return path


def header(dim=64, hidden=172, layers=5, heads=8, kv=4, vocab=512, seq=512) -> bytes:
    return struct.pack("<7i", dim, hidden, layers, heads, kv, vocab, seq)


def write_checkpoint(path: Path, *fields, extra: int = 0, short: int = 0) -> Path:
    size = expected_checkpoint_size(*fields)
    path.write_bytes(header(*fields) + bytes(size - 28 - short + extra))
    return path


def write_tokenizer(path: Path, tokens: list[bytes], max_len: int | None = None) -> Path:
    out = [struct.pack("<i", max_len if max_len is not None else max(map(len, tokens)))]
    for i, tok in enumerate(tokens):
        out.append(struct.pack("<fi", float(-i), len(tok)) + tok)
    path.write_bytes(b"".join(out))
    return path


# ---------------------------------------------------------------------------- checkpoints

def test_stories260K_gqa():
    info = check_checkpoint(shared("stories260K.bin"))
    assert (info.dim, info.hidden_dim, info.n_layers, info.n_heads, info.n_kv_heads,
            info.vocab_size, info.seq_len) == (64, 172, 5, 8, 4, 512, 512)
    assert info.expected_size == info.file_size == 1_056_540
    assert info.shared_classifier and info.uses_gqa and info.head_size == 8


def test_stories260K_mha():
    info = check_checkpoint(shared("stories260K_mha.bin"))
    assert info.n_kv_heads == info.n_heads == 8
    assert info.expected_size == info.file_size == 1_138_460
    assert not info.uses_gqa


def test_truncated_checkpoint_names_sizes(tmp_path):
    src = shared("stories260K.bin").read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(src[:1_000_000])
    with pytest.raises(ToolchainError) as caught:
        check_checkpoint(cut)
    msg = caught.value.message
    assert "truncated" in msg and "expected 1056540 bytes" in msg and "has 1000000" in msg


def test_header_shorter_than_28_bytes(tmp_path):
    path = tmp_path / "tiny.bin"
    path.write_bytes(b"\0" * 10)
    with pytest.raises(ToolchainError, match="header needs 28 bytes, the file has 10"):
        check_checkpoint(path)


def test_unshared_classifier_adds_wcls(tmp_path):
    fields = (64, 172, 5, 8, 4, -512, 512)
    assert expected_checkpoint_size(*fields) == 1_056_540 + 4 * 512 * 64
    info = check_checkpoint(write_checkpoint(tmp_path / "u.bin", *fields))
    assert not info.shared_classifier and info.vocab_size == 512


@pytest.mark.parametrize("fields, field, why", [
    ((0, 172, 5, 8, 4, 512, 512), "dim", "must be positive"),
    ((64, -1, 5, 8, 4, 512, 512), "hidden_dim", "must be positive"),
    ((64, 172, 0, 8, 4, 512, 512), "n_layers", "must be positive"),
    ((64, 172, 5, 0, 4, 512, 512), "n_heads", "must be positive"),
    ((64, 172, 5, 8, 0, 512, 512), "n_kv_heads", "must be positive"),
    ((64, 172, 5, 8, 4, 0, 512), "vocab_size", "must not be 0"),
    ((64, 172, 5, 8, 4, 512, 0), "seq_len", "must be positive"),
    ((64, 172, 5, 7, 7, 512, 512), "n_heads", "does not divide dim"),
    ((64, 172, 5, 8, 16, 512, 512), "n_kv_heads", "exceeds n_heads"),
    ((64, 172, 5, 8, 3, 512, 512), "n_kv_heads", "does not divide n_heads"),
    ((64, 172, 5, 64, 64, 512, 512), "n_heads", "odd head size"),
    ((1 << 20, 172, 5, 8, 4, 512, 512), "dim", "exceeds the sane limit"),
    ((64, 172, 5, 8, 4, 512, 1 << 30), "seq_len", "exceeds the sane limit"),
])
def test_impossible_header_names_the_field(tmp_path, fields, field, why):
    path = tmp_path / "bad.bin"
    path.write_bytes(header(*fields) + bytes(4096))
    with pytest.raises(ToolchainError) as caught:
        check_checkpoint(path)
    assert f"header field {field} = {fields[models.HEADER_FIELDS.index(field)]}" in caught.value.message
    assert why in caught.value.message


def test_trailing_bytes_are_an_error(tmp_path):
    path = write_checkpoint(tmp_path / "x.bin", 64, 172, 5, 8, 4, 512, 512, extra=12)
    with pytest.raises(ToolchainError, match="12 extra"):
        check_checkpoint(path)


def test_version1_export_is_recognised(tmp_path):
    path = tmp_path / "v1.bin"
    path.write_bytes(struct.pack("<ii", 0x616B3432, 1) + bytes(300))
    with pytest.raises(ToolchainError, match="version 1") as caught:
        check_checkpoint(path)
    assert "--version 0" in caught.value.hint


def test_unreadable_checkpoint(tmp_path):
    with pytest.raises(ToolchainError, match="cannot read"):
        check_checkpoint(tmp_path / "missing.bin")


# ---------------------------------------------------------------------------- tokenizers

def test_tok512_and_llama_tokenizer():
    info = check_tokenizer(shared("tok512.bin"), 512)
    assert info.max_token_length == 7 and info.used_bytes == info.file_size == 6227
    info = check_tokenizer(shared("tokenizer.bin"), 32000)
    assert info.max_token_length == 27 and info.used_bytes == 433_869
    # a negative (unshared-classifier) vocab_size from a header is accepted as is
    assert check_tokenizer(shared("tok512.bin"), -512).vocab_size == 512


def test_wrong_tokenizer_for_model():
    with pytest.raises(ToolchainError, match="has 32000 tokens but the model's vocab_size is 512"):
        check_tokenizer(shared("tokenizer.bin"), 512)
    with pytest.raises(ToolchainError, match="only 512 tokens; the model's vocab_size is 32000"):
        check_tokenizer(shared("tok512.bin"), 32000)


def test_truncated_tokenizer(tmp_path):
    full = write_tokenizer(tmp_path / "t.bin", [b"a", b"bc", b"def", b"ghij"]).read_bytes()
    cut = tmp_path / "cut.bin"
    cut.write_bytes(full[:-2])
    with pytest.raises(ToolchainError) as caught:
        check_tokenizer(cut, 4)
    msg = caught.value.message
    assert "truncated tokenizer" in msg and "ends inside token 3" in msg
    assert f"({len(full) - 2} bytes)" in msg
    cut.write_bytes(full[:2])
    with pytest.raises(ToolchainError, match="needs at least 4 bytes"):
        check_tokenizer(cut, 4)


def test_tokenizer_bad_length_and_header(tmp_path):
    path = write_tokenizer(tmp_path / "t.bin", [b"a", b"toolong"], max_len=3)
    with pytest.raises(ToolchainError, match="token 1 has length 7"):
        check_tokenizer(path, 2)
    path.write_bytes(struct.pack("<i", -5) + bytes(16))
    with pytest.raises(ToolchainError, match="max_token_length = -5"):
        check_tokenizer(path, 2)


def test_tokenizer_trailing_garbage_is_tolerated(tmp_path):
    path = write_tokenizer(tmp_path / "t.bin", [b"a", b"b"])
    path.write_bytes(path.read_bytes() + b"\xff\xff")
    info = check_tokenizer(path, 2)
    assert info.used_bytes == info.file_size - 2


# ---------------------------------------------------------------------------- resolution

def test_model_path_is_used_as_is(tmp_path):
    path = write_checkpoint(tmp_path / "m.bin", 64, 172, 5, 8, 8, 512, 512)
    assert resolve_model(str(path)) == path.resolve()
    assert resolve_tokenizer(None, str(path)) is None


def test_missing_model_path(tmp_path):
    with pytest.raises(ToolchainError, match="no such file"):
        resolve_model(str(tmp_path / "nothere.bin"))
    with pytest.raises(ToolchainError, match="not a regular file"):
        resolve_model(str(tmp_path))


def test_unknown_model_name_lists_known():
    with pytest.raises(ToolchainError) as caught:
        resolve_model("stories9000G")
    assert "not a known model name" in caught.value.message
    assert "stories260K" in caught.value.message


def test_catalog_lists_stories260K():
    assert models.known_models() == ["stories260K"]
    assert models.known_tokenizers() == ["tok512"]
    entry = models._catalog()["model"]["stories260K"]
    assert entry["sha256"] == "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"
    assert entry["tokenizer"] == "tok512"


def test_download_failure_says_to_pass_a_path(tmp_path, monkeypatch):
    catalog = {
        "model": {"stories260K": {"url": "http://127.0.0.1:9/stories260K.bin",
                                  "sha256": "b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696",
                                  "tokenizer": "tok512"}},
        "tokenizer": {},
    }
    monkeypatch.setattr(models, "_catalog", lambda: catalog)
    with pytest.raises(ToolchainError) as caught:
        resolve_model("stories260K", cache_dir=tmp_path)
    assert "download failed" in caught.value.message
    assert "--model path/to/stories260K.bin" in caught.value.hint


def test_unpinned_entry_is_refused(tmp_path, monkeypatch):
    catalog = {"model": {"stories15M": {"url": "http://127.0.0.1:9/stories15M.bin", "sha256": ""}},
               "tokenizer": {}}
    monkeypatch.setattr(models, "_catalog", lambda: catalog)
    with pytest.raises(ToolchainError, match="no pinned sha256"):
        resolve_model("stories15M", cache_dir=tmp_path)


def test_known_names_download_from_local_server(tmp_path, monkeypatch):
    model = shared("stories260K.bin").read_bytes()
    vocab = shared("tok512.bin").read_bytes()
    files = {"/m/stories260K.bin": model, "/m/tok512.bin": vocab}

    with LocalServer(files) as server:
        base = server.url + "/m"
        real = models._catalog()
        catalog = {
            "model": {"stories260K": dict(real["model"]["stories260K"], url=base + "/stories260K.bin")},
            "tokenizer": {"tok512": dict(real["tokenizer"]["tok512"], url=base + "/tok512.bin")},
        }
        monkeypatch.setattr(models, "_catalog", lambda: catalog)
        path = resolve_model("stories260K", cache_dir=tmp_path)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == catalog["model"]["stories260K"]["sha256"]
        tok = resolve_tokenizer(None, "stories260K", cache_dir=tmp_path)
        assert tok is not None and tok.read_bytes() == vocab
        assert resolve_tokenizer("tok512", "whatever.bin", cache_dir=tmp_path) == tok
        assert resolve_model("stories260K", cache_dir=tmp_path) == path  # cached
        assert server.hits == ["/m/stories260K.bin", "/m/tok512.bin"]
        check_tokenizer(tok, check_checkpoint(path).vocab_size)
