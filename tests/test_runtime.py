"""engine_c89/runtime.toml is the one list of engine files: it matches the folder, and
every name it says a file provides is really defined there."""

from __future__ import annotations

import re

from toolchain import runtime


def test_manifest_lists_every_engine_file_once():
    on_disk = sorted(p.name for p in runtime.ENGINE_DIR.iterdir() if p.suffix in (".c", ".h"))
    listed = [f.name for f in runtime.runtime_files()]
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed)


def test_provided_names_are_defined_and_declared():
    for f in runtime.runtime_files():
        text = f.path.read_text("utf-8")
        for name in f.provides:
            # a definition: the name, its parameter list, then a body
            assert re.search(rf"\b{name}\s*\([^;{{]*\)\s*\{{", text), f"{f.name} lacks {name}"
            if f.header:
                header = (runtime.ENGINE_DIR / f.header).read_text("utf-8")
                assert re.search(rf"\b{name}\s*\(", header), f"{f.header} lacks {name}"


def test_providers_pick_the_defining_sources():
    picked = runtime.providers(["c89_snprintf", "c89_llabs", "printf"])
    assert [f.name for f in picked] == ["c89snprintf.c", "c89stdlib.c"]
    assert runtime.describe("c89stdio.c").startswith("c89_sscanf")
