"""Issue 13, item 6: bytes in, bytes out, and the file system left alone.

Sources in any ASCII-compatible encoding pass through byte for byte (only
ASCII is ever edited); line endings are kept, inserted lines included;
trigraphs (which C89 compilers replace, even in strings) are warned about;
deep nesting is handled without an internal error; ``-o`` equal to or inside
an input folder is refused; only regular files are read; output files get
normal permissions; two inputs never overwrite each other's output.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import time

import pytest

from .strict_build import (assert_same_everywhere, c89port, c89port_popen, have, port_tree,
                           write_tree)

pytestmark = pytest.mark.skipif(not have("gcc"), reason="gcc is needed")


C99_BODY = b"""int main(void) {
    printf("x\\n");
    int a = 1; // one
    for (int i = 0; i < a; i++) printf("%d\\n", i);
    return 0;
}
"""


def _non_ascii_preserved(src: bytes, out: bytes) -> None:
    """Every maximal run of non-ASCII bytes of the input appears in the output, in order."""
    runs = re.findall(rb"[\x80-\xff]+", src)
    assert runs
    pos = 0
    for run in runs:
        k = out.find(run, pos)
        assert k >= 0, f"bytes {run!r} lost"
        pos = k + len(run)


@pytest.mark.parametrize("name,text", [
    ("latin1.c", b'#include <stdio.h>\n/* caf\xe9 */\nint main(void) {\n'
                 b'    printf("na\xefve\\n"); // \xe9t\xe9\n'
                 b'    for (int i = 0; i < 1; i++) printf("%d\\n", i);\n    return 0;\n}\n'),
    # Shift-JIS: no 0x5C trail byte here (that one a C compiler reads as a backslash)
    ("sjis.c", b'#include <stdio.h>\n// \x93\xfa\x96\x7b\x8c\xea\nint main(void) {\n'
               b'    printf("\x83\x65\x83\x58\x83\x67\\n");\n'
               b'    for (int i = 0; i < 1; i++) printf("%d\\n", i); // \x82\xa0\n'
               b'    return 0;\n}\n'),
], ids=["latin1", "shift-jis"])
def test_non_utf8_sources_pass_through_byte_for_byte(tmp_path, name, text):
    files = {name: text}
    ported = port_tree(tmp_path, files)
    assert ported.status == 0, ported.stderr
    out = (ported.out / name).read_bytes()
    _non_ascii_preserved(text, out)
    assert b"//" not in out and b"for (int" not in out
    assert_same_everywhere(tmp_path, files, ported)


def test_crlf_file_keeps_crlf_on_inserted_lines(tmp_path):
    text = b"#include <stdio.h>\r\n" + C99_BODY.replace(b"\n", b"\r\n")
    files = {"crlf.c": text}
    ported = port_tree(tmp_path, files)
    assert ported.status == 0, ported.stderr
    out = (ported.out / "crlf.c").read_bytes()
    assert out != text and out.endswith(b"\r\n")
    assert b"\n" not in out.replace(b"\r\n", b""), "a line ends with LF alone"
    assert_same_everywhere(tmp_path, files, ported)


def test_trigraph_in_a_string_is_warned(tmp_path):
    ported = port_tree(tmp_path, {"t.c": '#include <stdio.h>\nint main(void) {\n'
                                          '    printf("what??!\\n"); // C99 comment\n'
                                          '    return 0;\n}\n'})
    assert ported.status == 0, ported.stderr
    assert re.search(r"t\.c:3:\d+: warning: .*trigraph", ported.stderr), ported.stderr


def _else_if_chain(n: int) -> str:
    arms = "".join(f"    {'else ' if i else ''}if (x == {i}) r = {i} * 3;\n" for i in range(n))
    return ("#include <stdio.h>\nstatic int f(int x) {\n    int r = -1;\n" + arms
            + "    return r; // done\n}\nint main(void) {\n"
            + "    for (int i = 0; i < 2; i++) printf(\"%d\\n\", f(399 - i));\n"
            + "    return 0;\n}\n")


@pytest.mark.parametrize("text", [
    _else_if_chain(400),
    "#include <stdio.h>\nint main(void) {\n    printf(\"x\\n\");\n    int x = "
    + "(" * 150 + "1" + ")" * 150 + "; // deep\n    printf(\"%d\\n\", x);\n    return 0;\n}\n",
], ids=["400-else-if", "150-parentheses"])
def test_deep_nesting_ports(tmp_path, text):
    files = {"deep.c": text}
    ported = port_tree(tmp_path, files)
    assert "internal error" not in ported.stderr
    assert_same_everywhere(tmp_path, files, ported)


ORIG = "int f(void) { for (int i = 0; i < 2; i++) ; return 0; } // x\n"


def test_output_equal_to_the_input_folder_is_refused(tmp_path):
    src = write_tree(tmp_path / "src", {"a.c": ORIG})
    status, _, err = c89port([str(src), "-o", str(src)])
    assert status == 2 and "error" in err
    assert (src / "a.c").read_text() == ORIG
    assert sorted(p.name for p in src.iterdir()) == ["a.c"]


def test_output_inside_the_input_folder_is_refused(tmp_path):
    src = write_tree(tmp_path / "src", {"a.c": ORIG})
    for _ in range(2):
        status, _, err = c89port([str(src), "-o", str(src / "out")])
        assert status == 2 and "error" in err
    assert sorted(p.name for p in src.iterdir()) == ["a.c"]


def test_output_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        ported = port_tree(tmp_path, {"a.c": ORIG})
    finally:
        os.umask(old)
    assert ported.status == 0, ported.stderr
    assert stat.S_IMODE((ported.out / "a.c").stat().st_mode) == 0o644


def test_two_inputs_with_the_same_relative_path_do_not_overwrite(tmp_path):
    write_tree(tmp_path / "d1", {"x/f.c": "int a(void) { return 1; } // 1\n"})
    write_tree(tmp_path / "d2", {"x/f.c": "int b(void) { return 2; } // 2\n"})
    out = tmp_path / "out"
    status, _, err = c89port([str(tmp_path / "d1"), str(tmp_path / "d2"), "-o", str(out)])
    assert status == 2 and "f.c" in err and "error" in err


def test_a_fifo_in_the_input_folder_is_not_read(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    src = write_tree(tmp_path / "src", {"ok.c": ORIG})
    os.mkfifo(src / "pipe.c")
    child = c89port_popen([str(src), "-o", str(tmp_path / "out")])
    opened = False
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        try:   # succeeds only while a reader has the FIFO open
            fd = os.open(src / "pipe.c", os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            assert exc.errno == errno.ENXIO
            time.sleep(0.05)
            continue
        opened = True
        os.close(fd)   # the reader sees end of file and goes on
    if child.poll() is None:
        child.kill()
    _, err = child.communicate()
    assert not opened, "c89port opened the FIFO pipe.c"
    assert "pipe.c" in err


def test_insertions_at_a_crlf_line_end_go_before_the_cr():
    from toolchain.c89.source import EditList
    e = EditList("a;\r\nb;\r\n")
    e.insert(3, "\nc;")      # at the LF of the first line, as passes do
    e.insert(7, " /* x */")
    assert e.apply() == "a;\r\nc;\r\nb; /* x */\r\n"
    # an LF file keeps LF, and a mostly-LF file too
    e = EditList("a;\nb;\r\nc;\nd;\n")
    e.insert(2, "\ne;")
    assert e.apply() == "a;\ne;\nb;\r\nc;\nd;\n"


def test_deep_nesting_in_worker_processes(tmp_path):
    files = {"a.c": _else_if_chain(400), "b.c": "int b(void) { return 1; } // b\n"}
    src = write_tree(tmp_path / "src", files)
    status, _, err = c89port([str(src), "-o", str(tmp_path / "out"), "-j", "2"])
    assert status == 0, err
    assert "/* done */" in (tmp_path / "out" / "a.c").read_text()


def test_runtime_folder_inside_the_input_is_refused(tmp_path):
    src = write_tree(tmp_path / "src", {"a.c": ORIG})
    status, _, err = c89port([str(src), "-o", str(tmp_path / "out"), "--runtime",
                              str(src / "rt")])
    assert status == 2 and err.count("c89port: error:") == 1
    assert not (tmp_path / "out").exists() and not (src / "rt").exists()


def test_an_input_file_is_never_its_own_output(tmp_path):
    src = write_tree(tmp_path / "src", {"a.c": ORIG})
    status, _, err = c89port([str(src / "a.c"), "-o", str(src)])
    assert status == 2 and err.count("c89port: error:") == 1
    assert (src / "a.c").read_text() == ORIG


def test_the_same_file_named_twice_is_ported_once(tmp_path):
    src = write_tree(tmp_path / "src", {"a.c": ORIG})
    status, _, err = c89port([str(src), str(src / "a.c"), "-o", str(tmp_path / "out")])
    assert status == 0, err


def test_a_fifo_named_on_the_command_line_is_refused(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(tmp_path / "p.c")
    status, _, err = c89port([str(tmp_path / "p.c"), "-o", str(tmp_path / "out")])
    assert status == 2 and "not a regular file" in err


def test_nesting_too_deep_to_analyse_is_one_error_line(tmp_path):
    """Past what the analysis can walk (100,000 parentheses) the file fails
    with one located error: no internal error, no crash, nothing written."""
    text = "int x = " + "(" * 100_000 + "1" + ")" * 100_000 + "; // deep\n"
    ported = port_tree(tmp_path, {"deep.c": text})
    assert ported.status == 2
    assert "internal error" not in ported.stderr
    assert re.search(r"c89port: error: .*deep\.c: the code nests too deeply", ported.stderr)
    assert not (ported.out / "deep.c").exists()
