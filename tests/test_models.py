"""toolchain.models: --model / --tokenizer resolution and the checkpoint / tokenizer checks."""

from __future__ import annotations

import hashlib
import http.server
import struct
import threading
from pathlib import Path

import pytest

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


def llama_tokens(n: int = 300) -> list[bytes]:
    """A vocabulary shaped like llama2.c's: 3 special tokens, 256 byte tokens, " ", words."""
    tokens = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [b"<0x%02X>" % i for i in range(256)] + [b" "]
    tokens += [b"w%d" % i for i in range(n - len(tokens))]
    return tokens[:n]


def write_int8(path: Path, dim=64, hidden=172, layers=5, heads=8, kv=4, vocab=512, seq=512,
               shared=1, group=4, extra=0, short=0) -> Path:
    size = models.expected_int8_size(dim, hidden, layers, heads, kv, abs(vocab), seq,
                                     shared == 1, group if group > 0 else 1)
    head = struct.pack("<Ii7iBi", models.EXPORT_MAGIC, 2, dim, hidden, layers, heads, kv, vocab,
                       seq, shared, group)
    path.write_bytes(head + bytes(256 - len(head)) + bytes(size - 256 - short + extra))
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
    ((64, 172, 5, 8, 4, 2, 512), "vocab_size", "is below 3"),
    ((64, 172, 5, 8, 4, -1, 512), "vocab_size", "is below 3"),
    ((64, 172, 5, 8, 4, 512, -1), "seq_len", "must be positive"),
    ((-2147483648, 172, 5, 8, 4, 512, 512), "dim", "must be positive"),
    ((64, 172, 5, 8, 4, -2147483648, 512), "vocab_size", "exceeds the sane limit"),
    ((64, 172, 2147483647, 8, 4, 512, 512), "n_layers", "exceeds the sane limit"),
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


def test_header_whose_sizes_overflow_32_bits_is_refused(tmp_path):
    # issue 9: the file size is right for the header, but the key/value cache of
    # n_layers x seq_len x dim = 2^32 floats wraps a 32-bit int to 0
    fields = (4, 2, 1024, 1, 1, 512, 1048576)
    assert expected_checkpoint_size(*fields) == 17_178_668
    path = write_checkpoint(tmp_path / "ovf.bin", *fields)
    with pytest.raises(ToolchainError) as caught:
        check_checkpoint(path)
    assert "1024 x 1048576 x 4" in caught.value.message
    assert "more than the 2,147,483,647 a 32-bit program can address" in caught.value.message


