"""Analysis front end: preprocess with gcc, parse with pycparser, map AST
coordinates back to tokens of the original text.

The preprocessor keeps line markers, so every AST coordinate names a line of
the original file.  gcc collapses blanks and drops comments, so columns are
matched token-wise: the k-th occurrence of a token's spelling on the
preprocessed line is the k-th occurrence on the original line.  Missing
``#include`` files are replaced by empty stubs (with a note).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from functools import cached_property

from pycparser import c_ast, c_parser

from ..diag import Diagnostic, ToolchainError
from .ctok import Tokens
from .source import SourceText

try:
    import pycparser_fake_libc
    FAKE_LIBC = pycparser_fake_libc.directory
except ImportError:  # pragma: no cover - dependency declared in pyproject
    FAKE_LIBC = ""

CODE = "c89-parse"

# What the analysis sees for the compat header: only names, no platform
# logic (the real header lives in engine_c89/c89compat.h).
COMPAT_STUB = r"""
#ifndef C89COMPAT_H_INCLUDED
#define C89COMPAT_H_INCLUDED
typedef signed char c89_int8_t; typedef unsigned char c89_uint8_t;
typedef short c89_int16_t; typedef unsigned short c89_uint16_t;
typedef int c89_int32_t; typedef unsigned int c89_uint32_t;
typedef long long c89_int64_t; typedef unsigned long long c89_uint64_t;
typedef long c89_intptr_t; typedef unsigned long c89_uintptr_t;
typedef long c89_ssize_t; typedef c89_int64_t c89_intmax_t;
typedef c89_uint64_t c89_uintmax_t; typedef int c89_bool;
#define C89_I64(n) ((c89_int64_t)(n))
#define C89_U64(n) ((c89_uint64_t)(n))
#define C89_U64_HL(h, l) (((c89_uint64_t)(h) << 32) | (c89_uint64_t)(l))
#define C89_I64_HL(h, l) ((c89_int64_t)C89_U64_HL(h, l))
#define C89_PRId64 "lld"
#define C89_PRIi64 "lli"
#define C89_PRIu64 "llu"
#define C89_PRIx64 "llx"
#define C89_PRIX64 "llX"
#define C89_PRIo64 "llo"
#define C89_SCNd64 "lld"
#define C89_SCNi64 "lli"
#define C89_SCNu64 "llu"
#define C89_SCNx64 "llx"
#define C89_SCNo64 "llo"
#define C89_CLOCK_REALTIME 0
#define C89_CLOCK_MONOTONIC 1
struct c89_timespec { long tv_sec; long tv_nsec; };
int c89_clock_gettime(int clk, struct c89_timespec *ts);
int c89_sscanf(const char *s, const char *fmt, ...);
int c89_fscanf(void *f, const char *fmt, ...);
int c89_scanf(const char *fmt, ...);
#endif
"""

_GCC_DIAG = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?:(?P<col>\d+):)? "
                       r"(?P<sev>fatal error|error|warning): (?P<msg>.*)$")
_MISSING = re.compile(r"fatal error: (?P<name>[^:]+): No such file or directory")
_MARKER = re.compile(r'^#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"')
_PYC_LOC = re.compile(r"^(?P<file>.*?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")


def _c_string(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _gcc() -> str:
    return shutil.which("gcc") or shutil.which("cc") or "gcc"


class Unit:
    """One parsed translation unit: text, tokens, AST and coordinate mapping."""

    def __init__(self, text: str, path: str, *, include_dirs=(), defines=(),
                 compat_header: str = "c89compat.h"):
        self.text = text
        self.path = path
        self.src = SourceText(text)
        self.notes: list[Diagnostic] = []
        self.include_dirs = tuple(include_dirs)
        self.defines = tuple(defines)
        self.compat_header = compat_header
        self._pp_lines: dict[int, str] = {}
        self._pp_tok_cache: dict[int, Tokens] = {}
        self.ast = self._parse()

    @cached_property
    def toks(self) -> Tokens:
        return Tokens(self.text, self.src)

    # -- preprocessing ----------------------------------------------------
    def _command(self, tmp: str, src_file: str, stub_dir: str, compat: str, mode: str) -> list[str]:
        cmd = [_gcc(), mode, "-std=c99", "-undef", "-nostdinc",
               "-D__attribute__(x)=", "-D__extension__=", "-D__restrict=",
               "-D__inline=inline", "-D__asm__(x)=",
               "-include", compat]
        real_dir = os.path.dirname(os.path.abspath(self.path))
        if os.path.isdir(real_dir):
            cmd += ["-iquote", real_dir]
        for d in self.include_dirs:
            cmd += ["-I", os.fspath(d)]
        if FAKE_LIBC:
            cmd += ["-I", FAKE_LIBC]
        cmd += ["-idirafter", stub_dir]
        for d in self.defines:
            cmd += ["-D", d]
        cmd.append(src_file)
        return cmd

    def _run_gcc(self, mode: str) -> tuple[str, str, int, str]:
        with tempfile.TemporaryDirectory(prefix="c89port-") as tmp:
            src_dir = os.path.join(tmp, "src")
            stub_dir = os.path.join(tmp, "stubs")
            os.makedirs(src_dir)
            os.makedirs(stub_dir)
            base = os.path.basename(self.path) or "input.c"
            if not base.endswith((".c", ".h")):
                base += ".c"
            src_file = os.path.join(src_dir, base)
            with open(src_file, "w", encoding="utf-8", newline="") as f:
                f.write(self.text)
            compat = os.path.join(src_dir, self.compat_header)
            os.makedirs(os.path.dirname(compat), exist_ok=True)
            with open(compat, "w", encoding="utf-8") as f:
                f.write(COMPAT_STUB)
            stubbed: set[str] = set()
            for _ in range(64):
                proc = subprocess.run(self._command(tmp, src_file, stub_dir, compat, mode),
                                      capture_output=True, text=True, errors="replace")
                missing = [m.group("name").strip() for m in _MISSING.finditer(proc.stderr)]
                missing = [m for m in missing if m not in stubbed]
                if proc.returncode == 0 or not missing:
                    break
                name = missing[0]
                rel = os.path.normpath(name.lstrip("/\\"))
                if rel.startswith(".."):
                    break
                stub = os.path.join(stub_dir, rel)
                os.makedirs(os.path.dirname(stub), exist_ok=True)
                open(stub, "w").close()
                stubbed.add(name)
                line = self._include_line(name)
                self.notes.append(Diagnostic(self.path, line, 0, "note",
                                             f"'{name}' not found; analysed as an empty header",
                                             CODE))
            return proc.stdout, proc.stderr, proc.returncode, src_file

    def _include_line(self, name: str) -> int:
        for i, line in enumerate(self.text.splitlines(), 1):
            if "include" in line and name in line:
                return i
        return 0

    def _gcc_diagnostics(self, stderr: str, src_file: str) -> list[Diagnostic]:
        diags = []
        for line in stderr.splitlines():
            m = _GCC_DIAG.match(line)
            if not m or m.group("sev") == "warning":
                continue
            file = self.path if os.path.basename(m.group("file")) == os.path.basename(src_file) \
                else m.group("file")
            diags.append(Diagnostic(file, int(m.group("line")), int(m.group("col") or 0),
                                    "error", m.group("msg"), CODE))
        return diags

    def _parse(self):
        out, err, rc, src_file = self._run_gcc("-E")
        if rc != 0:
            diags = self._gcc_diagnostics(err, src_file) or [
                Diagnostic(self.path, 0, 0, "error", err.strip()[:500] or "preprocessing failed", CODE)]
            raise ToolchainError(f"cannot preprocess {self.path}", diagnostics=diags, exit_code=2)
        q_tmp = '"' + _c_string(src_file) + '"'
        q_real = '"' + _c_string(self.path) + '"'
        lines = out.split("\n")
        cur_file, cur_line = None, 0
        for idx, line in enumerate(lines):
            m = _MARKER.match(line)
            if m:
                if m.group(2) == _c_string(src_file):
                    lines[idx] = line.replace(q_tmp, q_real, 1)
                    cur_file = self.path
                else:
                    cur_file = m.group(2)
                cur_line = int(m.group(1))
                continue
            if cur_file == self.path:
                self._pp_lines.setdefault(cur_line, line)
            cur_line += 1
        pp_text = "\n".join(lines)
        try:
            return c_parser.CParser().parse(pp_text, filename=self.path)
        except c_parser.ParseError as exc:
            msg = str(exc)
            m = _PYC_LOC.match(msg)
            diags = []
            if m:
                diags.append(Diagnostic(m.group("file"), int(m.group("line")), int(m.group("col")),
                                        "error", f"cannot parse: {m.group('msg')}", CODE))
            else:
                # pycparser gave no place; ask gcc where the syntax error is
                _, err2, _, src2 = self._run_gcc("-fsyntax-only")
                diags = self._gcc_diagnostics(err2, src2)[:1]
                text = msg.split(": ", 1)[-1]
                if diags:
                    d = diags[0]
                    diags = [Diagnostic(d.path, d.line, d.col, "error",
                                        f"cannot parse: {text} ({d.message})", CODE)]
                else:
                    diags = [Diagnostic(self.path, 0, 0, "error", f"cannot parse: {text}", CODE)]
            raise ToolchainError(f"cannot parse {self.path}", diagnostics=diags,
                                 exit_code=2) from None

    # -- coordinates ------------------------------------------------------
    def in_main(self, node) -> bool:
        return node is not None and node.coord is not None and node.coord.file == self.path

    def locate(self, coord, expect: str | None = None) -> int | None:
        """Index of the original token at an AST coordinate (or None)."""
        if coord is None or coord.file != self.path:
            return None
        line = coord.line
        pp_line = self._pp_lines.get(line)
        orig = self.toks.by_line.get(line, [])
        if pp_line is None:
            return None
        ptoks = self._pp_tok_cache.get(line)
        if ptoks is None:
            ptoks = Tokens(pp_line)
            self._pp_tok_cache[line] = ptoks
        target = None
        col0 = (coord.column or 1) - 1
        for k, t in enumerate(ptoks.toks):
            if t.start <= col0:
                target = k
            else:
                break
        if target is None:
            return None
        text = ptoks.toks[target].text
        if expect is not None and text != expect:
            # the coordinate points elsewhere; count occurrences of expect before col
            k = sum(1 for t in ptoks.toks[:target + 1] if t.text == expect)
            k = max(k - 1, 0)
            text = expect
        else:
            k = sum(1 for t in ptoks.toks[:target] if t.text == text)
        hits = [i for i in orig if self.toks[i].text == text]
        if k < len(hits):
            return hits[k]
        return None

    def tok_of(self, node, expect: str | None = None) -> int | None:
        return self.locate(node.coord, expect)

    # -- names the program defines itself ----------------------------------
    @cached_property
    def user_names(self) -> set[str]:
        """File-scope names (functions, objects, typedefs, struct tags,
        enumerators) declared in the file itself, plus its ``#define`` names."""
        names: set[str] = set()
        for ext in self.ast.ext:
            if not self.in_main(ext):
                continue
            decl = ext.decl if isinstance(ext, c_ast.FuncDef) else ext
            if isinstance(decl, (c_ast.Decl, c_ast.Typedef)) and decl.name:
                names.add(decl.name)
            t = getattr(decl, "type", None)
            while t is not None and not isinstance(t, (c_ast.Struct, c_ast.Union, c_ast.Enum)):
                t = getattr(t, "type", None)
            if isinstance(t, (c_ast.Struct, c_ast.Union)) and t.decls is not None and t.name:
                names.add("struct " + t.name)
            if isinstance(t, c_ast.Enum) and t.values is not None:
                for v in t.values.enumerators:
                    names.add(v.name)
        for d in self.toks.directives:
            if d.name == "define" and d.hash_index + 2 < len(self.toks.toks):
                t = self.toks.toks[d.hash_index + 2]
                if t.pp == d.hash_index:
                    names.add(t.text)
        return names

    @cached_property
    def typedefs(self) -> dict[str, c_ast.Node]:
        out = {}
        for ext in self.ast.ext:
            if isinstance(ext, c_ast.Typedef):
                out[ext.name] = ext.type
        return out

    @cached_property
    def struct_defs(self) -> dict[str, c_ast.Node]:
        out = {}

        class V(c_ast.NodeVisitor):
            def visit_Struct(self, node):
                if node.name and node.decls is not None:
                    out.setdefault(node.name, node)
                self.generic_visit(node)
        V().visit(self.ast)
        return out

    @cached_property
    def enumerators(self) -> set[str]:
        out = set()

        class V(c_ast.NodeVisitor):
            def visit_Enumerator(self, node):
                out.add(node.name)
        V().visit(self.ast)
        return out

    def func_defs(self):
        for ext in self.ast.ext:
            if isinstance(ext, c_ast.FuncDef) and self.in_main(ext):
                yield ext


class UnitCache:
    """Parses each distinct text once per port_source call."""

    def __init__(self, path, include_dirs, defines, compat_header):
        self.path = path
        self.kw = dict(include_dirs=include_dirs, defines=defines, compat_header=compat_header)
        self._cache: dict[str, Unit] = {}
        self.notes: list[Diagnostic] = []

    def get(self, text: str) -> Unit:
        unit = self._cache.get(text)
        if unit is None:
            unit = Unit(text, self.path, **self.kw)
            self._cache.clear()
            self._cache[text] = unit
            for n in unit.notes:
                if n not in self.notes:
                    self.notes.append(n)
        return unit
