"""Porting under several preprocessor configurations: the text must come out
C89 in each (``c89port --config``)."""

from __future__ import annotations

import shlex

from ..diag import Diagnostic, ToolchainError
from .frontend.includers import not_included
from .passes.inactive import NAME as INACTIVE
from .pipeline import PortResult, port_source

MAX_CONFIG_ROUNDS = 6


def parse_config(flags: str) -> list[str]:
    """``"-DFOO -DBAR=2"`` -> ``["FOO", "BAR=2"]``."""
    out = []
    words = shlex.split(flags)
    k = 0
    while k < len(words):
        w = words[k]
        if w == "-D" and k + 1 < len(words):
            out.append(words[k + 1])
            k += 2
            continue
        if w.startswith("-D") and len(w) > 2:
            out.append(w[2:])
        else:
            raise ToolchainError(f"--config {flags!r}: only -DNAME[=VALUE] flags are "
                                 f"understood, not {w!r}", exit_code=2)
        k += 1
    return out


def config_label(cfg: list[str]) -> str:
    """``["FOO", "BAR=2"]`` -> ``-DFOO -DBAR=2`` (``(no -D)`` for the plain one)."""
    return " ".join("-D" + d for d in cfg) or "(no -D)"


def port_configs(text: str, path: str, configs: list[list[str]], *, include_dirs=(),
                 defines=(), compat_header="c89compat.h", context=None) -> PortResult:
    """Port ``text`` so that it is C89 under every configuration (a list of
    -D lists; ``[[]]`` is the plain one).  Raises ToolchainError."""
    base = list(defines)
    if len(configs) == 1:  # port_source's result is already a fixed point
        res = port_source(text, path, include_dirs=include_dirs, defines=base + configs[0],
                          compat_header=compat_header, context=context)
        return res
    cur = text
    passes: list[str] = []
    final: dict[int, list[Diagnostic]] = {}
    dropped: dict[int, ToolchainError] = {}    # configurations where the includer skips it
    for _ in range(MAX_CONFIG_ROUNDS):
        changed = False
        for k, cfg in enumerate(configs):
            if k in dropped:
                continue
            try:
                res = port_source(cur, path, include_dirs=include_dirs, defines=base + cfg,
                                  compat_header=compat_header, context=context)
            except ToolchainError as err:
                if context is not None and not_included(err):
                    # the includer does not include it in this configuration:
                    # nothing to check there (the others port it)
                    dropped[k] = err
                    if len(dropped) == len(configs):
                        raise
                    continue
                if len(configs) > 1:
                    err.message += f" (configuration {config_label(cfg)})"
                raise
            final[k] = res.diagnostics
            for p in res.passes_applied:
                if p not in passes:
                    passes.append(p)
            if res.text != cur:
                cur = res.text
                changed = True
                # everything checked so far must be checked again
        if not changed:
            break
    else:
        raise ToolchainError(
            f"{path}: the configurations need rewrites that undo each other "
            f"({', '.join(config_label(c) for c in configs)}); port them separately",
            exit_code=2)
    diags: list[Diagnostic] = []
    if len(configs) == 1:
        diags = list(final.get(0, []))
    else:
        seen: dict[Diagnostic, list[int]] = {}
        for k in range(len(configs)):
            for d in final.get(k, []):
                seen.setdefault(d, []).append(k)
        active = len(configs) - len(dropped)
        for d, ks in seen.items():
            if d.code == INACTIVE:
                # a region dropped in one configuration but seen in another is checked there
                if len(ks) < active:
                    continue
            elif len(ks) < active and d.severity != "note":
                d = Diagnostic(d.path, d.line, d.col, d.severity,
                               d.message + " (configuration "
                               + ", ".join(config_label(configs[k]) for k in ks) + ")", d.code)
            diags.append(d)
    return PortResult(cur, cur != text, diags, passes)
