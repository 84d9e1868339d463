"""c89port's library API lives outside its command line: the CLI reads the
library, never the other way round."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import toolchain.c89 as c89
from toolchain.c89.cli import build_parser, load_targets

PKG = Path(c89.__file__).resolve().parent


def test_the_library_api():
    assert {"port_source", "port_configs", "port_files", "PortResult", "FileResult",
            "clear_caches"} <= set(c89.__all__)
    res = c89.port_configs("int f(void) { g(); int a = 1; return a; }\n", "a.c", [[], ["X"]])
    assert isinstance(res, c89.PortResult)
    assert res.text == "int f(void) { int a; g(); a = 1; return a; }\n"


def test_no_module_of_the_library_imports_the_cli():
    importers = []
    for path in PKG.rglob("*.py"):
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "cli":
                importers.append(str(path.relative_to(PKG)))
            elif isinstance(node, ast.ImportFrom) and any(a.name == "cli" for a in node.names):
                importers.append(str(path.relative_to(PKG)))
    assert importers == []


def test_importing_the_library_loads_no_cli():
    code = ("import sys, toolchain.c89, toolchain.c89.project, toolchain.c89.configs\n"
            "print('toolchain.c89.cli' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_parser_is_built_by_one_function():
    ap = build_parser()
    opts = {o for a in ap._actions for o in a.option_strings}
    assert {"-o", "-I", "-D", "--target", "--config", "--check", "--diff", "--json",
            "--progress", "-j", "--compat-header"} <= opts
    targets = load_targets()
    assert "win98-p2" in targets and all("defines" in t for t in targets.values())
