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
#include <string.h>
#include "l98load.h"
/* drv HOW MODEL [VOCAB [END]]: HOW is the program's first read of MODEL through
   l98_fread_model (fp32: the 28-byte header, int8: the 4-byte magic) or "mmap" (none);
   then l98_mmap, l98_weights_end(data + END) when END is given, l98_fopen_vocab(VOCAB) */
int main(int argc, char **argv)
{
    FILE *f;
    long size;
    int fd, header[7];
    char *data;
    if (strcmp(argv[1], "mmap") != 0) {
        f = l98_fopen_model(argv[2], "rb");
        if (f == NULL) { return 3; }
        l98_fread_model(header, strcmp(argv[1], "fp32") == 0 ? sizeof header : 4, 1, f);
        l98_fclose_model(f);
    }
    f = fopen(argv[2], "rb");
    if (f == NULL) { size = 0; } else { fseek(f, 0, SEEK_END); size = ftell(f); fclose(f); }
    fd = l98_open(argv[2], O_RDONLY);
    if (fd == -1) { return 3; }
    data = (char *)l98_mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("loaded %ld bytes, first field %d\n", size, ((int *)data)[0]);
    if (argc > 4) {
        l98_weights_end(data + atol(argv[4]));
        printf("weights end at %s\n", argv[4]);
    }
    if (argc > 3) {
        f = l98_fopen_vocab(argv[3], "rb");
        printf("vocabulary %s\n", f == NULL ? "missing" : "ok");
        if (f != NULL) { fclose(f); }
    }
    l98_munmap(data, (size_t)size);
    l98_close(fd);
    return 0;
}
"""


@pytest.fixture(scope="module")
def loader(tmp_path_factory):
    need_tool("gcc")
    d = tmp_path_factory.mktemp("loader")
    (d / "drv.c").write_text(LOADER_DRIVER)
    exe = d / "drv"
    subprocess.run(["gcc", "-std=c89", "-pedantic-errors", "-Wall", "-Werror", "-g",
                    "-fsanitize=address,undefined", "-fno-sanitize-recover=all", f"-I{ENGINE}",
                    str(d / "drv.c"), str(ENGINE / "l98load.c"), "-o", str(exe)], check=True)
    return exe


def _run(exe, path, *more, how="mmap", **kw):
    proc = subprocess.run([str(exe), how, str(path), *map(str, more)], capture_output=True,
                          text=True, **kw)
    assert "Sanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr
    return proc


def _fail(exe, path, *more, how="mmap") -> str:
    proc = _run(exe, path, *more, how=how)
    assert proc.returncode == 1 and proc.stderr.startswith("llama98: "), proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr           # one line
    return proc.stderr


def header(*fields) -> bytes:
    return struct.pack("<7i", *fields)


def test_loader_reads_a_real_checkpoint(loader, shared_models):
    for how in ("mmap", "fp32"):
        proc = _run(loader, shared_models / "stories260K.bin", how=how)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("loaded 1056540 bytes, first field 64")


def test_loader_reports_a_missing_file(loader, tmp_path):
    proc = _run(loader, tmp_path / "nope.bin")
    assert proc.returncode == 3
    assert "cannot open model file" in proc.stderr and "nope.bin" in proc.stderr


def test_loader_reports_truncation_with_expected_and_actual_bytes(loader, shared_models, tmp_path):
    cut = tmp_path / "cut.bin"
    cut.write_bytes((shared_models / "stories260K.bin").read_bytes()[:500000])
    for how in ("mmap", "fp32"):
        err = _fail(loader, cut, how=how)
        assert "truncated" in err and "expected 1056540 bytes" in err and "500000 bytes" in err
    cut.write_bytes((shared_models / "stories260K.bin").read_bytes() + b"\0")
    assert "1 extra" in _fail(loader, cut)


@pytest.mark.parametrize("fields, message", [
    ((64, 172, 5, 0, 4, 512, 512), "impossible header value n_heads=0"),
    ((64, 172, 5, 8, 3, 512, 512), "do not divide"),
    ((64, 172, 5, 8, 16, 512, 512), "do not divide"),
    ((64, 172, 5, 64, 64, 512, 512), "head size dim/n_heads = 64/64 = 1 is odd"),
    ((64, 172, 5, 8, 4, 2, 512), "vocab_size=2 is below 3"),
    ((64, 172, 5, 8, 4, -2147483647 - 1, 512), "impossible header value vocab_size=-2147483648"),
    ((2147483647, 172, 5, 8, 4, 512, 512), "impossible header value dim=2147483647"),
    ((64, 172, 5, 8, 4, 512, -1), "impossible header value seq_len=-1"),
    ((4096, 11008, 32, 32, 32, 32000, 2048), "describes a model of more than 2 GB"),
])
def test_loader_reports_impossible_headers(loader, tmp_path, fields, message):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(header(*fields) + b"\0" * 4096)
    for how in ("mmap", "fp32"):
        assert message in _fail(loader, bad, how=how)


def test_loader_explains_a_file_smaller_than_the_header(loader, tmp_path):
    tiny = tmp_path / "tiny.bin"
    for size in (0, 3, 27):
        tiny.write_bytes(b"\1" * size)
        for how in ("mmap", "fp32"):
            assert f"{size} bytes, smaller than the 28-byte llama2.c header" in \
                _fail(loader, tiny, how=how)


def test_loader_refuses_a_header_whose_sizes_overflow_32_bits(loader, tmp_path):
    # issue 9: the file has exactly the bytes the header describes, but the key/value
    # cache (n_layers x seq_len x dim = 2^32 floats) wraps a 32-bit int to 0
    path = tmp_path / "ovf.bin"
    with open(path, "wb") as f:
        f.write(header(4, 2, 1024, 1, 1, 512, 1048576))
        f.truncate(17_178_668)
    err = _fail(loader, path, how="fp32")
    assert "needs 32785 MB of memory" in err and "1024 x 1048576 x 4" in err


def test_loader_checks_where_the_program_weights_end(loader, shared_models):
    model = shared_models / "stories260K.bin"
    assert "weights end at 1056540" in _run(loader, model, "", 1056540, how="fp32").stdout
    err = _fail(loader, model, shared_models / "tok512.bin", 1056540 + 20480 * 4, how="fp32")
    assert "n_kv_heads=4 for n_heads=8 (grouped-query attention)" in err
    mha = shared_models / "stories260K_mha.bin"
    err = _fail(loader, mha, shared_models / "tok512.bin", 1000, how="fp32")
    assert "reads the weights as ending at byte 1000, the file's header puts their end at " \
           "byte 1138460" in err


# ---------------------------------------------------------------------------- int8 (runq.c)

def int8_file(path, dim=64, hidden=172, layers=5, heads=8, kv=4, vocab=512, seq=512,
              shared=1, group=4, cut=0):
    def q8(n):
        return n + 4 * (n // max(group, 1))
    kv_dim = dim // heads * kv
    size = 256 + 4 * (2 * layers * dim + dim) + q8(vocab * dim) * (2 - shared)
    size += layers * (2 * q8(dim * dim) + 2 * q8(dim * kv_dim) + 3 * q8(dim * hidden))
    head = struct.pack("<Ii7iBi", 0x616B3432, 2, dim, hidden, layers, heads, kv, vocab, seq,
                       shared, group)
    path.write_bytes(head + bytes(256 - len(head)) + bytes(size - 256 - cut))
    return path, size


def test_loader_reads_an_int8_checkpoint(loader, tmp_path):
    for shared in (1, 0):
        path, size = int8_file(tmp_path / "q.bin", shared=shared)
        for how in ("mmap", "int8"):
            proc = _run(loader, path, "", size, how=how)
            assert proc.returncode == 0, proc.stderr
            assert f"loaded {size} bytes" in proc.stdout and f"weights end at {size}" in proc.stdout


@pytest.mark.parametrize("kwargs, message", [
    (dict(group=64), "group_size=64 (it must divide dim=64 and hidden_dim=172)"),
    (dict(group=0), "group_size=0"),
    (dict(shared=7), "shared_classifier=7 (0 or 1)"),
    (dict(vocab=-512), "impossible header value vocab_size=-512 (allowed: 1 to 1048576)"),
    (dict(dim=10, heads=5, kv=5, hidden=12, vocab=259, group=2), "misaligned"),
    (dict(cut=1), "is truncated"),
])
def test_loader_checks_int8_headers(loader, tmp_path, kwargs, message):
    path, _ = int8_file(tmp_path / "q.bin", **kwargs)
    for how in ("mmap", "int8"):
        assert message in _fail(loader, path, how=how)


def test_loader_knows_which_format_the_program_reads(loader, tmp_path, shared_models):
    path, _ = int8_file(tmp_path / "q.bin")
    assert "export version 2 file (magic \"ak42\", int8): this program reads legacy fp32" in \
        _fail(loader, path, how="fp32")
    assert "is not an int8 llama2.c checkpoint" in \
        _fail(loader, shared_models / "stories260K.bin", how="int8")
    v1 = tmp_path / "v1.bin"
    v1.write_bytes(struct.pack("<Ii", 0x616B3432, 1) + bytes(300))
    assert "export version 1: this program reads version 2" in _fail(loader, v1, how="int8")
    assert "export version 1 file" in _fail(loader, v1, how="fp32")


# ---------------------------------------------------------------------------- vocabulary

def vocab_file(path, n=512, max_len=None, lengths=None):
    tokens = [b"<unk>", b"<s>", b"</s>"] + [b"<0x%02X>" % i for i in range(256)] + [b" "]
    tokens += [b"t%d" % i for i in range(n - len(tokens))]
    tokens = tokens[:n]
    out = [struct.pack("<i", max_len if max_len is not None else max(map(len, tokens)))]
    for i, tok in enumerate(tokens):
        length = (lengths or {}).get(i, len(tok))
        out.append(struct.pack("<fi", 0.0, length) + tok)
    path.write_bytes(b"".join(out))
    return path


def test_loader_accepts_real_vocabularies(loader, shared_models):
    proc = _run(loader, shared_models / "stories260K.bin", shared_models / "tok512.bin")
    assert proc.returncode == 0 and "vocabulary ok" in proc.stdout, proc.stderr
    proc = _run(loader, shared_models / "stories260K.bin", shared_models / "nothere.bin")
    assert proc.returncode == 0 and "vocabulary missing" in proc.stdout   # the program says it


@pytest.mark.parametrize("kwargs, message", [
    (dict(lengths={5: -1}), "token 5 has length -1 (allowed: 1 to max_token_length=6) at byte 72"),
    (dict(lengths={5: 0x40000000}), "token 5 has length 1073741824"),
    (dict(max_len=-1), "impossible max_token_length=-1"),
    (dict(max_len=0), "impossible max_token_length=0"),
    (dict(n=511), "it has only 511 tokens, the model's vocab_size is 512"),
    (dict(n=513), "has 513 tokens but the model's vocab_size is 512"),
    (dict(n=2), "it has only 2 tokens"),
])
def test_loader_checks_the_vocabulary(loader, tmp_path, shared_models, kwargs, message):
    path = vocab_file(tmp_path / "v.bin", **kwargs)
    assert message in _fail(loader, shared_models / "stories260K.bin", path)


def test_loader_refuses_the_llama_vocabulary_for_a_512_token_model(loader, shared_models):
    err = _fail(loader, shared_models / "stories260K.bin", shared_models / "tokenizer.bin")
    assert "has 32000 tokens but the model's vocab_size is 512" in err


def test_loader_takes_a_vocabulary_without_byte_tokens(loader, tmp_path, shared_models):
    # the encoder's ids stay inside it (encode-token-ids patch), so any 512 tokens do
    path = vocab_file(tmp_path / "v.bin")
    data = path.read_bytes().replace(struct.pack("<fi", 0.0, 1) + b" ",
                                     struct.pack("<fi", 0.0, 1) + b"_")
    path.write_bytes(data)
    proc = _run(loader, shared_models / "stories260K.bin", path)
    assert proc.returncode == 0 and "vocabulary ok" in proc.stdout, proc.stderr


def test_loader_reports_memory_needed(loader, tmp_path):
    pytest.importorskip("resource")
    import resource

    # a header asking for ~200 MB of weights, in a file of that apparent size (sparse)
    big = tmp_path / "big.bin"
    size = 28 + 4 * (32000 * 512 + 8 * 512 * 2 + 8 * 512 * 512 * 4 + 8 * 512 * 1376 * 3 + 512
                     + 256 * 64)
    with open(big, "wb") as f:
        f.write(header(512, 1376, 8, 8, 8, 32000, 256))
        f.truncate(size)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (64 << 20, 64 << 20))

    # without the sanitizers (they reserve far more address space than the limit)
    exe = tmp_path / "plain"
    (tmp_path / "drv.c").write_text(LOADER_DRIVER)
    subprocess.run(["gcc", "-std=c89", f"-I{ENGINE}", str(tmp_path / "drv.c"),
                    str(ENGINE / "l98load.c"), "-o", str(exe)], check=True)
    proc = subprocess.run([str(exe), "mmap", str(big)], capture_output=True, text=True,
                          preexec_fn=limit)
    assert proc.returncode != 0
    assert "not enough memory" in proc.stderr and "MB" in proc.stderr


def test_strcpy_fit(tmp_path):
    need_tool("gcc")
    (tmp_path / "t.c").write_text(
        '#include <stdio.h>\n#include "l98load.h"\n'
        'int main(int argc, char **argv) { char b[8]; (void)argc;\n'
        '  printf("%s\\n", l98_strcpy_fit(b, argv[1], sizeof b)); return 0; }\n')
    subprocess.run(["gcc", "-std=c89", "-pedantic-errors", "-fsanitize=address", f"-I{ENGINE}",
                    str(tmp_path / "t.c"), str(ENGINE / "l98load.c"), "-o",
                    str(tmp_path / "t")], check=True)
    ok = subprocess.run([str(tmp_path / "t"), "1234567"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout == "1234567\n"
    bad = subprocess.run([str(tmp_path / "t"), "12345678"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr == "llama98: a prompt of 8 bytes is too long here: this program takes " \
                         "at most 7\n"
