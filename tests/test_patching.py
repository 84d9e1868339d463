"""llama98's patches apply by structure to every llama2.c version, and fail loudly."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from support import SHARED
from toolchain.diag import ToolchainError
from toolchain.patching import PATCH_DIR, apply_patches, load_patch_set

PATCH_IDS = ["fread-loader", "dos-names", "model-checks", "vocab-checks", "encode-token-ids",
             "topp-empty-nucleus", "chat-prompt-bounds", "stdin-eof", "prompt-buffer",
             "dos-names-messages"]


@pytest.fixture(scope="session")
def pinned_runq_c(pinned_run_c) -> Path:
    path = pinned_run_c.parent / "runq.c"
    if not path.is_file():
        pytest.skip(f"no runq.c beside {pinned_run_c}")
    return path


@pytest.fixture(scope="session")
def versions(llamac2py_run_c, pinned_run_c, pinned_runq_c) -> dict[str, str]:
    return {"july-2023 run.c": llamac2py_run_c.read_text(),
            "pinned run.c": pinned_run_c.read_text(), "pinned runq.c": pinned_runq_c.read_text()}


def _check_patched(text: str) -> None:
    assert '#include "l98load.h"' in text
    assert "<sys/mman.h>" not in text and '"win.h"' not in text
    for new in ("l98_mmap(", "l98_munmap(", "l98_open(", "l98_close(", "l98_fopen_model(",
                "l98_fread_model(", "l98_fclose_model(", "l98_fopen_vocab(",
                "l98_weights_end(ptr);"):
        assert new in text
    assert " mmap(" not in text and "= mmap(" not in text
    assert '"TOKENIZE.BIN"' in text and '"tokenizer.bin"' not in text
    # only the checkpoint's and the vocabulary's calls are hooked
    assert text.count("l98_fopen_model(") == 1 and text.count("l98_fopen_vocab(") == 1
    assert " fopen(" not in text and "= fopen(" not in text


def test_patches_apply_to_the_2023_run_c(llamac2py_run_c):
    result = apply_patches(llamac2py_run_c.read_text(), "run.c")
    _check_patched(result.text)
    assert [a.split(":")[0] for a in result.applied] == [
        "fread-loader", "dos-names", "model-checks", "vocab-checks", "prompt-buffer", "dos-names-messages"]
    assert "malloc((config.seq_len + strlen(prompt) + 3) * sizeof(int))" in result.text
    skipped = [n for n in result.notes if "not needed here" in n]
    assert len(skipped) == 4 and all("July 2023" in n for n in skipped)


@pytest.mark.parametrize("name", ["run.c", "runq.c"])
def test_patches_apply_to_the_pinned_sources(pinned_run_c, name):
    path = pinned_run_c.parent / name
    if not path.is_file():
        pytest.skip(f"no {path}")
    result = apply_patches(path.read_text(), name)
    text = result.text
    _check_patched(text)
    assert [a.split(":")[0] for a in result.applied] == [
        i for i in PATCH_IDS if i not in ("prompt-buffer", "dos-names-messages")]
    assert "if (n0 == 0) { return sample_argmax(probabilities, n); }\n" \
           "    qsort(probindex, n0, sizeof(ProbIndex), compare);" in text
    assert "l98_strcpy_fit(system_prompt, cli_system_prompt, sizeof system_prompt);" in text
    assert "l98_strcpy_fit(user_prompt, cli_user_prompt, sizeof user_prompt);" in text
    assert "    buffer[0] = '\\0';\n    if (fgets(buffer, bufsize, stdin) != NULL) {" in text
    assert "strcpy(" not in text.replace("l98_strcpy_fit(", "")
    assert "tokens[(*n_tokens)++] = l98_token_id(dummy_prefix, t->vocab_size);" in text
    assert "tokens[(*n_tokens)++] = l98_token_id((unsigned char)str_buffer[i] + 3, " \
           "t->vocab_size);" in text
    assert text.count("l98_token_id(") == 5
    # runq.c reads its header in five freads, run.c in one: all are hooked
    assert text.count("l98_fread_model(") == (5 if name == "runq.c" else 1)
    assert "(fread(&len, sizeof(int), 1, file)" in text     # the vocabulary's own reads


def test_every_patch_and_operation_is_used_by_some_version(versions):
    """Non-optional operations apply to every version; optional ones to at least one."""
    applied: dict[str, set[str]] = {}
    for name, text in versions.items():
        result = apply_patches(text, name)
        applied[name] = {a.split(":")[0] for a in result.applied}
    for patch in load_patch_set(PATCH_DIR / "llama2c.toml"):
        users = [name for name in versions if patch["id"] in applied[name]]
        assert users, f"patch {patch['id']} applies to no version"
        if not any(op.get("optional") for op in patch["op"]):
            assert len(users) == len(versions), patch["id"]


def test_patches_keep_everything_else(llamac2py_run_c):
    original = llamac2py_run_c.read_text()
    patched = apply_patches(original, "run.c").text
    # comments and layout survive: only the touched lines differ
    diff = [line for line in difflib.unified_diff(original.splitlines(), patched.splitlines(),
                                                 lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    # 6 lines of the include group become 1; 4 + 3 + 1 calls, 2 string literals and the
    # prompt buffer change; l98_weights_end() is one new line
    assert len([d for d in diff if d.startswith("-")]) == 6 + 10
    assert len([d for d in diff if d.startswith("+")]) == 1 + 10 + 1


def test_patch_that_no_longer_applies_fails_loudly():
    source = "#include <stdio.h>\nint main(void) { return 0; }\n"
    with pytest.raises(ToolchainError) as err:
        apply_patches(source, "other.c")
    assert "fread-loader" in err.value.message and "no longer applies" in err.value.message
    assert "<sys/mman.h>" in err.value.message
    assert err.value.exit_code == 2


def test_patch_set_is_valid_data():
    patches = load_patch_set(PATCH_DIR / "llama2c.toml")
    assert [p["id"] for p in patches] == PATCH_IDS
    for p in patches:
        assert p["summary"] and p["why"].strip()
        for op in p["op"]:
            assert not op.get("optional") or op["optional_why"].strip()


# ---------------------------------------------------------------------------- operations

def _patch(tmp_path, body: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text('[[patch]]\nid = "t"\nsummary = "s"\nwhy = "w"\n' + body)
    return path


def test_renaming_ignores_members_comments_strings_and_declarations(tmp_path):
    source = ('#include <sys/mman.h>\n'
              'int open(const char *p, int f);\n'
              '/* mmap(x) in a comment */\n'
              'void f(struct s *t) { t->close(1); puts("open(x)"); '
              'void *d = mmap(0, 1, 0, 0, open("tokenizer.bin", 0), 0); munmap(d, 1); close(3); }\n')
    text = apply_patches(source, "t.c", PATCH_DIR / "llama2c.toml",
                         skip=tuple(PATCH_IDS[2:])).text
    assert "int open(const char *p" in text
    assert "/* mmap(x) in a comment */" in text
    assert "t->close(1)" in text and '"open(x)"' in text
    assert "l98_mmap(0, 1, 0, 0, l98_open(" in text and "l98_close(3)" in text


def test_rename_within_the_innermost_blocks_using_names(tmp_path):
    patch = _patch(tmp_path, '[[patch.op]]\nop = "rename-calls"\nwithin = ["fopen", "vocab"]\n'
                             'calls = { fopen = "my_fopen" }\nrequired = ["fopen"]\n')
    source = ("int vocab;\n"
              "int main(void) {\n"
              "    { FILE *m = fopen(a, b); }\n"
              "    { FILE *v = fopen(c, d); vocab = 1; }\n"
              "    struct { int vocab; } s;\n"
              "}\n")
    text = apply_patches(source, "t.c", patch).text
    # main's body uses both names too, but a block inside it is the innermost one
    assert "FILE *m = fopen(a, b)" in text and "FILE *v = my_fopen(c, d)" in text
    with pytest.raises(ToolchainError, match="no block using fopen, vocab found"):
        apply_patches("int main(void) { fopen(a, b); }\n", "t.c", patch)


def test_insert_before_and_after_statements(tmp_path):
    patch = _patch(tmp_path, '[[patch.op]]\nop = "insert"\nfunction = "f"\n'
                             'before = "qsort($a, $n, $size, $cmp);"\n'
                             'text = "if ($n == 0) { return; }"\n'
                             '[[patch.op]]\nop = "insert"\nafter = "$w->x = $v;"\n'
                             'text = "check($w);"\ncount = 1\n')
    source = ("void g(void) { qsort(p, k, 4, c); }\n"
              "void f(int *p, int k) {\n"
              "    /* sort */\n"
              "    qsort(p, k,\n          sizeof(int), cmp);\n"
              "    s->x = cond ? (a) : b[2];\n"
              "}\n")
    text = apply_patches(source, "t.c", patch).text
    assert ("    /* sort */\n    if (k == 0) { return; }\n    qsort(p, k,\n" in text)
    assert "void g(void) { qsort(p, k, 4, c); }" in text      # other functions untouched
    assert "    s->x = cond ? (a) : b[2];\n    check(s);\n}" in text


def test_insert_needs_a_statement_start_and_counts(tmp_path):
    patch = _patch(tmp_path, '[[patch.op]]\nop = "insert"\nbefore = "g(1);"\ntext = "h();"\n'
                             'count = 2\n')
    text = apply_patches("void f(void) { g(1); x = g(1); g(1); }\n", "t.c", patch).text
    assert text == "void f(void) { h(); g(1); x = g(1); h(); g(1); }\n"
    with pytest.raises(ToolchainError, match="1 x statement 'g\\(1\\);' found, the patch "
                                             "expects 2"):
        apply_patches("void f(void) { g(1); }\n", "t.c", patch)


def test_replace_code_with_variables(tmp_path):
    patch = _patch(tmp_path, '[[patch.op]]\nop = "replace-code"\nfunction = "chat"\n'
                             'find = "strcpy($dst, $src)"\n'
                             'with = "fit($dst, $src, sizeof $dst)"\n'
                             '[[patch.op]]\nop = "replace-code"\nfind = "max($a, $a)"\n'
                             'with = "$a"\n')
    source = ("void chat(char *p) { char b[8]; strcpy(b, f(p, 1)); strcpy(c[1], p); }\n"
              "void other(void) { strcpy(x, y); return max(u + 1, u + 1) + max(u, v); }\n")
    text = apply_patches(source, "t.c", patch).text
    assert "fit(b, f(p, 1), sizeof b); fit(c[1], p, sizeof c[1]);" in text
    assert "strcpy(x, y); return u + 1 + max(u, v);" in text


def test_optional_operation_notes_what_it_skipped(tmp_path):
    patch = _patch(tmp_path, '[[patch.op]]\nop = "replace-code"\nfunction = "chat"\n'
                             'find = "a"\nwith = "b"\noptional = true\n'
                             'optional_why = "versions without chat"\n')
    result = apply_patches("int f(void) { return a; }\n", "t.c", patch)
    assert result.text == "int f(void) { return a; }\n" and result.applied == []
    assert result.notes == ["t: replace-code not needed here (no definition of function chat() "
                            "found): versions without chat"]


@pytest.mark.parametrize("op, message", [
    ('op = "insert"\ntext = "x;"', "give exactly one of before / after"),
    ('op = "insert"\nbefore = "a;"\nafter = "b;"\ntext = "x;"', "exactly one of"),
    ('op = "insert"\nafter = "a"\ntext = "x;"', "must end with ';'"),
    ('op = "replace-code"\nfind = "f($a)"\nwith = "g($b)"', "with uses $b, not in find"),
    ('op = "replace-code"\nfind = "a"\nwith = "b"\noptional = true', "must say why"),
    ('op = "replace-code"\nfind = "a"\nwith = "b"\nwhere = "c"', "unknown key(s) where"),
    ('op = "rename-calls"', "missing calls"),
    ('op = "delete-everything"', "unknown operation"),
])
def test_bad_patch_sets_are_refused(tmp_path, op, message):
    with pytest.raises(ToolchainError) as err:
        load_patch_set(_patch(tmp_path, "[[patch.op]]\n" + op + "\n"))
    assert message in err.value.message and err.value.exit_code == 2


def test_shared_llama2c_is_where_the_tests_expect_it():
    if not (SHARED / "llama2.c" / "runq.c").is_file():
        pytest.skip("no ../shared/llama2.c")
    assert (SHARED / "llama2.c" / "run.c").is_file()
