"""c89port command line: trees, targets, configurations, JSON, progress."""

import json

from toolchain.c89.cli import load_targets, main, parse_config

C99 = "int f(int n) {\n    g();\n    int a = n; // x\n    return a;\n}\n"
C89 = "int f(int n) {\n    int a;\n    g();\n    a = n; /* x */\n    return a;\n}\n"


def tree(tmp_path, files):
    src = tmp_path / "src"
    for rel, text in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return src


def test_tree_is_mirrored_with_headers_and_no_other_files(tmp_path, capsys):
    src = tree(tmp_path, {"a.c": C99, "sub/b.h": "static inline int h(void) { return 1; }\n",
                          "sub/c.h": "int plain(void);\n", "README": "hi\n"})
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out), "--progress", "never"]) == 0
    assert (out / "a.c").read_text() == C89
    assert (out / "sub/b.h").read_text() == "static int h(void) { return 1; }\n"
    assert (out / "sub/c.h").read_text() == "int plain(void);\n"
    assert not (out / "README").exists()
    assert "c89compat" not in (out / "sub/b.h").read_text()


def test_progress_lines(tmp_path, capsys):
    src = tree(tmp_path, {f"f{i}.c": "int x%d;\n" % i for i in range(7)})
    assert main([str(src), "--check"]) == 0
    err = capsys.readouterr().err
    assert "[1/7] " in err and "[7/7] " in err
    assert main([str(src), "--check", "--progress", "never"]) == 0
    assert "[1/7]" not in capsys.readouterr().err


def test_json_report_and_failed_unit_writes_nothing(tmp_path, capsys):
    src = tree(tmp_path, {"good.c": C99, "bad.c": "double h = 0x1p4;\n"})
    out = tmp_path / "out"
    assert main([str(src), "-o", str(out), "--json", "--progress", "never"]) == 2
    rep = json.loads(capsys.readouterr().out)
    files = {f["path"].rsplit("/", 1)[-1]: f for f in rep["files"]}
    assert rep["exit_status"] == 2
    assert files["good.c"]["status"] == "changed" and "declarations" in files["good.c"]["passes"]
    assert files["bad.c"]["status"] == "failed"
    d = files["bad.c"]["diagnostics"][0]
    assert (d["line"], d["col"], d["severity"], d["code"]) == (1, 12, "error", "c89-unsupported")
    assert (out / "good.c").exists() and not (out / "bad.c").exists()


def test_targets_table_and_target_defines(tmp_path, capsys):
    t = load_targets()          # the compilers' macros come from their drivers
    assert {"__BORLANDC__=0x520", "__WIN32__"} <= set(t["borland"]["defines"])
    assert "__WATCOMC__=1300" in t["openwatcom"]["defines"] and "_WIN32" in t["win98-p2"]["defines"]
    src = tree(tmp_path, {"w.c": "#ifdef __BORLANDC__\nint f(void) { for (int i = 0; i < 2; i++) ; "
                                 "return 0; }\n#endif\n"})
    assert main([str(src / "w.c"), "--check", "--target", "borland"]) == 1
    assert main([str(src / "w.c"), "--check", "--target", "openwatcom"]) == 0
    err = capsys.readouterr().err
    assert "c89-inactive" in err and "__WATCOMC__=1300" in err
    assert main([str(src / "w.c"), "--check", "--target", "nope"]) == 2


def test_configurations_each_get_ported(tmp_path, capsys):
    text = ("#ifdef FAST\nint g(void) { for (int i = 0; i < 3; i++) ; return 0; }\n#else\n"
            + C99 + "#endif\n")
    src = tree(tmp_path, {"c.c": text})
    out = tmp_path / "out"
    assert main([str(src / "c.c"), "-o", str(out), "--config", "", "--config", "-DFAST"]) == 0
    got = (out / "c.c").read_text()
    assert "int i;" in got and "for (i = 0;" in got and C89 in got
    assert "c89-inactive" not in capsys.readouterr().err
    # only the plain configuration: the FAST branch is reported, not converted
    assert main([str(src / "c.c"), "--check"]) == 1
    assert "c89-inactive" in capsys.readouterr().err
    assert main([str(out / "c.c"), "--check", "--config", "", "--config", "-DFAST"]) == 0


def test_parse_config():
    assert parse_config("-DFOO -D BAR=2 '-DS=a b'") == ["FOO", "BAR=2", "S=a b"]
    assert parse_config("") == []


def test_parse_error_explained_by_text_scan(tmp_path, capsys):
    src = tree(tmp_path, {"g.c": "#define T(x) _Generic((x), int: 1, default: 0)\nint v = T(1);\n"})
    assert main([str(src / "g.c"), "--check"]) == 2
    err = capsys.readouterr().err
    assert "_Generic (C11)" in err and "Traceback" not in err


def test_help_is_complete(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for word in ("--target", "--config", "--json", "--check", "--diff", "-I", "-D", "exit status",
                 "borland", "watcom"):
        assert word in text


def test_check_names_what_each_file_needs(tmp_path, capsys):
    src = tree(tmp_path, {"new.c": C99, "old.c": C89})
    assert main([str(src), "--check", "--progress", "never"]) == 1
    out = capsys.readouterr().out
    assert f"{src / 'new.c'}: needs porting: comments, declarations" in out
    assert "old.c" not in out
    assert main([str(src / "old.c"), "--check"]) == 0
