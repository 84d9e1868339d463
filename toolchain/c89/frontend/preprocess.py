"""Preprocessing for the analysis: gcc's preprocessor over fake libc
headers and a stand-in for the compat header.

``#if`` is evaluated as the target C89 compiler will (``__STDC_VERSION__``
undefined); missing ``#include`` files are replaced by empty stubs (the
unit notes each one); GNU asm qualifiers are blanked in place so that
``__asm__(...)`` vanishes; ``#line`` directives are blanked, so every
coordinate names the file read.  gcc's ``cc1 -E`` is run directly when the
driver names it (it saves the driver's start-up).
"""

from __future__ import annotations

import multiprocessing.util
import os
import re
import shutil
import subprocess
import tempfile
import weakref

from ...diag import Diagnostic

try:
    import pycparser_fake_libc
    FAKE_LIBC = pycparser_fake_libc.directory
except ImportError:  # pragma: no cover - dependency declared in pyproject
    FAKE_LIBC = ""

# What the analysis sees for the compat header: its names, no platform
# logic (the real header is engine_c89/c89compat.h)
_DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "data")
COMPAT_STUB = os.path.join(_DATA, "c89compat_stub.h")
# Our own analysis headers, searched before the fake libc (<stdarg.h> with a
# va_arg pycparser parses, a complete <limits.h>), and gnu.h, forced before
# every unit: GNU spellings in words pycparser knows
ANALYSIS_INCLUDE = os.path.join(_DATA, "analysis_include")
GNU_PRELUDE = os.path.join(ANALYSIS_INCLUDE, "gnu.h")

_GCC_DIAG = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?:(?P<col>\d+):)? "
                       r"(?P<sev>fatal error|error|warning): (?P<msg>.*)$")
_MISSING = re.compile(r"fatal error: (?P<name>[^:]+): No such file or directory")
_ASM_QUALS = re.compile(r"\b(__asm(?:__)?\s+)((?:(?:__volatile__|__volatile|volatile|__inline__|"
                        r"inline|goto)\b\s*)+)(?=\()")


# ``#line 40 "parser.y"`` (and GNU's ``# 40 "parser.y"``) written in the
# input: blanked in the analysis copy, so that coordinates stay in the file
# read (a generator's source is not what the port edits)
_LINE_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(?:line\b|\d)[^\n]*", re.M)


def _gcc() -> str:
    return shutil.which("gcc") or shutil.which("cc") or "gcc"


_CPP: list[list[str]] = []


def _cpp() -> list[str]:
    """The command that preprocesses: gcc's own preprocessor program (cc1
    with -E) when the driver names one, which saves the driver's start-up
    (some 15% of a run); else ``gcc -E``."""
    if not _CPP:
        cmd = [_gcc(), "-E"]
        try:
            out = subprocess.run([_gcc(), "-print-prog-name=cc1"], capture_output=True,
                                 text=True, timeout=30).stdout.strip()
            if os.path.isabs(out) and os.access(out, os.X_OK):
                cmd = [out, "-E", "-quiet"]
        except (OSError, subprocess.SubprocessError):
            pass
        _CPP.append(cmd)
    return _CPP[0]


