"""Differential fuzzing of the C89 rewriter with csmith.

For fixed seeds, csmith writes a random C99 program that prints a checksum
of its global state.  The original is built with ``gcc -std=c99``; the
programs are ported as one folder by the command line (``c89port SRC -o
OUT``) and each is built from OUT as written (no -I: the ported csmith
headers, c89compat.h and the runtime are there) with ``gcc -std=c89`` and
with tcc; all three must print the same thing (run with the argument ``1``,
so every global's value is printed, not only the final checksum).

Strictness: the port must pass ``gcc -std=c89 -pedantic-errors`` with no
error that the original does not already get from ``gcc -std=c99
-pedantic-errors``.  (csmith itself writes code that strict C rejects in
any mode, e.g. comparisons of pointers to differently qualified types, so
the port cannot be held to an empty error list; the errors are compared as
messages, without their locations.)  A program whose original does not finish within
``RUN_TIMEOUT`` seconds is skipped and counted.

What is ported, honestly: csmith's runtime headers are C99 too (stdint
types, PRIX64-style formats, ``long long``), so ``csmith.h``,
``random_inc.h`` and ``platform_generic.h`` are copied into the folder that
is ported, next to the programs, and ported with them (the C89 builds find
them in OUT instead of /usr/include/csmith).  Two things are done before
porting: ``safe_math.h``
is a fragment (it needs ``FUNC_NAME``/``STATIC`` and the stdint types from
the file that includes it), so it is pasted into ``random_inc.h`` in place of
its ``#include`` line; and its float/double helpers (16 functions, unused
because the programs are generated without ``--float``) are cut, because
they use C99 hexadecimal float constants, which the rewriter rightly
reports instead of converting.  Nothing else is edited by hand.

The work (csmith, porting, 3 builds and 3 runs per program) is done once per
session by a fixture, with two workers, and each seed is then checked by its
own test; a one-line summary goes to the terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import have
from .strict_build import c89port

SEEDS = range(1, int(os.environ.get("C89_CSMITH_SEEDS", "200")) + 1)
CSMITH_FLAGS = ["--max-funcs", "3", "--max-block-depth", "3", "--max-expr-complexity", "6",
                "--max-array-dim", "1",
                "--no-packed-struct", "--quiet", "--concise"]
CSMITH_INC = Path("/usr/include/csmith")
RUNTIME_HEADERS = ["csmith.h", "random_inc.h", "platform_generic.h"]
RUN_TIMEOUT = 2.0        # seconds for the original; a port gets PORT_TIMEOUT
PORT_TIMEOUT = 10.0
WORKERS = 2

# seed -> the error the port must stop with: programs the rewriter rightly
# refuses.  These declare an array of const elements initialised with
# addresses of automatic locals (int * const p[2] = {&local, &local};): C89
# allows only constant aggregate initializers and const elements cannot be
# assigned (the only C89 form would drop the const: the lead's decision).
_CONST_AUTO = "cannot convert safely: const aggregate with non-constant initializer"
REFUSED: dict[int, str] = {s: _CONST_AUTO for s in (21, 31, 61, 70, 164)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (have("csmith") and have("gcc") and CSMITH_INC.is_dir()),
                       reason="csmith (with /usr/include/csmith) and gcc are needed"),
]


@dataclass
class Outcome:
    seed: int
    status: str = "ok"       # ok | skipped | mismatch | port-error | build-error
    detail: str = ""
    lines: int = 0


def _run(cmd, timeout, cwd=None):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd,
                           errors="replace")
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", "timeout"


def _cut_float_helpers(text: str) -> str:
    """safe_math.h without its ``STATIC float``/``STATIC double`` functions."""
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if re.match(r"^STATIC (float|double)\s*$", lines[i]):
            while lines[i] != "}":
                i += 1
            i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _copy_runtime(folder: Path) -> None:
    """csmith's runtime headers into ``folder``, to be ported with the programs."""
    for name in RUNTIME_HEADERS:
        text = (CSMITH_INC / name).read_text()
        if name == "random_inc.h":
            safe = _cut_float_helpers((CSMITH_INC / "safe_math.h").read_text())
            assert text.count('#include "safe_math.h"') == 1
            text = text.replace('#include "safe_math.h"', safe.rstrip("\n"))
        (folder / name).write_text(text)


_LOC = re.compile(r"^[^:\n]*:\d+:\d+: error: (.*?)(?: \[-[^\]]*\])?$", re.M)


def _pedantic_errors(std: str, incs: list[str], src: Path) -> Counter:
    cmd = ["gcc", f"-std={std}", "-pedantic-errors", "-fsyntax-only", "-w"]
    for d in incs:
        cmd += ["-I", d]
    _, _, err = _run(cmd + [str(src)], 120)
    # the ported stdint names are spelled differently in type names
    return Counter(m.replace("c89_", "") for m in _LOC.findall(err))


