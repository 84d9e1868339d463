"""The pass contract: the registry, the README's table of it, diagnostics
named after their pass, errors that travel as diagnostics."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from toolchain.c89 import passes, port_source
from toolchain.c89.cli import main
from toolchain.c89.passes import PASSES
from toolchain.c89.passes.base import PHASES, PassSpec
from toolchain.diag import ToolchainError

from .conftest import REPO


def _readme_table() -> list[tuple[str, str]]:
    """(pass, phase) rows of README's table of the passes."""
    text = (REPO / "README.md").read_text("utf-8")
    head = text.index("| pass | phase | what it does |")
    rows = []
    for line in text[head:].splitlines()[2:]:
        m = re.match(r"^\| `(\w+)` \| (\w+) \|", line)
        if not m:
            break
        rows.append((m.group(1), m.group(2)))
    return rows


def test_readme_pass_table_is_the_registry():
    assert _readme_table() == [(s.name, s.phase) for s in PASSES]


def test_every_pass_module_is_registered_once():
    modules = [m.name for m in pkgutil.iter_modules(passes.__path__)
               if not m.name.startswith("_") and m.name != "base"]
    specs = {}
    for name in modules:
        mod = importlib.import_module(f"toolchain.c89.passes.{name}")
        assert isinstance(mod.SPEC, PassSpec), name
        assert mod.SPEC.name == name
        specs[name] = mod.SPEC
    assert sorted(s.name for s in PASSES) == sorted(specs)
    assert all(specs[s.name] is s for s in PASSES)
    assert all(s.phase in PHASES for s in PASSES)
    # the input checks come first, the after-round pass last
    phases = [s.phase for s in PASSES]
    assert phases == sorted(phases, key=("input", "round", "after").index)


def test_a_phase_outside_the_contract_is_refused():
    with pytest.raises(ValueError):
        PassSpec("x", "later", lambda text, ctx: None)


def test_the_bracket_names_the_pass(tmp_path, capsys):
    src = tmp_path / "v.c"
    src.write_text("void g(void);\nint f(int n) {\n    g();\n    int a[n];\n    return 0;\n}\n")
    assert main([str(src), "--check"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"v\.c:4:\d+: error: variable-length array 'a' .*\[declarations\]$", err, re.M)


def test_errors_of_several_passes_come_in_one_failure():
    # designated and declarations both find an error in the same round
    src = ("union U { int i; float f; };\nunion U u = { .f = 1.0f };\n"
           "void g(void);\nint f(int n) {\n    g();\n    int a[n];\n    return 0;\n}\n")
    with pytest.raises(ToolchainError) as ei:
        port_source(src, "two.c")
    assert [(d.line, d.code) for d in ei.value.diagnostics] == [(2, "designated"),
                                                                 (6, "declarations")]
    assert ei.value.message == "designated initializers that cannot be made positional"


def test_no_pass_imports_another_pass():
    import ast
    from pathlib import Path
    root = Path(passes.__file__).parent
    names = {m.name for m in pkgutil.iter_modules([str(root)])} - {"base"}
    for path in root.rglob("*.py"):
        if path == root / "__init__.py":
            continue        # the registry
        own = path.relative_to(root).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                mod = (node.module or "").split(".")
                inside = node.level == 1 and path.parent == root or \
                    node.level == 2 and path.parent.parent == root
                used = set(mod[:1]) | ({a.name for a in node.names} if not node.module else set())
                if inside:
                    assert not (used & names) - {own}, f"{path.name} imports {used & names}"


def test_no_module_of_the_rewriter_is_long():
    from pathlib import Path
    root = Path(passes.__file__).parents[2]      # toolchain/
    long = {str(p.relative_to(root)): n for p in root.rglob("*.py")
            if (n := p.read_text("utf-8").count("\n")) > 500 and "c89" in p.parts}
    assert long == {}
