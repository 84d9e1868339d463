"""Fixtures shared by the whole suite: paths, real tools, the two llama2.c versions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support import MODELS, SHARED, need_tool  # noqa: F401  (re-exported for fixtures)

# fixtures that download (from PyPI, once per cache): a test using one is a
# `network` test, so `invoke test --fast` (-m "not slow and not network") leaves it out
NETWORK_FIXTURES = {"llamac2py_run_c", "pypi_cache", "sdist_cache"}


def pytest_collection_modifyitems(items):
    for item in items:
        if NETWORK_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.network)


@pytest.fixture(scope="session")
def shared_models() -> Path:
    if not (MODELS / "stories260K.bin").is_file():
        pytest.skip(f"shared models not found at {MODELS}")
    return MODELS


@pytest.fixture(scope="session")
def llamac2py_run_c(pytestconfig) -> Path:
    """The July 2023 run.c from the PyPI sdist llamac2py 0.1.4 (hash-checked, offline path)."""
    from toolchain.upstream import resolve_source
    cache = pytestconfig.cache.mkdir("llama98-llamac2py")
    info = resolve_source(None, cache_dir=cache, offline=True, notify=lambda m: None)
    assert info.origin == "llamac2py-0.1.4"
    return info.path


@pytest.fixture(scope="session")
def pinned_run_c() -> Path:
    """The pinned upstream run.c: $LLAMA2C_SRC (a run.c or a llama2.c checkout), else
    ../shared/llama2.c beside the repository."""
    src = os.environ.get("LLAMA2C_SRC", "") or str(SHARED / "llama2.c")
    path = Path(src)
    if path.is_dir():
        path = path / "run.c"
    if not path.is_file():
        pytest.skip(f"no pinned upstream run.c at {src} (set LLAMA2C_SRC to a llama2.c "
                    "run.c or checkout at commit 350e04fe)")
    return path


@pytest.fixture(scope="session")
def wine_env(tmp_path_factory) -> dict:
    """Environment for running PE32 programs under 32-bit Wine, with a private prefix."""
    need_tool("wine")
    env = dict(os.environ)
    env["WINEDEBUG"] = "-all"
    env["WINEPREFIX"] = str(tmp_path_factory.mktemp("wineprefix"))
    env.pop("DISPLAY", None)
    probe = subprocess.run(["wine", "cmd", "/c", "echo", "ok"], env=env, capture_output=True,
                           timeout=300)
    if b"ok" not in probe.stdout:
        pytest.skip("wine cannot start a Windows program here: "
                    + probe.stderr.decode(errors="replace")[-300:])
    return env