def _check(seed: int, work: Path, ported: str | None, err: str) -> Outcome:
    out = Outcome(seed)
    src = work / "orig" / f"p{seed}.c"
    if ported is None:      # whether the original runs or not
        out.status, out.detail = "port-error", err
        return out
    exe = work / f"p{seed}-c99"
    rc, _, e = _run(["gcc", "-std=c99", "-w", "-O1", "-I", str(CSMITH_INC), str(src),
                     "-o", str(exe)], 120)
    if rc != 0:
        out.status, out.detail = "skipped", "original does not build: " + e[-300:]
        return out
    rc, want, _ = _run([str(exe), "1"], RUN_TIMEOUT)
    if rc is None:
        out.status, out.detail = "skipped", f"original runs longer than {RUN_TIMEOUT} s"
        return out
    out.lines = ported.count("\n")
    psrc = work / "port" / f"p{seed}.c"     # as c89port wrote it
    extra = _pedantic_errors("c89", [], psrc) - _pedantic_errors("c99", [str(CSMITH_INC)], src)
    if extra:
        out.status, out.detail = "build-error", f"gcc -std=c89 -pedantic-errors: {dict(extra)}"
        return out
    builds = [("gcc-c89", ["gcc", "-std=c89", "-pedantic", "-w", "-O1", str(psrc),
                           "-o", str(work / f"p{seed}-c89")])]
    if have("tcc"):
        builds.append(("tcc", ["tcc", str(psrc), "-o", str(work / f"p{seed}-tcc")]))
    for name, cmd in builds:
        rc, _, e = _run(cmd, 120)
        if rc != 0:
            out.status, out.detail = "build-error", f"{name}: {e[-600:]}"
            return out
        rc, got, _ = _run([cmd[-1], "1"], PORT_TIMEOUT)
        if got != want:
            out.status = "mismatch"
            out.detail = f"{name}: exit {rc}; want {want[-200:]!r}, got {got[-200:]!r}"
            return out
    return out


@pytest.fixture(scope="session")
def csmith_results(tmp_path_factory, request):
    work = tmp_path_factory.mktemp("csmith")
    orig, src = work / "orig", work / "src"
    orig.mkdir()
    src.mkdir()
    t0 = time.perf_counter()
    _copy_runtime(src)

    def generate(seed):
        path = orig / f"p{seed}.c"
        rc, _, e = _run(["csmith", "--seed", str(seed), *CSMITH_FLAGS, "-o", str(path)], 120,
                    cwd=path.parent)   # csmith writes platform.info into its working folder
        assert rc == 0, f"csmith --seed {seed}: {e}"
        shutil.copyfile(path, src / path.name)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(generate, SEEDS))
    _, out, err = c89port([str(src), "-o", str(work / "port"), "-I", str(CSMITH_INC),
                           "-j", str(WORKERS), "--json"])
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    for name in RUNTIME_HEADERS:
        assert files[name]["status"] != "failed", f"{name}: {files[name]}"
    texts = {}
    for seed in SEEDS:
        f = files[f"p{seed}.c"]
        if f["status"] != "failed":
            texts[seed] = ((work / "port" / f"p{seed}.c").read_text(), "")
        else:
            why = [f.get("error", "")] + [d["message"] for d in f["diagnostics"]]
            texts[seed] = (None, "\n".join(why)[-800:])
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda s: _check(s, work, *texts[s]), SEEDS))
    results = {o.seed: o for o in outcomes}
    counts = {k: sum(1 for o in outcomes if o.status == k)
              for k in ("ok", "skipped", "mismatch", "port-error", "build-error")}
    line = (f"csmith: {len(outcomes)} programs, {sum(o.lines for o in outcomes):,} ported lines, "
            f"{counts['mismatch']} mismatches, {counts['port-error']} port errors, "
            f"{counts['build-error']} build errors, {counts['skipped']} skipped "
            f"(original > {RUN_TIMEOUT:g} s or not building), "
            f"{sum(1 for o in outcomes if o.seed in REFUSED and o.status == 'port-error')} "
            "refused as expected, "
            f"{time.perf_counter() - t0:.0f} s")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and reporter is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + line)
    else:  # pragma: no cover
        print(line)
    return results


@pytest.mark.parametrize("seed", SEEDS)
def test_csmith_program(csmith_results, seed):
    o = csmith_results[seed]
    if seed in REFUSED:
        assert o.status == "port-error" and REFUSED[seed] in o.detail, \
            f"seed {seed} must be refused ({REFUSED[seed]}): {o.status}: {o.detail}"
        return
    if o.status == "skipped":
        pytest.skip(o.detail)
    assert o.status == "ok", f"seed {seed}: {o.status}: {o.detail}"


def test_csmith_skips_are_few(csmith_results):
    """Most programs must really run (a broken harness would skip them all)."""
    ran = sum(1 for o in csmith_results.values() if o.status != "skipped")
    assert ran >= 0.8 * len(csmith_results)


def test_fixture_removes_only_float_helpers():
    text = (CSMITH_INC / "safe_math.h").read_text()
    cut = _cut_float_helpers(text)
    assert "0x1.0p" in text and "0x1.0p" not in cut
    assert cut.count("STATIC") == text.count("STATIC") - 16
    if shutil.which("gcc"):
        assert "FUNC_NAME(add_func_int64_t_s_s)" in cut
