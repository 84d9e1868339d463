"""Walks over the AST of a chunk, computed once per node object.

The chunk cache (``frontend.chunks``) hands the same top-level nodes to
every unit that contains the chunk, so what a pass finds under one of them
is kept for the next round and the next file: ``walk_cached(ext, key,
find)`` computes ``find(ext)`` once per node object and key.
"""

from __future__ import annotations

_WALKS: dict[tuple[int, str], tuple[object, object]] = {}


def walk_cached(ext, key: str, find):
    """``find(ext)`` for the top-level node ``ext``, computed once per node
    object (``find`` must read nothing but the subtree)."""
    ent = _WALKS.get((id(ext), key))
    if ent is None or ent[0] is not ext:
        if len(_WALKS) > 400_000:
            _WALKS.clear()
        ent = _WALKS[(id(ext), key)] = (ext, find(ext))
    return ent[1]


def clear() -> None:
    _WALKS.clear()


def _preorder(ext) -> list:
    out = []
    stack = [ext]
    pop, extend, append = stack.pop, stack.extend, out.append
    while stack:
        n = pop()
        append(n)
        extend(c for _, c in reversed(n.children()))
    return out


def nodes(ext) -> list:
    """Every node under the top-level node ``ext`` (itself first), in source
    order: the one walk of a chunk that the passes filter."""
    return walk_cached(ext, "nodes", _preorder)


def body_nodes(fd) -> list:
    """The nodes of a function definition's body, in source order."""
    return walk_cached(fd, "body", _body_nodes)


def _body_nodes(fd) -> list:
    all_ = nodes(fd)
    return all_[all_.index(fd.body):]   # the body is the last child