def test_model_larger_than_2gb_is_refused(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(header(4096, 11008, 32, 32, 32, 32000, 2048))
    with pytest.raises(ToolchainError, match="more than the 2,147,483,647 a 32-bit program "
                                             "can load"):
        check_checkpoint(path)


def test_runtime_bytes_of_stories260K():
    info = check_checkpoint(shared("stories260K.bin"))
    assert info.runtime_bytes == 1_056_540 + 8 * 5 * 512 * 64 + 4 * 8 * 512
    assert info.n_params == 512 * 64 + 5 * (64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 172 + 2 * 64) + 64


def test_trailing_bytes_are_an_error(tmp_path):
    path = write_checkpoint(tmp_path / "x.bin", 64, 172, 5, 8, 4, 512, 512, extra=12)
    with pytest.raises(ToolchainError, match="12 extra"):
        check_checkpoint(path)


BOTH = (0, 2)      # a program reading either format


def test_each_build_names_the_formats_its_program_reads(tmp_path):
    path = write_int8(tmp_path / "q.bin")
    with pytest.raises(ToolchainError) as caught:
        check_checkpoint(path)          # run.c's build: version 0 only
    assert "'version 2' file (magic \"ak42\"); this build needs version 0" in caught.value.message
    assert "--version 0" in caught.value.hint
    assert check_checkpoint(path, (2,)).version == 2
    with pytest.raises(ToolchainError, match="'version 0' file; this build needs version 2"):
        check_checkpoint(shared("stories260K.bin"), (2,))


def test_int8_checkpoint(tmp_path):
    info = check_checkpoint(write_int8(tmp_path / "q.bin"), BOTH)
    assert info.version == 2 and info.group_size == 4 and info.shared_classifier
    q8 = lambda n: n + 4 * (n // 4)  # noqa: E731
    assert info.expected_size == info.file_size == (
        256 + 4 * (2 * 5 * 64 + 64) + q8(512 * 64)
        + 5 * (2 * q8(64 * 64) + 2 * q8(64 * 32) + 3 * q8(64 * 172)))
    assert info.runtime_bytes == info.file_size + 8 * 5 * 512 * 64 + 4 * 8 * 512 + 4 * 512 * 64
    unshared = check_checkpoint(write_int8(tmp_path / "u.bin", shared=0), BOTH)
    assert unshared.file_size == info.file_size + q8(512 * 64) and not unshared.shared_classifier


@pytest.mark.parametrize("kwargs, field, why", [
    (dict(group=64), "group_size", "must divide dim = 64 and hidden_dim = 172"),
    (dict(group=0), "group_size", "must divide"),
    (dict(group=-4), "group_size", "must divide"),
    (dict(shared=2), "shared_classifier", "must be 0 or 1"),
    (dict(vocab=-512), "vocab_size", "must be positive"),
    (dict(dim=10, heads=5, kv=5, hidden=12, vocab=259, group=2), "dim", "not a multiple of 4"),
])
def test_int8_header_rules(tmp_path, kwargs, field, why):
    with pytest.raises(ToolchainError) as caught:
        check_checkpoint(write_int8(tmp_path / "q.bin", **kwargs), BOTH)
    assert f"header field {field} = " in caught.value.message and why in caught.value.message


def test_int8_size_mismatch(tmp_path):
    with pytest.raises(ToolchainError, match="truncated checkpoint"):
        check_checkpoint(write_int8(tmp_path / "q.bin", short=1), BOTH)
    with pytest.raises(ToolchainError, match="4 extra"):
        check_checkpoint(write_int8(tmp_path / "q.bin", extra=4), BOTH)
    path = tmp_path / "h.bin"
    path.write_bytes(write_int8(path).read_bytes()[:200])
    with pytest.raises(ToolchainError, match="header needs 256 bytes, the file has 200"):
        check_checkpoint(path, BOTH)


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
    path = write_tokenizer(tmp_path / "t.bin", llama_tokens(300))
    path.write_bytes(path.read_bytes() + b"\xff\xff")
    info = check_tokenizer(path, 300)
    assert info.used_bytes == info.file_size - 2


@pytest.mark.parametrize("length", [-1, 0, 0x40000000, 8])
def test_tokenizer_length_outside_0_to_max_token_length(tmp_path, length):
    tokens = llama_tokens(300)
    path = write_tokenizer(tmp_path / "t.bin", tokens, max_len=7)
    data = bytearray(path.read_bytes())
    offset = 4 + sum(8 + len(t) for t in tokens[:5])
    struct.pack_into("<i", data, offset + 4, length)
    path.write_bytes(bytes(data))
    with pytest.raises(ToolchainError, match=f"token 5 has length {length} "):
        check_tokenizer(path, 300)


@pytest.mark.parametrize("max_len", [-1, 0, 1 << 17])
def test_tokenizer_max_token_length_range(tmp_path, max_len):
    path = write_tokenizer(tmp_path / "t.bin", llama_tokens(300), max_len=max_len)
    with pytest.raises(ToolchainError, match=f"max_token_length = {max_len}"):
        check_tokenizer(path, 300)


def test_tokenizer_needs_3_tokens(tmp_path):
    with pytest.raises(ToolchainError, match="2 tokens, fewer than 3"):
        check_tokenizer(write_tokenizer(tmp_path / "s.bin", [b" ", b"a"]), 2)
    assert check_tokenizer(write_tokenizer(tmp_path / "t.bin", [b"<unk>", b"<s>", b"</s>"]),
                           3).vocab_size == 3


def test_llama_vocabulary_for_a_512_token_model_is_refused():
    # (its first 512 tokens have no " ": run.c's encoder would start a prompt with token -1)
    with pytest.raises(ToolchainError, match="has 32000 tokens but the model's vocab_size is 512"):
        check_tokenizer(shared("tokenizer.bin"), 512)


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
    hits: list[str] = []
    files = {"/m/stories260K.bin": model, "/m/tok512.bin": vocab}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = files[self.path]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}/m"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
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
        assert hits == ["/m/stories260K.bin", "/m/tok512.bin"]
        check_tokenizer(tok, check_checkpoint(path).vocab_size)
    finally:
        httpd.shutdown()
        httpd.server_close()
