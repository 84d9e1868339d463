"""tests/support: the helpers the test modules share work as they say."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from support import ENGINE, MODELS, ROOT, SHARED, have, need_tool
from support.cflags import C99, STRICT
from support.cli import c89port, llama98
from support.compilers import build, output, run
from support.http import LocalServer


def test_paths():
    assert (ROOT / "pyproject.toml").is_file() and (ENGINE / "c89compat.h").is_file()
    assert SHARED == ROOT.parent / "shared" and MODELS == SHARED / "models"


def test_need_tool_skips_for_a_missing_tool():
    with pytest.raises(pytest.skip.Exception):
        need_tool("no-such-tool-llama98")
    assert not have("no-such-tool-llama98")


def test_strict_gcc_refuses_c99_and_builds_c89(tmp_path):
    need_tool("gcc")
    c99 = tmp_path / "a.c"
    c99.write_text("int main(void) { for (int i = 0; i < 1; i++) ; return 0; } // c99\n")
    assert run([*STRICT["gcc"], "-c", c99, "-o", tmp_path / "a.o"]).returncode != 0
    assert output(build(C99, [c99], tmp_path / "a")) == ""
    c89 = tmp_path / "b.c"
    c89.write_text('#include <stdio.h>\nint main(void) { printf("ok\\n"); return 0; }\n')
    assert output(build(STRICT["gcc"], [c89], tmp_path / "b")) == "ok\n"


def test_cli_runners():
    assert llama98("--help").returncode == 0
    proc = c89port("--help")
    assert proc.returncode == 0 and "[pass]" in proc.stdout


def test_local_server_serves_and_records():
    with LocalServer({"/a.bin": b"abc"}) as srv:
        assert urllib.request.urlopen(srv.url + "/a.bin").read() == b"abc"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(srv.url + "/missing")
    assert srv.hits == ["/a.bin", "/missing"]
