"""llama98's patches apply by structure to both llama2.c versions, and fail loudly."""

from __future__ import annotations

import pytest

from toolchain.diag import ToolchainError
from toolchain.patching import apply_patches, load_patch_set, PATCH_DIR


def _check_patched(text: str) -> None:
    assert '#include "l98load.h"' in text
    assert "<sys/mman.h>" not in text and '"win.h"' not in text
    for old, new in [("mmap(", "l98_mmap("), ("munmap(", "l98_munmap("),
                     ("open(", "l98_open("), ("close(", "l98_close(")]:
        assert new in text
    assert " mmap(" not in text and "= mmap(" not in text
    assert '"TOKENIZE.BIN"' in text and '"tokenizer.bin"' not in text
    # fclose/fopen are not touched: only whole-name calls are renamed
    assert "fclose(file)" in text and "fopen(" in text


def test_patches_apply_to_the_2023_run_c(llamac2py_run_c):
    result = apply_patches(llamac2py_run_c.read_text(), "run.c")
    _check_patched(result.text)
    assert [a.split(":")[0] for a in result.applied] == ["fread-loader", "dos-names",
                                                         "dos-names-messages"]


def test_patches_apply_to_the_pinned_run_c(pinned_run_c):
    _check_patched(apply_patches(pinned_run_c.read_text(), "run.c").text)


def test_patches_keep_everything_else(llamac2py_run_c):
    original = llamac2py_run_c.read_text()
    patched = apply_patches(original, "run.c").text
    # comments and layout survive: only the touched lines differ
    import difflib
    diff = [line for line in difflib.unified_diff(original.splitlines(), patched.splitlines(),
                                                 lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    # 6 lines of the include group become 1; 4 calls and 2 string literals change
    assert len([d for d in diff if d.startswith("-")]) <= 12
    assert len([d for d in diff if d.startswith("+")]) <= 7


def test_patch_that_no_longer_applies_fails_loudly():
    source = "#include <stdio.h>\nint main(void) { return 0; }\n"
    with pytest.raises(ToolchainError) as err:
        apply_patches(source, "other.c")
    assert "fread-loader" in err.value.message and "no longer applies" in err.value.message
    assert "<sys/mman.h>" in err.value.message
    assert err.value.exit_code == 2


def test_renaming_ignores_members_comments_strings_and_declarations():
    source = ('#include <sys/mman.h>\n'
              'int open(const char *p, int f);\n'
              '/* mmap(x) in a comment */\n'
              'void f(struct s *t) { t->close(1); puts("open(x)"); '
              'void *d = mmap(0, 1, 0, 0, open("tokenizer.bin", 0), 0); munmap(d, 1); close(3); }\n')
    text = apply_patches(source, "t.c").text
    assert "int open(const char *p" in text
    assert "/* mmap(x) in a comment */" in text
    assert "t->close(1)" in text and '"open(x)"' in text
    assert "l98_mmap(0, 1, 0, 0, l98_open(" in text and "l98_close(3)" in text


def test_patch_set_is_valid_data():
    patches = load_patch_set(PATCH_DIR / "llama2c.toml")
    assert {p["id"] for p in patches} == {"fread-loader", "dos-names", "dos-names-messages"}
    for p in patches:
        assert p["summary"] and p["why"].strip()
