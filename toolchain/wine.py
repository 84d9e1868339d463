"""Running a Windows program under Wine for the build's checks.

One persistent prefix in the llama98 cache folder, created and used by one build at a time
(a lock file beside it), no Mono/Gecko installer prompts, no display.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

from .diag import ToolchainError

RUN_TIMEOUT = 600          # seconds, per program run


def without_speed(out: bytes) -> bytes:
    """Program output without the measured-speed line, which differs by nature."""
    return b"".join(line for line in out.splitlines(keepends=True)
                    if b"achieved tok/s" not in line)


def wine_env(cache: Path) -> dict:
    env = dict(os.environ)
    env.update(WINEPREFIX=str(cache / "wine-prefix"), WINEDEBUG="-all",
               WINEDLLOVERRIDES="mscoree,mshtml=")      # no Mono/Gecko installer prompts
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def run_wine(exe: Path, args: list[str], cwd: Path, cache: Path,
             timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    cache.mkdir(parents=True, exist_ok=True)
    env = wine_env(cache)
    # one build at a time creates or uses the prefix
    with open(cache / "wine-prefix.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return subprocess.run(["wine", str(exe), *args], cwd=cwd, env=env,
                                  capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"verify: {exe.name} did not finish under Wine within "
                                 f"{timeout:.0f} s") from None


def wine_works(cache: Path) -> str:
    """'' when Wine runs a Windows program here, else why not."""
    env = wine_env(cache)
    with open(cache / "wine-prefix.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            probe = subprocess.run(["wine", "cmd", "/c", "echo", "l98ok"], env=env,
                                   capture_output=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            return "Wine did not start within the time limit"
    if b"l98ok" in probe.stdout:
        return ""
    tail = probe.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
    return "Wine cannot run a Windows program here" + (f" ({tail[0]})" if tail else "")


def wine_version() -> str:
    try:
        proc = subprocess.run(["wine", "--version"], capture_output=True, text=True, timeout=30)
        return proc.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "wine"


def first_difference(a: bytes, b: bytes) -> str:
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return (f"first difference at byte {n}: {a[max(0, n - 20):n + 20]!r} against "
            f"{b[max(0, n - 20):n + 20]!r}")
