"""What every compiler driver provides (Meson-style: detection, flags, command lines).

A driver either compiles on this machine (``compiles()`` is true: ``build()`` makes
the EXE, which the pipeline then audits) or writes a source bundle for a compiler
that runs on the Windows 98 machine itself (``bundle()``): the C89 sources under
8.3 names, a makefile, BUILD.BAT and README.TXT, every text file CRLF.

Each driver class owns its compiler's facts: the macros it predefines and, for
every ISA ceiling of toolchain/data/targets.toml, the flags that generate code
for it (``isa``). The build's C89 port, ``c89port --target`` and the tests read
them from here (toolchain/compilers/facts.py).
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .. import runtime
from ..diag import ToolchainError
# the packaging helpers (DOS text, 8.3 names) live in toolchain/packaging.py
from ..packaging import (EXE_NAME, MODEL_NAME, crlf, dos_names, dos_stem,  # noqa: F401
                         local_includes, rewrite_includes)
from ..targets import Target
from .facts import Codegen

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class BuildResult:
    exe: Path
    map_file: Path | None = None
    commands: list[list[str]] = field(default_factory=list)


class CompilerDriver:
    name = ""
    #: what the compiler is, for people ("Open Watcom v2")
    title = ""
    #: executable looked up on PATH
    program = ""
    #: how to install it, for the error message when it is missing
    install_hint = ""

    # ------------------------------------------------------------ compiler facts

    #: macros the compiler predefines when it builds a Win32 console program, on every
    #: target, as -D arguments (NAME or NAME=VALUE). Compiler-specific ones only: the
    #: port itself gives the standard's (__STDC__, and no __STDC_VERSION__: C89).
    predefined: tuple[str, ...] = ()
    #: code generation for every ISA ceiling of toolchain/data/targets.toml ([isa.*]):
    #: the flags and the macros those flags add; no ceiling is guessed
    isa: dict[str, Codegen] = {}

    def codegen(self, target: Target) -> Codegen:
        """The flags and macros for ``target``'s ISA ceiling (an error when unmapped)."""
        try:
            return self.isa[target.isa]
        except KeyError:
            raise ToolchainError(
                f"the '{self.name}' compiler driver has no code generation for the ISA "
                f"ceiling '{target.isa}' of target {target.name}",
                hint=f"map it in the isa table of toolchain/compilers/{self.name}.py") from None

    def predefined_macros(self, target: Target) -> list[str]:
        """Every macro the compiler predefines for ``target`` (-D syntax)."""
        return list(self.predefined) + list(self.codegen(target).macros)

    def __init__(self) -> None:
        self._env = None          # the templates' Jinja2 environment, made when first used

    @property
    def bundle_title(self) -> str:
        """What the driver's bundle is for, in the printed summary ("" = no bundles)."""
        return self.title if self.bundle_templates else ""

    def available(self) -> bool:
        """The compiler is installed here."""
        return shutil.which(self.program) is not None

    def compiles(self) -> bool:
        """``build()`` makes the EXE here; False: the driver only writes bundles."""
        return True

    def find(self) -> str:
        path = shutil.which(self.program)
        if not path:
            raise ToolchainError(f"{self.program} not found on PATH (needed by the "
                                 f"'{self.name}' compiler driver)", hint=self.missing_hint())
        return path

    def missing_hint(self) -> str:
        """What to do when the compiler is missing (how to install it; or a bundle)."""
        if self.bundle_templates:
            return (self.install_hint + "; or pass --bundle-only to write its source "
                    "bundle without compiling")
        return self.install_hint

    def require(self) -> None:
        """Stop with a one-line error, before any work, when ``build()`` cannot run here."""
        self.find()

    def render(self, template: str, **values) -> str:
        if self._env is None:
            import jinja2
            self._env = jinja2.Environment(
                loader=jinja2.FileSystemLoader(str(TEMPLATES / self.name)),
                keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
        return self._env.get_template(template).render(**values)

    def run(self, cmd: list[str], *, cwd: Path, log=None) -> None:
        if log:
            log(" ".join(shlex.quote(c) for c in cmd))
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip()
            raise ToolchainError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}):\n{output}")

    #: engine_c89 files only this driver compiles (its own start-up code, for instance)
    runtime_sources: list[str] = []

    def build(self, sources: list[Path], *, library: list[Path] = (), target: Target,
              workdir: Path, exe_name: str, include_dirs: list[Path], log=None,
              source_description: str = "", version: str = "") -> BuildResult:
        """Compile ``sources`` into ``exe_name``; ``library`` files are linked only as far
        as the program needs them (engine_c89 helpers the port may or may not call)."""
        raise NotImplementedError

    # ------------------------------------------------------------ source bundles

    #: (template in templates/<name>/, file written, what it is) for bundle()
    bundle_templates: list[tuple[str, str, str]] = []

    def bundle_reason(self) -> str:
        """Why the pipeline writes a bundle instead of compiling (printed)."""
        return f"{self.program} does not run here: nothing is compiled, writing a source bundle"

    def bundle_values(self, target: Target) -> dict:
        """Values (flag tables) the driver's bundle templates need."""
        return {}

    #: bundle files written with LF line ends even in a DOS bundle (shell scripts)
    bundle_lf: frozenset[str] = frozenset()

    def bundle(self, src_dir: Path, sources: list[Path], headers: list[Path], target: Target,
               out_dir: Path, *, library: list[Path] = (), source_description: str,
               extra_files=(), version: str = "", dos_text: bool = True, log=None,
               descriptions: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """Write a source bundle into ``out_dir``; return its (name, what) list.

        ``sources`` / ``headers`` are the ported program and the engine files (in
        ``src_dir``); they are copied under 8.3 upper-case names with their
        ``#include "..."`` lines following the renames. ``library`` sources are
        linked only as far as the program calls them where the makefile makes a
        static library of them (``library_objects``; ``objects`` lists every
        object). ``extra_files`` are (name, what) pairs the caller adds (model,
        RUN.BAT ...), listed in README.TXT;
        ``descriptions`` says what the caller's own sources are (engine files say it
        in engine_c89/runtime.toml).
        Text files get CRLF line ends (``dos_text=False``: LF, for a build on a Unix
        host), except those in ``bundle_lf``.
        """
        def text(name: str, body: str, encoding: str = "ascii") -> bytes:
            if dos_text and name not in self.bundle_lf:
                return crlf(body, encoding)
            return body.replace("\r\n", "\n").encode(encoding)

        if not self.bundle_templates:
            raise ToolchainError(f"the '{self.name}' compiler driver makes no source bundles")
        program = list(sources)
        sources = program + list(library)
        names = dos_names([p.name for p in sources + headers])
        files: list[tuple[str, str]] = []
        for path in sources + headers:
            body = rewrite_includes(path.read_text("utf-8"), names)
            (out_dir / names[path.name]).write_bytes(text(names[path.name], body, "utf-8"))
            what = (descriptions or {}).get(path.name) or runtime.describe(path.name)
            files.append((names[path.name], what))
        objects = [dos_stem(names[p.name]) + ".OBJ" for p in sources]
        direct = {p.name: [h for h in local_includes(p.read_text("utf-8")) if h in names]
                  for p in sources + headers}
        deps = {}
        for p in sources:        # every header a source reaches, for the makefile rules
            seen: set[str] = set()
            todo = list(direct[p.name])
            while todo:
                h = todo.pop()
                if h not in seen:
                    seen.add(h)
                    todo.extend(direct.get(h, []))
            deps[names[p.name]] = sorted(names[h] for h in seen)
        listed = list(files) + [(out, what) for _, out, what in self.bundle_templates]
        listed += list(extra_files)
        values = dict(self.bundle_values(target), target=target, version=version,
                      source_description=source_description, exe=EXE_NAME,
                      sources=[names[p.name] for p in sources], objects=objects, deps=deps,
                      program_objects=objects[:len(program)],
                      library_objects=objects[len(program):],
                      files=listed, has_model=any(n == MODEL_NAME for n, _ in extra_files))
        for template, out, what in self.bundle_templates:
            (out_dir / out).write_bytes(text(out, self.render(template, **values)))
            if out.endswith(".sh"):
                (out_dir / out).chmod(0o755)
            if log:
                log(f"wrote {out}")
            files.append((out, what))
        return files
