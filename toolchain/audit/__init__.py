"""Binary audit: does an executable run on a target Windows 9x machine?

``audit_file(path, target)`` decodes every instruction of the executable sections
(iced-x86) and checks it against the target's CPU ceiling, checks the PE header
against the Windows 9x loader and every import against the target's exports.
The names are imported lazily so ``llama98 --help`` does not load iced-x86/pefile.
"""

from __future__ import annotations

__all__ = ["audit_file", "AuditReport", "AuditInputError"]


def __getattr__(name: str):
    if name == "audit_file":
        from .core import audit_file
        return audit_file
    if name == "AuditReport":
        from .report import AuditReport
        return AuditReport
    if name == "AuditInputError":
        from .image import AuditInputError
        return AuditInputError
    raise AttributeError(f"module 'toolchain.audit' has no attribute {name!r}")
