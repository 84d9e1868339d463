"""What every compiler driver provides (Meson-style: detection, flags, command lines)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..diag import ToolchainError
from ..targets import Target

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass
class BuildResult:
    exe: Path
    map_file: Path | None = None
    commands: list[list[str]] = field(default_factory=list)


class CompilerDriver:
    name = ""
    #: executable looked up on PATH
    program = ""
    #: how to install it, for the error message when it is missing
    install_hint = ""

    def __init__(self) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES / self.name)),
            keep_trailing_newline=True, undefined=jinja2.StrictUndefined)

    def find(self) -> str:
        path = shutil.which(self.program)
        if not path:
            raise ToolchainError(f"{self.program} not found on PATH (needed by the "
                                 f"'{self.name}' compiler driver)", hint=self.install_hint)
        return path

    def render(self, template: str, **values) -> str:
        return self._env.get_template(template).render(**values)

    def run(self, cmd: list[str], *, cwd: Path, log=None) -> None:
        if log:
            log(" ".join(shlex.quote(c) for c in cmd))
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip()
            raise ToolchainError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}):\n{output}")

    def build(self, sources: list[Path], *, target: Target, workdir: Path, exe_name: str,
              include_dirs: list[Path], log=None) -> BuildResult:
        raise NotImplementedError