class Preprocessor:
    """Runs ``gcc -E`` on texts standing for one file, in one temporary
    directory whose header stubs (for missing includes) persist between
    runs.  ``close()`` (or garbage collection) removes the directory."""

    def __init__(self, path: str, include_dirs=(), defines=(),
                 compat_header: str = "c89compat.h", context: tuple[str, str] | None = None):
        self.path = path
        self.include_dirs = tuple(include_dirs)
        self.defines = tuple(defines)
        self.compat_header = compat_header
        self.stubbed: dict[str, int] = {}  # header name -> include line (first seen)
        self.last_split = None   # (preprocessed text, chunks) of the last parse
        self._tmp = tempfile.mkdtemp(prefix="c89port-")
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._tmp, True)
        self.src_dir = os.path.join(self._tmp, "src")
        self.stub_dir = os.path.join(self._tmp, "stubs")
        os.makedirs(self.src_dir)
        os.makedirs(self.stub_dir)
        base = os.path.basename(path) or "input.c"
        if not base.endswith((".c", ".h")):
            base += ".c"
        self.src_file = os.path.join(self.src_dir, base)
        # (includer path, includer text): this file is analysed where that
        # one includes it (see ``context``); its files once prepared
        self.context = context
        self._around: tuple[str, str] | None = None
        self._cmd = self._command(*_compat_stub(compat_header), self.path, self.src_file)

    def close(self) -> None:
        self._finalizer()

    def _command(self, compat_dir: str, compat: str, real_path: str, src_file: str,
                 before: str | None = None) -> list[str]:
        # -std=c99 for the lexing (// comments, long long), but #if is
        # evaluated as the target C89 compiler will: __STDC_VERSION__ is not
        # defined there (0 in #if), so "#if __STDC_VERSION__ >= 199901L"
        # branches are dropped and their #else kept.  The compat stub's
        # directory comes first for '#include "c89compat.h"'.
        cmd = [_gcc(), "-std=c99", "-undef", "-U__STDC_VERSION__", "-nostdinc",
               "-D__attribute__(x)=", "-D__extension__=", "-D__restrict=",
               "-D__inline=inline", "-D__asm__(...)=",
               "-include", GNU_PRELUDE, "-include", compat]
        if before is not None:
            cmd += ["-include", before]
        cmd += ["-iquote", compat_dir]
        real_dir = os.path.dirname(os.path.abspath(real_path))
        if os.path.isdir(real_dir):
            cmd += ["-iquote", real_dir]
        for d in self.include_dirs:
            cmd += ["-I", os.fspath(d)]
        cmd += ["-I", ANALYSIS_INCLUDE]
        if FAKE_LIBC:
            cmd += ["-I", FAKE_LIBC]
        cmd += ["-idirafter", self.stub_dir]
        for d in self.defines:
            cmd += ["-D", d]
        cmd.append(src_file)
        return cmd

    def run(self, text: str, mode: str = "-E") -> tuple[str, str, int, list[str]]:
        """(stdout, stderr, returncode, headers stubbed by this run)."""
        if "__asm" in text:
            # GNU asm statements vanish (``__asm__(...)`` is defined empty);
            # blank the qualifiers between the keyword and its "(" in place
            text = _ASM_QUALS.sub(lambda m: m.group(1) + " " * len(m.group(2)), text)
        text = _LINE_DIRECTIVE.sub(lambda m: " " * len(m.group(0)), text)
        if self.context is not None:
            if self._around is None:
                failed = self._prepare_context()
                if failed:
                    return "", failed, 1, []
            # what follows the file in its includer comes after its last line
            text += ("" if text.endswith("\n") else "\n") + \
                f'#include "{c_string(self._around[1])}"\n'
        with open(self.src_file, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        cmd = (_cpp() if mode == "-E" else self._cmd[:1] + [mode]) + self._cmd[1:]
        return self._with_stubs(cmd, text)

    def _with_stubs(self, cmd: list[str], text: str) -> tuple[str, str, int, list[str]]:
        """Run ``cmd``, an empty stub standing for each header not found."""
        new: list[str] = []
        tried: set[str] = set()
        for _ in range(64):
            proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
            missing = [m.group("name").strip() for m in _MISSING.finditer(proc.stderr)]
            missing = [m for m in missing if m not in tried]
            if proc.returncode == 0 or not missing:
                break
            name = missing[0]
            tried.add(name)
            rel = os.path.normpath(name.lstrip("/\\"))
            if rel.startswith(".."):
                break
            stub = os.path.join(self.stub_dir, rel)
            os.makedirs(os.path.dirname(stub), exist_ok=True)
            open(stub, "w").close()
            if name not in self.stubbed:
                self.stubbed[name] = _include_line(text, name)
                new.append(name)
        return proc.stdout, proc.stderr, proc.returncode, new

    def _prepare_context(self) -> str:
        """Preprocess the includer (keeping its ``#define``s: -dD) and cut its
        output where it enters this file and where it comes back: the part
        before is forced in before this file (-include), the part after is
        included after its last line.  An error message, or "" when done."""
        inc_path, inc_text = self.context
        ctx_dir = os.path.join(self._tmp, "context")
        os.makedirs(ctx_dir, exist_ok=True)
        base = os.path.basename(inc_path) or "includer.c"
        inc_file = os.path.join(ctx_dir, base if base != os.path.basename(self.src_file)
                                else "includer-" + base)
        with open(inc_file, "w", encoding="utf-8", newline="") as f:
            f.write(_LINE_DIRECTIVE.sub(lambda m: " " * len(m.group(0)), inc_text))
        compat_dir, compat = _compat_stub(self.compat_header)
        cmd = self._command(compat_dir, compat, inc_path, inc_file)
        cmd = _cpp() + ["-dD"] + cmd[1:]
        out, _, rc, _ = self._with_stubs(cmd, inc_text)
        # the includer's lines are named by its own path (parse errors there)
        out = out.replace('"' + c_string(inc_file) + '"', '"' + c_string(inc_path) + '"')
        cut = _cut_around(out, self.path) if rc == 0 else None
        if cut is None:
            return (f"{NOT_INCLUDED} where {inc_path} is preprocessed in this configuration"
                    if rc == 0 else f"{inc_path} does not preprocess")
        before = os.path.join(ctx_dir, "before-" + os.path.basename(self.src_file))
        after = os.path.join(ctx_dir, "after-" + os.path.basename(self.src_file))
        for name, part in zip((before, after), cut):
            with open(name, "w", encoding="utf-8", newline="") as f:
                f.write(part)
        self._around = (before, after)
        self._cmd = self._command(compat_dir, compat, self.path, self.src_file, before)
        return ""


_MARKER_FLAGS = re.compile(r'^(# \d+ "(?:[^"\\]|\\.)*")(?: \d+)+$', re.M)
NOT_INCLUDED = "not included"   # how a context that never enters the file is reported

_PP_MARKER = re.compile(r'^# (\d+) "((?:[^"\\]|\\.)*)"((?: \d+)*)$')


def _cut_around(out: str, path: str) -> tuple[str, str] | None:
    """The preprocessed text before the first entry into ``path`` and after
    the return from it (None: never entered)."""
    want = os.path.realpath(path)
    lines = out.split("\n")
    start = depth = None
    for k, line in enumerate(lines):
        if not line.startswith("# "):
            continue
        m = _PP_MARKER.match(line)
        if not m:
            continue
        flags = m.group(3).split()
        if start is None:
            if "1" in flags and os.path.realpath(_unquote(m.group(2))) == want:
                start, depth = k, 0
            continue
        if "1" in flags:
            depth += 1
        elif "2" in flags:
            depth -= 1
            if depth < 0:
                return _plain("\n".join(lines[:start])), _plain("\n".join(lines[k:]))
    return None


def _plain(part: str) -> str:
    """``part`` with the flags of its line markers dropped: read again, a
    marker only names the file and line (an "enter" or "leave" flag would
    move gcc's include stack)."""
    return _MARKER_FLAGS.sub(r"\1", part) + "\n"


def _unquote(s: str) -> str:
    return re.sub(r"\\(.)", r"\1", s)


_COMPAT_DIRS: dict[tuple[int, str], tuple[str, str]] = {}


def _compat_stub(compat_header: str) -> tuple[str, str]:
    """(directory, path) of the compat header stub, one per process and
    header name: a stable path, so that its parsed chunks are cached across
    files like any other header's."""
    key = (os.getpid(), compat_header)   # a forked worker makes its own
    ent = _COMPAT_DIRS.get(key)
    if ent is None or not os.path.isfile(ent[1]):
        top = tempfile.mkdtemp(prefix="c89port-compat-")
        # removed when the process ends (a pool worker too)
        multiprocessing.util.Finalize(None, shutil.rmtree, args=(top, True), exitpriority=0)
        path = os.path.join(top, compat_header)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        shutil.copyfile(COMPAT_STUB, path)
        ent = _COMPAT_DIRS[key] = (top, path)
    return ent


def _include_line(text: str, name: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if "include" in line and name in line:
            return i
    return 0


def gcc_diagnostics(stderr: str, src_file: str, path: str, code: str) -> list[Diagnostic]:
    """gcc's errors in ``stderr`` as diagnostics; the temporary copy
    ``src_file`` is reported as ``path``."""
    diags = []
    for line in stderr.splitlines():
        m = _GCC_DIAG.match(line)
        if not m or m.group("sev") == "warning":
            continue
        file = path if os.path.basename(m.group("file")) == os.path.basename(src_file) \
            else m.group("file")
        diags.append(Diagnostic(file, int(m.group("line")), int(m.group("col") or 0),
                                "error", m.group("msg"), code))
    return diags


def c_string(s: str) -> str:
    """``s`` as the body of a C string literal (as in line markers)."""
    return s.replace("\\", "\\\\").replace('"', '\\"')
