"""Issue 13, item 1: c89port's output folder builds as written.

A user runs ``c89port SRC -o OUT`` and then ``gcc -std=c89 -pedantic-errors
OUT/*.c`` (or tcc): no extra -I, no file from anywhere else.  So the output
folder must hold c89compat.h and exactly the engine_c89 runtime sources the
port calls, and the summary and --json must name them (``--runtime DIR`` puts
them elsewhere, ``--no-runtime`` leaves them out for build systems that have
them).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from toolchain.runtime import by_role

from .strict_build import (REPO, STRICT, Ported, build_and_run, build_output, c89port,
                           compilers, have, port_tree, reference_output, runtime_in)

pytestmark = pytest.mark.skipif(not have("gcc"), reason="gcc is needed")


CORPUS = REPO / "tests" / "c89" / "corpus"

# README's example (toolchain/c89 "Before")
DEMO = r"""#include <stdio.h>
#include <stdint.h>
#include <math.h>

// xorshift, as in llama2.c
static uint32_t next_u32(unsigned long long *state) {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (*state * 0x2545F4914F6CDD1Dull) >> 32;
}

int main(void) {
    unsigned long long seed = 42;
    printf("seed %llu\n", seed);
    float sum = 0.0f;
    for (int i = 0; i < 4; i++) {
        float x = next_u32(&seed) / 4294967296.0f;  // in [0,1)
        sum += expf(-x);
    }
    printf("%.6f\n", sqrtf(sum));
    return 0;
}
"""

SNPRINTF = r"""#include <stdio.h>
int main(void) {
    char buf[8];
    int n = snprintf(buf, sizeof buf, "%s-%d", "abcdef", 12345);
    printf("%d [%s]\n", n, buf);
    return 0;
}
"""

COMMENTS_ONLY = "#include <stdio.h>\nint main(void) { puts(\"x\"); return 0; } // C99\n"


def _as_written(tmp_path, files: dict[str, str], ported: Ported) -> None:
    assert ported.status == 0, ported.stderr
    want = reference_output(tmp_path, files)
    for cc in compilers():
        got = build_output(ported.out, cc, tmp_path / f"{cc[0]}.exe", as_written=True)
        assert got == want, cc[0]


def test_readme_example_builds_as_written(tmp_path):
    files = {"demo.c": DEMO}
    _as_written(tmp_path, files, port_tree(tmp_path, files))


def test_snprintf_port_links_as_written(tmp_path):
    files = {"fmt.c": SNPRINTF}
    ported = port_tree(tmp_path, files)
    _as_written(tmp_path, files, ported)
    # exactly what the port calls: c89_snprintf's file and no other runtime
    assert [p.name for p in runtime_in(ported.out)] == ["c89snprintf.c"]


def test_summary_and_json_name_the_runtime_files(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "fmt.c").write_text(SNPRINTF)
    status, out, err = c89port([str(src), "-o", str(tmp_path / "a")])
    assert status == 0
    assert "c89compat.h" in out + err and "c89snprintf.c" in out + err
    status, out, err = c89port([str(src), "-o", str(tmp_path / "b"), "--json"])
    assert status == 0
    text = json.dumps(json.loads(out))
    assert "c89compat.h" in text and "c89snprintf.c" in text


def test_runtime_dir_option(tmp_path):
    files = {"fmt.c": SNPRINTF}
    rt = tmp_path / "rt"
    ported = port_tree(tmp_path, files, ["--runtime", str(rt)])
    assert ported.status == 0, ported.stderr
    assert not (ported.out / "c89compat.h").exists() and (rt / "c89compat.h").is_file()
    srcs = [ported.out / "fmt.c", *sorted(rt.glob("*.c"))]
    got = build_and_run(["gcc", *STRICT], srcs, tmp_path / "x.exe", incs=[rt])
    assert got == reference_output(tmp_path, files)


def test_no_runtime_option(tmp_path):
    ported = port_tree(tmp_path, {"fmt.c": SNPRINTF}, ["--no-runtime"])
    assert ported.status == 0, ported.stderr
    assert sorted(p.name for p in ported.out.iterdir()) == ["fmt.c"]


def test_a_port_that_calls_nothing_gets_nothing(tmp_path):
    """Exactly the runtime the port calls: none for a comment-only change."""
    files = {"c.c": COMMENTS_ONLY}
    ported = port_tree(tmp_path, files)
    assert ported.status == 0, ported.stderr
    assert sorted(p.name for p in ported.out.iterdir()) == ["c.c"]
    _as_written(tmp_path, files, ported)


def _corpus_flags(text: str) -> list[str]:
    m = re.search(r"/\* c89-flags: ([^*]*)\*/", text)
    return m.group(1).split() if m else []


def test_corpus_output_folder_builds_as_written(tmp_path):
    """The whole corpus ported as one folder: every program compiles and links
    from that folder alone (its own file plus the runtime files there) with
    gcc -std=c89 -pedantic-errors and tcc.  (What they print is test_corpus's
    business.)"""
    out = tmp_path / "out"
    status, _, err = c89port([str(CORPUS), "-o", str(out)])
    assert status == 0, err
    runtime = [str(p) for p in runtime_in(out)]
    failures = []
    for src in sorted(CORPUS.glob("*.c")):
        for cc in compilers():
            cmd = [*cc, "-Werror", *_corpus_flags(src.read_text())] if cc[0] == "gcc" else cc
            cmd = [*cmd, str(out / src.name), *runtime, "-o", str(tmp_path / "a.out"), "-lm"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if proc.returncode != 0:
                failures.append(f"{src.name} ({cc[0]}): {proc.stderr.strip()[:300]}")
    assert not failures, "\n".join(failures)


def test_runtime_files_are_known():
    """The engine files the tests above look for exist (the manifest's 'port' role)."""
    names = {f.name for f in by_role("port")}
    assert {"c89snprintf.c", "c89math.c", "c89stdio.c"} <= names


NESTED = {
    "main.c": '#include <stdio.h>\n#include "lib/fmt.h"\n'
              'int main(void) {\n    char b[16];\n    long long n = fmt(b, sizeof b);\n'
              '    printf("%lld %s\\n", n, b);\n    return 0;\n}\n',
    "lib/fmt.h": "#include <stddef.h>\nlong long fmt(char *b, size_t n);\n",
    "lib/fmt.c": '#include <stdio.h>\n#include "fmt.h"\n'
                 'long long fmt(char *b, size_t n) {\n'
                 '    return snprintf(b, n, "%d-%d", 12, 345678) + 10000000000LL;\n}\n',
}


def test_compat_header_lands_beside_each_file_including_it(tmp_path):
    """A file in a subfolder finds "c89compat.h" in its own folder (no -I):
    the header is written beside every file that includes it; the runtime
    sources once, at the top."""
    ported = port_tree(tmp_path, NESTED)
    assert ported.status == 0, ported.stderr
    assert (ported.out / "c89compat.h").is_file() and (ported.out / "lib/c89compat.h").is_file()
    assert [p.relative_to(ported.out).as_posix() for p in runtime_in(ported.out)] \
        == ["c89snprintf.c"]
    want = reference_output(tmp_path, NESTED)
    for cc in compilers():
        got = build_output(ported.out, cc, tmp_path / f"{cc[0]}.exe", as_written=True)
        assert got == want, cc[0]


def test_an_output_folder_ported_again_is_the_same_folder(tmp_path):
    """The runtime files in an output folder are not ported again: --check
    finds nothing to do, and porting it elsewhere writes the same files."""
    ported = port_tree(tmp_path, NESTED)
    assert ported.status == 0, ported.stderr
    status, _, err = c89port([str(ported.out), "--check"])
    assert status == 0, err
    again = tmp_path / "again"
    status, _, err = c89port([str(ported.out), "-o", str(again)])
    assert status == 0, err
    files = sorted(p.relative_to(ported.out) for p in ported.out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in files:
        assert (again / rel).read_bytes() == (ported.out / rel).read_bytes(), rel


def test_a_changed_runtime_file_is_named_not_ported(tmp_path):
    ported = port_tree(tmp_path, {"fmt.c": SNPRINTF})
    (ported.out / "c89snprintf.c").write_text("int c89_snprintf;\n")
    status, _, err = c89port([str(ported.out), "-o", str(tmp_path / "again")])
    assert status == 0, err
    assert "c89snprintf.c: note: not ported" in err
    assert (tmp_path / "again" / "c89snprintf.c").read_bytes() == \
        (REPO / "engine_c89" / "c89snprintf.c").read_bytes()


def test_json_names_where_the_runtime_went(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "fmt.c").write_text(SNPRINTF)
    status, out, _ = c89port([str(src), "-o", str(tmp_path / "o"), "--runtime",
                              str(tmp_path / "rt"), "--json"])
    assert status == 0
    rt = {r["file"]: r["outputs"] for r in json.loads(out)["runtime"]}
    assert rt == {"c89compat.h": [str(tmp_path / "rt" / "c89compat.h")],
                  "c89snprintf.c": [str(tmp_path / "rt" / "c89snprintf.c")]}
    status, out, _ = c89port([str(src), "--check", "--json"])
    assert status == 1
    rt = {r["file"]: r["outputs"] for r in json.loads(out)["runtime"]}
    assert rt == {"c89compat.h": [], "c89snprintf.c": []}


def test_runtime_names_in_comments_and_strings_are_not_calls():
    from toolchain.c89.project import runtime_needed
    text = ('#include "c89compat.h"\n/* c89_snprintf */ const char *s = "c89_strtoll(";\n'
            "char q = '\"'; int n = c89_sscanf(s, \"%d\", &n); // c89_round\n")
    got = {c.source.name: c.outputs for c in runtime_needed([("sub/a.c", text)])}
    assert got == {"c89compat.h": ["sub/c89compat.h", "c89compat.h"],
                   "c89stdio.c": ["c89stdio.c"]}
