"""engine_c89: our own C89 runtime pieces, compiled by real compilers and exercised."""

from __future__ import annotations

import struct
import subprocess

import pytest

from support import ROOT, need_tool

ENGINE = ROOT / "engine_c89"
PORTABLE = ["l98load.c", "c89timer.c", "c89stdio.c"]   # l98crt.c is MinGW-only

STRICT = {
    "gcc": ["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Wextra", "-Werror"],
    "tcc": ["tcc", "-Wall", "-Werror"],
    "pcc": ["pcc"],
    "mingw": ["i686-w64-mingw32-gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror",
              "-D__USE_MINGW_ANSI_STDIO=0", "-D_USE_32BIT_TIME_T"],
}


@pytest.mark.parametrize("compiler", sorted(STRICT))
@pytest.mark.parametrize("source", PORTABLE + ["l98crt.c"])
def test_engine_sources_are_strict_c89(compiler, source, tmp_path):
    if source == "l98crt.c" and compiler != "mingw":
        pytest.skip("l98crt.c is the MinGW start-up code")
    if not (ENGINE / source).exists():
        pytest.skip(f"{source} not written yet")
    cmd = STRICT[compiler]
    need_tool(cmd[0])
    proc = subprocess.run([*cmd, f"-I{ENGINE}", "-c", str(ENGINE / source),
                           "-o", str(tmp_path / "x.o")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


LOADER_DRIVER = r"""
#include <stdio.h>
#include <stdlib.h>
#include "l98load.h"
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    long size;
    int fd;
    float *data;
    if (f == NULL) { size = 0; } else { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
    fd = l98_open(argv[1], O_RDONLY);
    if (fd == -1) { return 3; }
    data = (float *)l98_mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("loaded %ld bytes, dim=%d, first weight %g\n", size, ((int *)data)[0], data[7]);
    l98_munmap(data, (size_t)size);
    l98_close(fd);
    (void)argc;
    return 0;
}
"""


@pytest.fixture(scope="module")
def loader(tmp_path_factory):
    need_tool("gcc")
    d = tmp_path_factory.mktemp("loader")
    (d / "drv.c").write_text(LOADER_DRIVER)
    exe = d / "drv"
    subprocess.run(["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror", f"-I{ENGINE}",
                    str(d / "drv.c"), str(ENGINE / "l98load.c"), "-o", str(exe)], check=True)
    return exe


def _run(exe, path):
    return subprocess.run([str(exe), str(path)], capture_output=True, text=True)


def test_loader_reads_a_real_checkpoint(loader, shared_models):
    proc = _run(loader, shared_models / "stories260K.bin")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("loaded 1056540 bytes, dim=64")


def test_loader_reports_a_missing_file(loader, tmp_path):
    proc = _run(loader, tmp_path / "nope.bin")
    assert proc.returncode == 3
    assert "cannot open model file" in proc.stderr and "nope.bin" in proc.stderr


def test_loader_reports_truncation_with_expected_and_actual_bytes(loader, shared_models, tmp_path):
    cut = tmp_path / "cut.bin"
    cut.write_bytes((shared_models / "stories260K.bin").read_bytes()[:500000])
    proc = _run(loader, cut)
    assert proc.returncode != 0
    assert "truncated" in proc.stderr
    assert "expected 1056540 bytes" in proc.stderr and "500000 bytes" in proc.stderr


def test_loader_reports_impossible_headers(loader, tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(struct.pack("<7i", 64, 172, 5, 0, 4, 512, 512) + b"\0" * 4096)
    proc = _run(loader, bad)
    assert proc.returncode != 0
    assert "impossible header value n_heads=0" in proc.stderr
    odd = tmp_path / "odd.bin"
    odd.write_bytes(struct.pack("<7i", 64, 172, 5, 8, 3, 512, 512) + b"\0" * 4096)
    assert "do not divide" in _run(loader, odd).stderr
    tiny = tmp_path / "tiny.bin"
    tiny.write_bytes(b"\1\2\3")
    assert "smaller than the 28-byte" in _run(loader, tiny).stderr


def test_loader_reports_memory_needed(loader, tmp_path):
    # a header asking for ~2 GB of weights, in a file of that apparent size (sparse)
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.write(struct.pack("<7i", 4096, 11008, 32, 32, 32, 32000, 2048))
        f.truncate(0)
    # the allocation message is exercised under a memory limit
    pytest.importorskip("resource")
    import resource

    header = struct.pack("<7i", 512, 1376, 8, 8, 8, 32000, 256)
    with open(big, "wb") as f:
        f.write(header)
    size = 28 + 4 * (32000 * 512 + 8 * 512 * 2 + 8 * 512 * 512 * 4 + 8 * 512 * 1376 * 3 + 512
                     + 256 * 64)
    with open(big, "r+b") as f:
        f.truncate(size)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (64 << 20, 64 << 20))

    proc = subprocess.run([str(loader), str(big)], capture_output=True, text=True,
                          preexec_fn=limit)
    assert proc.returncode != 0
    assert "not enough memory" in proc.stderr and "MB" in proc.stderr
