"""Compiler-style diagnostics and the one error type every tool raises.

Every user-facing failure is a :class:`ToolchainError`; the command-line
front ends print it as ``path:line:col: error: message`` (or just
``llama98: error: message`` when there is no location) and exit non-zero,
never with a traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnostic:
    """One message about one place in one file."""

    path: str
    line: int
    col: int
    severity: str  # "error" | "warning" | "note"
    message: str
    code: str = ""  # the pass or check that produced it, shown as [code]

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        tail = f" [{self.code}]" if self.code else ""
        return f"{where}: {self.severity}: {self.message}{tail}"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "code": self.code,
        }


class ToolchainError(Exception):
    """A failure the user can act on. ``exit_code`` follows the tool's contract."""

    def __init__(self, message: str, *, diagnostics: list[Diagnostic] | None = None,
                 exit_code: int = 1, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.diagnostics = list(diagnostics or [])
        self.exit_code = exit_code
        self.hint = hint

    def render(self, prog: str = "llama98") -> str:
        lines = [str(d) for d in self.diagnostics]
        lines.append(f"{prog}: error: {self.message}")
        if self.hint:
            lines.append(f"{prog}: note: {self.hint}")
        return "\n".join(lines)


def report(err: ToolchainError, prog: str = "llama98") -> int:
    """Print ``err`` to stderr the way a compiler would; return its exit code."""
    print(err.render(prog), file=sys.stderr)
    return err.exit_code
