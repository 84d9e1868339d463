"""Malformed input never crashes the llama2.c programs llama98 builds (issue 9, item 3).

Every program the build makes from llama2.c (the pinned run.c and runq.c, the July 2023
run.c) is patched and ported as ``llama98 build`` does it, then built natively with
``gcc -fsanitize=address,undefined``. Each case gives it a damaged checkpoint, vocabulary
or command line: it must end with status 0, or with a message and a non-zero status, and
no sanitizer report. The EXEs ``llama98 build`` makes run a smaller sample under 32-bit
Wine: no page fault, and the same outcome.

The cases: a fixed list (every problem issue 9 names; each header field set to 0,
negative, INT_MAX and values whose products overflow 32 bits, with the file left as it
is and resized to fit the header; truncations; random bytes; vocabulary fields;
command-line arguments) and a seeded random sample drawn from the same mutations.
``LLAMA98_FUZZ=N`` draws N more per program (``LLAMA98_FUZZ_SEED`` picks the seed): the
long run is opt-in. ``test_each_hardening_patch_is_needed`` builds each program without
one patch at a time and shows the failure that patch prevents.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import pytest

from support import ROOT, need_tool
from toolchain import models, runtime
from toolchain.diag import ToolchainError

ENGINE = ROOT / "engine_c89"
INT_MAX, INT_MIN = 2**31 - 1, -2**31
MAGIC = 0x616B3432

# what a handled failure says: our loader, or llama2.c's own messages
MESSAGES = ("llama98: ", "Usage", "unknown mode", "not good", "couldn't load",
            "Couldn't open file", "malloc failed")
CRASHES = ("Sanitizer", "runtime error:", "Unhandled", "page fault", "stack smashing")
SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=0:exitcode=99:allocator_may_return_null=1",
    "UBSAN_OPTIONS": "halt_on_error=1:exitcode=98:print_stacktrace=1",
}
STEPS = "8"


# ---------------------------------------------------------------------------- inputs

def read_tokens(data: bytes) -> tuple[int, list[tuple[bytes, bytes]]]:
    """max_token_length and (score bytes, string) of each token of a vocabulary file."""
    max_len = struct.unpack_from("<i", data)[0]
    out, off = [], 4
    while off < len(data):
        length = struct.unpack_from("<i", data, off + 4)[0]
        out.append((data[off:off + 4], data[off + 8:off + 8 + length]))
        off += 8 + length
    return max_len, out


def write_tokens(max_len: int, tokens, lengths: dict[int, int] | None = None) -> bytes:
    parts = [struct.pack("<i", max_len)]
    for i, (score, text) in enumerate(tokens):
        parts.append(score + struct.pack("<i", (lengths or {}).get(i, len(text))) + text)
    return b"".join(parts)


def quantize(fp32: bytes, group: int = 64) -> bytes:
    """An export version 2 (int8, Q8_0) checkpoint of a legacy fp32 one, as runq.c reads it;
    the group is the largest power of two up to ``group`` dividing dim and hidden_dim."""
    np = pytest.importorskip("numpy")
    dim, hidden, layers, heads, kv, vocab, seq = struct.unpack_from("<7i", fp32)
    shared = vocab > 0
    vocab = abs(vocab)
    kv_dim = dim // heads * kv
    floats = np.frombuffer(fp32, dtype="<f4", offset=28)
    at = 0

    def take(n):
        nonlocal at
        at += n
        return floats[at - n:at]
    emb, rms_att = take(vocab * dim), take(layers * dim)
    wq, wk, wv, wo = (take(layers * dim * dim), take(layers * dim * kv_dim),
                      take(layers * dim * kv_dim), take(layers * dim * dim))
    rms_ffn = take(layers * dim)
    w1, w2, w3 = (take(layers * dim * hidden) for _ in range(3))
    rms_final = take(dim)
    take(seq * (dim // heads))
    wcls = emb if shared else take(vocab * dim)
    while dim % group or hidden % group:
        group //= 2

    def q8(a):
        a = a.reshape(-1, group)
        scale = (np.abs(a).max(axis=1) / 127.0).astype("<f4")
        q = np.round(a / np.where(scale == 0, 1, scale)[:, None]).astype(np.int8)
        return q.tobytes() + scale.tobytes()
    head = struct.pack("<Ii7iBi", MAGIC, 2, dim, hidden, layers, heads, kv, vocab, seq,
                       int(shared), group)
    body = [rms_att.tobytes(), rms_ffn.tobytes(), rms_final.tobytes(), q8(emb)]
    for tensor in (wq, wk, wv, wo, w1, w2, w3):
        body += [q8(part) for part in np.split(tensor, layers)]
    if not shared:
        body.append(q8(wcls))
    return head + bytes(256 - len(head)) + b"".join(body)


def header_offset(model: bytes) -> int:
    return 8 if model[:4] == struct.pack("<I", MAGIC) else 0


def set_field(model: bytes, index: int, value: int) -> bytes:
    out = bytearray(model)
    struct.pack_into("<i", out, header_offset(model) + 4 * index, value)
    return bytes(out)


def fit_size(model: bytes, limit: int = 40 << 20) -> bytes | None:
    """``model`` cut or zero-padded to the size its header describes (None: no such size)."""
    off = header_offset(model)
    fields = struct.unpack_from("<7i", model, off)
    try:
        if off:
            shared, group = struct.unpack_from("<Bi", model, 36)
            size = models.expected_int8_size(*fields, bool(shared), group)
        else:
            size = models.expected_checkpoint_size(*fields)
    except (ZeroDivisionError, ValueError):
        return None
    if not (256 if off else 28) <= size <= limit:
        return None
    return model[:size] + bytes(max(0, size - len(model)))


# ---------------------------------------------------------------------------- programs

@dataclass(frozen=True)
class Program:
    name: str
    exe: Path
    model: bytes            # a checkpoint it runs
    positional: bool        # the July 2023 CLI: run MODEL [temperature] [steps] [prompt]

    def argv(self, t="0", n=STEPS, prompt=None, extra=()) -> list:
        if self.positional:
            return [t, n] + ([prompt] if prompt is not None else [])
        return ["-t", t, "-n", n] + (["-i", prompt] if prompt is not None else []) + list(extra)

    @property
    def int8(self) -> bool:
        return header_offset(self.model) == 8


@dataclass(frozen=True)
class Case:
    model: bytes | None = None          # None: the program's own
    vocab: bytes | None = None          # None: tok512.bin
    args: tuple | None = None           # after MODEL.BIN; None: greedy, STEPS steps
    stdin: bytes = b""
    expect: str = ""                    # part of the message
    ok: bool | None = None              # True: must succeed, False: must fail, None: either


@dataclass
class Outcome:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self) -> str:
        return (self.stderr + self.stdout).decode("latin-1")


def build_native(source: str, name: str, out: Path, skip=(), sanitize=True) -> Path:
    """``source`` patched (less the patches in ``skip``) and ported as the build does, then
    built by the host gcc with the engine files (with the sanitizers unless told not to)."""
    from toolchain.c89 import port_source
    from toolchain.patching import apply_patches
    need_tool("gcc")
    out.mkdir(parents=True, exist_ok=True)
    patched = apply_patches(source, name, skip=skip).text
    (out / "run.c").write_text(port_source(patched, name, include_dirs=[ENGINE]).text)
    engine = [f.path for f in runtime.by_role("port", "llama") if f.is_source]
    exe = out / "run"
    flags = ["-std=c89", "-O1", "-g", "-fno-omit-frame-pointer"]
    if sanitize:
        flags += ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    proc = subprocess.run(["gcc", *flags, f"-I{ENGINE}", str(out / "run.c"), *map(str, engine),
                           "-o", str(exe), "-lm"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return exe


def run_case(prog: Program, case: Case, workdir: Path, runner=None, env=None,
             timeout=120) -> Outcome:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "MODEL.BIN").write_bytes(prog.model if case.model is None else case.model)
    if case.vocab is not None:
        (workdir / "TOKENIZE.BIN").write_bytes(case.vocab)
    else:
        shutil.copy(TOK512, workdir / "TOKENIZE.BIN")
    args = prog.argv() if case.args is None else list(case.args)
    cmd = (runner or []) + [str(prog.exe), "MODEL.BIN", *args]
    proc = subprocess.run(cmd, cwd=workdir, input=case.stdin, capture_output=True,
                          timeout=timeout, env={**os.environ, **SAN_ENV, **(env or {})})
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def check(out: Outcome, case: Case, what: str = "") -> None:
    text = out.text
    where = f"{what}: status {out.returncode}\n{text[-3000:]}"
    assert not any(c in text for c in CRASHES), where
    assert out.returncode in (0, 1), where
    if out.returncode:
        assert any(m in text for m in MESSAGES), "no message: " + where
    if case.ok is not None:
        assert (out.returncode == 0) == case.ok, where
    if case.expect:
        assert case.expect in text, where


# ---------------------------------------------------------------------------- the cases

SHARED_MODELS = ROOT.parent / "shared" / "models"
TOK512 = SHARED_MODELS / "tok512.bin"
LONG = "Once upon a time " * 50          # 850 bytes: more than seq_len, and than 511


def _tok512() -> bytes:
    return TOK512.read_bytes()


def _vocab_with(lengths=None, max_len=None, tokens=None) -> bytes:
    ml, toks = read_tokens(_tok512())
    return write_tokens(ml if max_len is None else max_len, tokens or toks, lengths)


def _tiny(size: int) -> Callable[[Program], Case]:
    return lambda p: Case(model=bytes(range(1, size + 1)),
                          expect="" if p.int8 else "smaller than the 28-byte", ok=False)


def _overflow(p: Program) -> Case:
    # issue 9: right size for the header, key/value cache of 2^32 floats
    if p.int8:
        head = struct.pack("<Ii7iBi", MAGIC, 2, 4, 2, 1024, 1, 1, 512, 1048576, 1, 2)
        model = fit_size(head + bytes(256 - len(head)))
    else:
        model = struct.pack("<7i", 4, 2, 1024, 1, 1, 512, 1048576) + bytes(17_178_668 - 28)
    return Case(model=model, expect="needs 32", ok=False)


def _field(index: int, value: int, fit: bool) -> Callable[[Program], Case | None]:
    def make(p: Program) -> Case | None:
        model = set_field(p.model, index, value)
        if fit:     # resized to the header, when it describes a file (of at most 40 MB)
            model = fit_size(model) or model
        return Case(model=model)
    return make


def _header(fields: tuple, fit: bool = True) -> Callable[[Program], Case | None]:
    def make(p: Program) -> Case | None:
        model = p.model
        for i, v in enumerate(fields):
            model = set_field(model, i, v)
        if fit:
            model = fit_size(model) or model
        return Case(model=model)
    return make


def _cut(where: Callable[[int], int]) -> Callable[[Program], Case]:
    return lambda p: Case(model=p.model[:where(len(p.model))], ok=False)


def _random_bytes(seed: int, start: int, count: int, t="0.8") -> Callable[[Program], Case]:
    def make(p: Program) -> Case:
        rng = random.Random(seed)
        model = bytearray(p.model)
        begin = start if start >= 0 else (256 if p.int8 else 28)
        for _ in range(count):
            model[rng.randrange(begin, len(model))] = rng.randrange(256)
        return Case(model=bytes(model), args=tuple(p.argv(t=t)))
    return make


def _short(p: Program, seq_len: int = 32) -> bytes:
    """The program's model with a short context (runs to seq_len end soon)."""
    return fit_size(set_field(p.model, 6, seq_len))


def _prompt_args(p: Program, prompt, **kw) -> tuple:
    return tuple(p.argv(prompt=prompt, **kw))


def _gqa(p: Program) -> Case:
    model = (SHARED_MODELS / "stories260K.bin").read_bytes()
    if p.int8:      # an fp32 file for runq.c: the wrong format
        return Case(model=model, ok=False)
    # the July 2023 run.c has no grouped-query attention: a message; newer ones run it
    return Case(model=model, expect="grouped-query attention" if p.positional else "",
                ok=not p.positional)


def flags_only(make: Callable[[Program], Case | None]) -> Callable[[Program], Case | None]:
    """A case for the newer command line (-t, -p, -m chat ...), not the July 2023 one."""
    make.flags_only = True
    return make


def _chat(p: Program, *extra, stdin=b"", expect="", ok=None) -> Case | None:
    if p.positional:
        return None
    return Case(args=tuple(p.argv(n="12", extra=("-m", "chat") + extra)), stdin=stdin,
                expect=expect, ok=ok)


FIXED: dict[str, Callable[[Program], Case | None]] = {
    # issue 9, one by one
    "model-0-bytes": _tiny(0),
    "model-3-bytes": _tiny(3),
    "model-27-bytes": _tiny(27),
    "header-overflows-32-bits": _overflow,
    "odd-head-size": _header((64, 172, 5, 64, 64)),
    "vocab-length-minus-1": lambda p: Case(vocab=_vocab_with({5: -1}), ok=False,
                                           expect="token 5 has length -1"),
    "vocab-length-0x40000000": lambda p: Case(vocab=_vocab_with({5: 0x40000000}), ok=False,
                                              expect="token 5 has length 1073741824"),
    "vocab-max-token-length-minus-1": lambda p: Case(vocab=_vocab_with(max_len=-1), ok=False,
                                                     args=_prompt_args(p, "Once upon"),
                                                     expect="max_token_length=-1"),
    "vocab-llama-32000-for-512": lambda p: Case(
        vocab=(SHARED_MODELS / "tokenizer.bin").read_bytes(), args=_prompt_args(p, "Once"),
        expect="has 32000 tokens but the model's vocab_size is 512", ok=False),
    "prompt-longer-than-seq-len": lambda p: Case(model=_short(p), args=_prompt_args(p, "a" * 100),
                                                 ok=True),
    "temperature-1e-38": lambda p: Case(args=tuple(p.argv(t="1e-38")), ok=True),
    "gqa-checkpoint": _gqa,
    # formats
    "int8-for-fp32-or-fp32-for-int8": lambda p: Case(
        model=(SHARED_MODELS / "stories260K_mha.bin").read_bytes() if p.int8
        else quantize((SHARED_MODELS / "stories260K.bin").read_bytes()), ok=False),
    "export-version-1": lambda p: Case(model=struct.pack("<Ii", MAGIC, 1) + p.model[8:],
                                       ok=False),
    # chat mode
    "chat-long-prompt": flags_only(
        lambda p: _chat(p, "-i", LONG, expect="too long", ok=False)),
    "chat-long-system-prompt": flags_only(
        lambda p: _chat(p, "-y", LONG, expect="too long", ok=False)),
    "chat-stdin-at-eof": flags_only(lambda p: _chat(p, ok=True)),
    "chat-from-stdin": flags_only(
        lambda p: _chat(p, stdin=b"be brief\nhello\nmore\n", ok=True)),
    # sampling with no token above the top-p cut-off, NaN probabilities
    "near-uniform-tiny-topp": flags_only(lambda p: Case(args=tuple(p.argv(
        t="1e9", extra=("-p", "1e-9"))))),
    "temperature-nan": lambda p: Case(args=tuple(p.argv(t="nan"))),
    "topp-nan": flags_only(lambda p: Case(args=tuple(p.argv(t="1", extra=("-p", "nan"))))),
    "random-weights-sampled": _random_bytes(1, -1, 4000),
}

# every header field: 0, negative, 1, INT_MAX, INT_MIN and others, the file as it is
# (a size mismatch) and resized to the header (the rules past the size check)
for _i, _name in enumerate(models.HEADER_FIELDS):
    for _v in (0, -1, INT_MAX, INT_MIN):
        FIXED[f"{_name}={_v}"] = _field(_i, _v, fit=False)
    for _v in (0, -1, 1, 2, 258, 46341, INT_MAX, INT_MIN):
        FIXED[f"{_name}={_v}-resized"] = _field(_i, _v, fit=True)
# products that overflow 32 bits: file sizes, key/value cache, attention scores
for _fields in [(2, 2, 1024, 1, 1, 259, 1048576), (8, 8, 1, 1, 1, 259, 1048576),
                (32768, 2, 1, 1, 1, 259, 2), (64, 262144, 1024, 8, 8, 512, 512),
                (1024, 1024, 1024, 1024, 1024, 1048576, 1048576), (16, 16, 1, 8, 8, 262144, 2),
                (64, 172, 5, 8, 4, -512, 512)]:
    FIXED["header=" + ",".join(map(str, _fields))] = _header(_fields)
    FIXED["header=" + ",".join(map(str, _fields)) + "-unresized"] = _header(_fields, fit=False)
# truncated and extended files
for _label, _where in [("8", lambda n: 8), ("28", lambda n: 28), ("255", lambda n: 255),
                       ("256", lambda n: 256), ("half", lambda n: n // 2),
                       ("minus-1", lambda n: n - 1)]:
    FIXED[f"model-cut-at-{_label}"] = _cut(_where)
for _extra in (1, 4096):
    FIXED[f"model-plus-{_extra}-bytes"] = lambda p, e=_extra: Case(model=p.model + bytes(e),
                                                                    ok=False)
for _seed in range(3):
    FIXED[f"random-header-{_seed}"] = _random_bytes(100 + _seed, 0, 12)
    FIXED[f"random-file-{_seed}"] = lambda p, s=_seed: Case(
        model=random.Random(200 + s).randbytes(random.Random(s).randrange(0, 5000)))
# the vocabulary
for _v in (0, 6, 65537, INT_MIN):
    FIXED[f"vocab-max-token-length={_v}"] = lambda p, v=_v: Case(vocab=_vocab_with(max_len=v),
                                                                 ok=False)
for _k in (5, 511):
    for _v in (-1, 0, 8, 0x40000000, INT_MIN):
        FIXED[f"vocab-token-{_k}-length={_v}"] = lambda p, k=_k, v=_v: Case(
            vocab=_vocab_with({k: v}), args=_prompt_args(p, "Once upon"))
for _label, _where in [("2", lambda n: 2), ("5", lambda n: 5), ("half", lambda n: n // 2),
                       ("minus-1", lambda n: n - 1)]:
    FIXED[f"vocab-cut-at-{_label}"] = lambda p, w=_where: Case(
        vocab=_tok512()[:w(len(_tok512()))], ok=False)
FIXED["vocab-one-token-more"] = lambda p: Case(
    vocab=_tok512() + struct.pack("<fi", 0.0, 2) + b"zz", ok=False, expect="has 513 tokens")
FIXED["vocab-trailing-garbage"] = lambda p: Case(vocab=_tok512() + b"\xff\xff", ok=True)
# a vocabulary without " " (the encoder's dummy prefix) or the 256 byte tokens: the
# July 2023 run.c says "not good" for a piece it lacks, newer ones go on
FIXED["vocab-without-space"] = lambda p: Case(
    vocab=_tok512().replace(struct.pack("<i", 1) + b" ", struct.pack("<i", 1) + b"_"),
    args=_prompt_args(p, "Once upon"), ok=None if p.positional else True)


def _small_vocab(count: int) -> Callable[[Program], Case | None]:
    def make(p: Program) -> Case | None:
        model = fit_size(set_field(p.model, 5, count))
        ml, toks = read_tokens(_tok512())
        return Case(model=model, vocab=write_tokens(ml, toks[:count]),
                    args=_prompt_args(p, "Once upon a time \u00e9"),
                    ok=None if p.positional else True)
    return make


FIXED["vocab-of-300-tokens"] = _small_vocab(300)
FIXED["vocab-of-100-tokens"] = _small_vocab(100)
FIXED["vocab-of-3-tokens"] = _small_vocab(3)
FIXED["vocab-nan-scores"] = lambda p: Case(
    vocab=write_tokens(7, [(struct.pack("<f", float("nan")), t) for _, t in
                           read_tokens(_tok512())[1]]), args=_prompt_args(p, "Once upon"),
    ok=True)
FIXED["vocab-is-the-model"] = lambda p: Case(vocab=p.model, ok=False)
for _seed in range(3):
    FIXED[f"vocab-random-strings-{_seed}"] = lambda p, s=_seed: Case(
        vocab=write_tokens(7, [(sc, random.Random(s * 1000 + i).randbytes(len(t)))
                               for i, (sc, t) in enumerate(read_tokens(_tok512())[1])]),
        args=_prompt_args(p, "Once upon a time"))
# the command line
_FLOATS = ("0", "-1", "1e-38", "1e38", "nan", "inf", "-inf", "abc", "")
_INTS = ("0", "-1", "2147483647", "-2147483648", "abc")
for _v in _FLOATS:
    FIXED[f"arg-t={_v}"] = lambda p, v=_v: Case(args=tuple(p.argv(t=v)))
    FIXED[f"arg-p={_v}"] = flags_only(lambda p, v=_v: Case(
        args=tuple(p.argv(t="1", extra=("-p", v)))))
for _v in _INTS:
    FIXED[f"arg-n={_v}"] = lambda p, v=_v: Case(model=_short(p), args=tuple(p.argv(n=v)))
    FIXED[f"arg-s={_v}"] = flags_only(lambda p, v=_v: Case(
        args=tuple(p.argv(t="1", extra=("-s", v)))))
for _label, _prompt in [("empty", ""), ("one-byte", "a"), ("long-5000", "x" * 5000),
                        ("invalid-utf8", b"\xff\xfe\xc3"), ("continuation-bytes", b"\x80" * 9),
                        ("4-byte-utf8", "\U0001d11e and \u00e9"), ("control", "\n\t\x01")]:
    FIXED[f"arg-prompt-{_label}"] = lambda p, v=_prompt: Case(args=_prompt_args(p, v))
for _label, _extra in [("mode-unknown", ("-m", "x")), ("mode-empty", ("-m", "")),
                       ("z-missing", ("-z", "NOPE.BIN")), ("z-directory", ("-z", ".")),
                       ("z-model", ("-z", "MODEL.BIN")), ("flag-without-value", ("-t",)),
                       ("unknown-flag", ("-x", "1")), ("no-dash", ("t", "1")),
                       ("long-flag", ("-tt", "1")), ("dash-only", ("-", "1"))]:
    FIXED[f"arg-{_label}"] = flags_only(lambda p, e=_extra: Case(args=tuple(p.argv(extra=e))))


def random_vocab(rng: random.Random, count: int) -> bytes:
    """A well-formed vocabulary of ``count`` tokens: llama2.c's layout, random words and scores."""
    tokens = [b"<unk>", b"\n<s>\n", b"\n</s>\n"] + [b"<0x%02X>" % i for i in range(256)] + [b" "]
    while len(tokens) < count:
        tokens.append(rng.choice([b" ", b""]) + bytes(rng.choice(b"abcdehilnorstuy .,!\xc3\xa9")
                                                       for _ in range(rng.randrange(1, 6))))
    scores = [struct.pack("<f", rng.choice([-float(i), rng.uniform(-1e4, 1e4), float("nan")]))
              for i in range(count)]
    return write_tokens(max(map(len, tokens[:count])), list(zip(scores, tokens[:count])))


def random_model(rng: random.Random, p: Program) -> tuple[bytes, int]:
    """A checkpoint with a random small header the rules accept (the July 2023 run.c's
    n_kv_heads = n_heads, mostly) and random weights: (file, vocab_size)."""
    np = pytest.importorskip("numpy")
    head_size = rng.choice([2, 4, 8])
    heads = rng.choice([1, 2, 4])
    kv = heads if p.positional and rng.random() < 0.9 else rng.choice([h for h in (1, 2, 4)
                                                                         if heads % h == 0])
    dim = head_size * heads
    group = rng.choice([g for g in (1, 2, 4) if dim % g == 0]) if p.int8 else 0
    hidden = rng.randrange(1, 40) * (group or 1) * (4 if p.int8 else 1)
    layers, vocab, seq = rng.randrange(1, 4), rng.randrange(259, 600), rng.randrange(1, 40)
    shared = rng.random() < 0.7
    if p.int8:
        vocab += vocab % 2          # dim * vocab: a multiple of 4
        size = models.expected_int8_size(dim, hidden, layers, heads, kv, vocab, seq, shared,
                                         group)
        head = struct.pack("<Ii7iBi", MAGIC, 2, dim, hidden, layers, heads, kv, vocab, seq,
                           int(shared), group)
        head += bytes(256 - len(head))
    else:
        head = struct.pack("<7i", dim, hidden, layers, heads, kv, vocab if shared else -vocab, seq)
        size = models.expected_checkpoint_size(*struct.unpack("<7i", head))
    kind = rng.choice(["bytes", "normal", "huge", "zeros"])
    count = size - len(head)
    if kind == "bytes":
        body = rng.randbytes(count)
    elif kind == "zeros":
        body = bytes(count)
    else:
        gen = np.random.default_rng(rng.randrange(1 << 30))
        scale = 1.0 if kind == "normal" else 1e30
        body = (gen.standard_normal(count // 4 + 1) * scale).astype("<f4").tobytes()[:count]
    if p.int8 and kind != "bytes":     # the scales are floats, the values random int8
        body = rng.randbytes(count)
    return head + body, vocab


def random_case(rng: random.Random, p: Program) -> Case | None:
    """One mutation drawn at random from the kinds the fixed list has."""
    kind = rng.choice(["field", "field", "fields", "cut", "bytes", "vocab-length",
                       "vocab-bytes", "vocab-cut", "args", "model", "model", "vocab"])
    if kind in ("model", "vocab"):
        model, vocab = random_model(rng, p) if kind == "model" else (p.model, 512)
        prompt = rng.choice([None, "", "Once upon a time", "é " * rng.randrange(1, 30),
                             rng.randbytes(rng.randrange(1, 60)).replace(b"\0", b"x")])
        if p.positional and isinstance(prompt, (str, bytes)) and len(prompt) > 0:
            prompt = prompt if rng.random() < 0.5 else None     # "not good" ends most
        return Case(model=model, vocab=random_vocab(rng, vocab),
                    args=tuple(p.argv(t=rng.choice(["0", "0.8", "1", "2"]), n="12",
                                      prompt=prompt)))
    values = [0, -1, 1, 2, 3, INT_MAX, INT_MIN, 1 << rng.randrange(31),
              rng.randrange(INT_MIN, INT_MAX), rng.randrange(1, 600)]
    if kind == "field":
        return _field(rng.randrange(7), rng.choice(values), rng.random() < 0.7)(p)
    if kind == "fields":
        model = p.model
        for _ in range(rng.randrange(2, 5)):
            model = set_field(model, rng.randrange(7), rng.choice(values))
        return Case(model=fit_size(model) if rng.random() < 0.7 else model)
    if kind == "cut":
        return Case(model=p.model[:rng.randrange(len(p.model) + 1)])
    if kind == "bytes":
        model = bytearray(p.model)
        for _ in range(rng.randrange(1, 64)):
            model[rng.randrange(min(len(model), rng.choice([64, 300, len(model)])))] = \
                rng.randrange(256)
        return Case(model=bytes(model), args=tuple(p.argv(t=rng.choice(["0", "0.8"]))))
    ml, toks = read_tokens(_tok512())
    if kind == "vocab-length":
        lengths = {rng.randrange(len(toks)): rng.choice(values + [0, 8, 0x40000000])
                   for _ in range(rng.randrange(1, 3))}
        return Case(vocab=write_tokens(rng.choice([ml, ml, rng.choice(values)]), toks, lengths),
                    args=_prompt_args(p, "Once upon a time"))
    if kind == "vocab-bytes":
        vocab = bytearray(_tok512())
        for _ in range(rng.randrange(1, 32)):
            vocab[rng.randrange(len(vocab))] = rng.randrange(256)
        return Case(vocab=bytes(vocab), args=_prompt_args(p, "Once upon a time"))
    if kind == "vocab-cut":
        return Case(vocab=_tok512()[:rng.randrange(len(_tok512()) + 1)])
    prompt = rng.choice([None, "", "Once", "a" * 40, rng.randbytes(rng.randrange(1, 40)).replace(
        b"\0", b"a"), "x" * rng.randrange(1, 600)])
    args = p.argv(t=rng.choice(_FLOATS), n=rng.choice(_INTS), prompt=prompt)
    if not p.positional:
        for _ in range(rng.randrange(0, 3)):
            args += [rng.choice(["-p", "-s", "-m", "-y", "-z"]),
                     rng.choice(list(_FLOATS) + list(_INTS) + ["chat", LONG])]
    return Case(model=_short(p), args=tuple(args))


# ---------------------------------------------------------------------------- fixtures

VERSIONS = ["pinned-run.c", "pinned-runq.c", "july-2023-run.c"]


def _source(name: str, request) -> tuple[str, str]:
    if name == "july-2023-run.c":
        return request.getfixturevalue("llamac2py_run_c").read_text(), "run.c"
    pinned = request.getfixturevalue("pinned_run_c")
    path = pinned if name == "pinned-run.c" else pinned.parent / "runq.c"
    if not path.is_file():
        pytest.skip(f"no {path}")
    return path.read_text(), path.name


def _model_for(name: str) -> bytes:
    if not (SHARED_MODELS / "stories260K.bin").is_file():
        pytest.skip(f"shared models not found at {SHARED_MODELS}")
    if name == "pinned-runq.c":
        return quantize((SHARED_MODELS / "stories260K.bin").read_bytes())
    if name == "july-2023-run.c":          # no grouped-query attention
        return (SHARED_MODELS / "stories260K_mha.bin").read_bytes()
    return (SHARED_MODELS / "stories260K.bin").read_bytes()


_BUILT: dict[str, Program] = {}


def _program(version: str, request, tmp_path_factory) -> Program:
    """The version's program built with the sanitizers (once per session)."""
    if version not in _BUILT:
        source, name = _source(version, request)
        exe = build_native(source, name, tmp_path_factory.mktemp(version))
        _BUILT[version] = Program(version, exe, _model_for(version), version.startswith("july"))
    return _BUILT[version]


@pytest.fixture(params=VERSIONS)
def program(request, tmp_path_factory) -> Program:
    return _program(request.param, request, tmp_path_factory)


CASES = [pytest.param(v, cid, id=f"{v}-{cid}") for v in VERSIONS for cid in FIXED
         if not (v.startswith("july") and getattr(FIXED[cid], "flags_only", False))]


# ---------------------------------------------------------------------------- native

def test_each_program_prints_the_story(program, tmp_path):
    out = run_case(program, Case(args=tuple(program.argv(n="60"))), tmp_path)
    check(out, Case(ok=True), program.name)
    assert b"Once upon a time, there was a little girl named Lily" in out.stdout


@pytest.mark.parametrize("version, case_id", CASES)
def test_malformed_input_gets_a_message(version, case_id, request, tmp_path_factory):
    program = _program(version, request, tmp_path_factory)
    case = FIXED[case_id](program)
    # one folder per program, its two files written again for each case (little disk)
    check(run_case(program, case, program.exe.parent / "w"), case, f"{program.name} {case_id}")


def test_model_path_is_a_directory(program, tmp_path):
    (tmp_path / "DIR.BIN").mkdir()
    args = ["DIR.BIN", "0", STEPS] if program.positional else ["DIR.BIN", "-n", STEPS]
    shutil.copy(TOK512, tmp_path / "TOKENIZE.BIN")
    proc = subprocess.run([str(program.exe), *args], cwd=tmp_path, capture_output=True,
                          timeout=60, env={**os.environ, **SAN_ENV})
    check(Outcome(proc.returncode, proc.stdout, proc.stderr), Case(ok=False), program.name)


def _random_cases(p: Program, seed: int, count: int) -> list[tuple[str, Case]]:
    rng = random.Random(f"{seed}-{p.name}")
    out = []
    while len(out) < count:
        case = random_case(rng, p)
        if case is not None:
            out.append((f"seed {seed} #{len(out)}", case))
    return out


def _run_all(p: Program, cases, tmp_path: Path, **kw) -> list[str]:
    failures = []
    for label, case in cases:
        try:
            check(run_case(p, case, tmp_path / "w", **kw), replace(case, expect="", ok=None),
                  f"{p.name} {label}")
        except AssertionError as err:
            failures.append(str(err).split("\nassert")[0][:2000])
    return failures


def test_seeded_random_sample(program, tmp_path):
    failures = _run_all(program, _random_cases(program, 9, 25), tmp_path)
    assert not failures, "\n\n".join(failures)


@pytest.mark.skipif(not os.environ.get("LLAMA98_FUZZ"), reason="opt-in: LLAMA98_FUZZ=N")
def test_long_fuzz_run(program, tmp_path):
    count = int(os.environ["LLAMA98_FUZZ"])
    seed = int(os.environ.get("LLAMA98_FUZZ_SEED", "1"))
    failures = _run_all(program, _random_cases(program, seed, count), tmp_path)
    print(f"{program.name}: {count} random cases (seed {seed}), {len(failures)} failures")
    assert not failures, "\n\n".join(failures[:20])


def test_stdin_at_eof_leaves_no_uninitialized_prompt(request, tmp_path):
    """chat() with no system prompt and stdin at its end (valgrind sees what ASan cannot)."""
    need_tool("valgrind")
    source, name = _source("pinned-run.c", request)
    prog = Program("plain", build_native(source, name, tmp_path / "b", sanitize=False),
                   _model_for("pinned-run.c"), False)
    out = run_case(prog, _chat(prog), tmp_path / "w",
                   runner=["valgrind", "-q", "--error-exitcode=97"])
    assert out.returncode == 0, out.text[-3000:]


# ---------------------------------------------------------------------------- each patch

NEEDED = {
    # patch: (program, case, what shows without the patch)
    "model-checks": [("pinned-run.c", "model-3-bytes", "silent"),
                     ("july-2023-run.c", "gqa-checkpoint", "crash")],
    "vocab-checks": [("pinned-run.c", "vocab-max-token-length-minus-1", "crash"),
                     ("pinned-run.c", "vocab-length-minus-1", "no-message")],
    "encode-token-ids": [("pinned-run.c", "vocab-without-space", "crash"),
                         ("pinned-run.c", "vocab-of-100-tokens", "crash")],
    "topp-empty-nucleus": [("pinned-run.c", "temperature-1e-38", "crash")],
    "chat-prompt-bounds": [("pinned-run.c", "chat-long-prompt", "crash")],
    "prompt-buffer": [("july-2023-run.c", "prompt-longer-than-seq-len", "crash")],
    "stdin-eof": [("pinned-run.c", "chat-stdin-at-eof", "valgrind")],
}


@pytest.mark.slow
@pytest.mark.parametrize("patch_id", list(NEEDED))
def test_each_hardening_patch_is_needed(patch_id, request, tmp_path):
    """Without the patch its case fails: a sanitizer report, valgrind errors, no message."""
    for version, case_id, symptom in NEEDED[patch_id]:
        source, name = _source(version, request)
        build = tmp_path / version
        valgrind = symptom == "valgrind"
        if valgrind:
            need_tool("valgrind")
        prog = Program(version, build_native(source, name, build, skip=(patch_id,),
                                             sanitize=not valgrind),
                       _model_for(version), version.startswith("july"))
        case = FIXED[case_id](prog)
        out = run_case(prog, case, build / "w",
                       runner=["valgrind", "-q", "--error-exitcode=97"] if valgrind else None)
        if symptom == "crash":
            assert any(c in out.text for c in CRASHES), out.text[-2000:]
        elif symptom == "valgrind":
            assert out.returncode == 97 and "uninitialised" in out.text, out.text[-2000:]
        else:           # exits non-zero without saying why, or not in our words
            assert out.returncode != 0 and case.expect not in out.text, out.text[-2000:]
            if symptom == "silent":
                assert not out.text.strip(), out.text


# ---------------------------------------------------------------------------- build = EXE

PARITY_DRIVER = r"""
#include <stdio.h>
#include <string.h>
#include "l98load.h"
int main(int argc, char **argv)
{   /* checks argv[2] as a program reading it with a first read of argv[1] bytes does */
    char buf[28];
    FILE *f = l98_fopen_model(argv[2], "rb");
    if (f == NULL) { return 3; }
    l98_fread_model(buf, strcmp(argv[1], "28") == 0 ? 28 : 4, 1, f);
    l98_fclose_model(f);
    (void)argc;
    puts("ok");
    return 0;
}
"""


def test_build_checks_and_exe_loader_agree(tmp_path):
    """models.check_checkpoint (before compiling) accepts exactly what l98load.c accepts."""
    need_tool("gcc")
    (tmp_path / "drv.c").write_text(PARITY_DRIVER)
    drv = tmp_path / "drv"
    subprocess.run(["gcc", "-std=c89", "-fsanitize=address,undefined", f"-I{ENGINE}",
                    str(tmp_path / "drv.c"), str(ENGINE / "l98load.c"), "-o", str(drv)],
                   check=True)
    rng = random.Random(5)
    base = [(64, 172, 5, 8, 4, 512, 512), (4, 2, 1024, 1, 1, 512, 1048576),
            (288, 768, 6, 6, 6, 32000, 256), (16, 48, 2, 2, 1, 300, 64)]
    agree = {True: 0, False: 0}
    for n in range(300):
        fields = list(rng.choice(base))
        for _ in range(rng.randrange(0, 3)):
            fields[rng.randrange(7)] = rng.choice(
                [0, -1, 1, 2, 4, 6, 259, 512, 1024, 2048, 1 << 15, (1 << 15) + 2, 1 << 18,
                 1 << 20, (1 << 20) + 1, INT_MAX, INT_MIN, -512, rng.randrange(1, 5000)])
        int8 = rng.random() < 0.4
        if int8:
            head = struct.pack("<Ii7iBi", MAGIC, 2 if rng.random() < 0.95 else 1, *fields,
                               rng.choice([0, 1, 1, 2]), rng.choice([1, 2, 4, 8, 32, 64, 0, -2]))
            head += bytes(256 - len(head))
        else:
            head = struct.pack("<7i", *fields)
        path = tmp_path / "m.bin"
        path.write_bytes(head)
        if rng.random() < 0.85:       # mostly the size the header describes (sparse)
            try:
                size = (models.expected_int8_size(*fields, head[36] == 1, struct.unpack_from(
                    "<i", head, 37)[0]) if int8 else models.expected_checkpoint_size(*fields))
            except ZeroDivisionError:
                size = len(head)
            size += rng.choice([0, 0, 0, -1, 4])
            if 0 < size <= 1 << 31:
                with open(path, "r+b") as f:
                    f.truncate(size)
        try:
            models.check_checkpoint(path, (0, 2))
            python_ok = True
        except ToolchainError:
            python_ok = False
        proc = subprocess.run([str(drv), "4" if int8 else "28", str(path)],
                              capture_output=True, text=True)
        assert not any(c in proc.stderr for c in CRASHES), proc.stderr
        c_ok = proc.returncode == 0
        assert c_ok == python_ok, (fields, head[36:41].hex() if int8 else "", path.stat().st_size,
                                   proc.stderr)
        agree[c_ok] += 1
    assert agree[True] > 40 and agree[False] > 40, agree


# ---------------------------------------------------------------------------- Wine

WINE_CASES = ["model-3-bytes", "header-overflows-32-bits", "odd-head-size",
              "vocab-length-minus-1", "vocab-length-0x40000000",
              "vocab-max-token-length-minus-1", "vocab-llama-32000-for-512",
              "prompt-longer-than-seq-len", "temperature-1e-38", "gqa-checkpoint",
              "chat-long-prompt", "near-uniform-tiny-topp", "random-weights-sampled",
              "n_kv_heads=2-resized", "seq_len=1-resized", "model-cut-at-half"]


@pytest.fixture(scope="session")
def exes(tmp_path_factory, pytestconfig, request) -> dict[str, Path]:
    """LLAMA98.EXE built by `llama98 build` from each llama2.c version."""
    need_tool("i686-w64-mingw32-gcc")
    env = dict(os.environ)
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    request.getfixturevalue("llamac2py_run_c")          # fills that cache
    out = {}
    for version in VERSIONS:
        src = []
        if version != "july-2023-run.c":
            pinned = request.getfixturevalue("pinned_run_c")
            src = ["--source", str(pinned if version == "pinned-run.c"
                                   else pinned.parent / "runq.c")]
            if version == "pinned-runq.c":
                src += ["--quant", "q8"]      # runq.c is the int8 engine
        d = tmp_path_factory.mktemp(version)
        proc = subprocess.run([sys.executable, "-m", "toolchain.cli", "build", "--offline", *src,
                               "--build-dir", str(d / "build"), "--dist", str(d / "dist")],
                              capture_output=True, text=True, cwd=ROOT, env=env)
        if proc.returncode == 0:
            out[version] = d / "dist" / "LLAMA98.EXE"
        else:
            print(f"{version}: no EXE ({proc.stderr.strip().splitlines()[-1:]})")
    return out


@pytest.mark.slow
@pytest.mark.wine
@pytest.mark.parametrize("version", VERSIONS)
def test_exe_under_wine_never_faults(version, exes, wine_env, tmp_path):
    if version not in exes:
        pytest.skip(f"llama98 build cannot build {version} yet")
    prog = Program(version, exes[version], _model_for(version), version.startswith("july"))
    cases = [(cid, FIXED[cid](prog)) for cid in WINE_CASES
             if not (prog.positional and getattr(FIXED[cid], "flags_only", False))]
    cases += _random_cases(prog, 9, 30)
    if os.environ.get("LLAMA98_FUZZ"):          # the opt-in long run, under Wine too
        cases += _random_cases(prog, int(os.environ.get("LLAMA98_FUZZ_SEED", "1")),
                               int(os.environ["LLAMA98_FUZZ"]))
    env = dict(wine_env, WINEDEBUG="-all")
    # one wineserver, and Wine's services started once with no pipes of ours, so each run
    # is quick and ends when the program ends (the server exits a minute after the last)
    quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                 stderr=subprocess.DEVNULL, env=env, timeout=300)
    subprocess.run(["wineserver", "-p60"], **quiet)
    subprocess.run(["wine", "cmd", "/c", "exit"], **quiet)
    failures = _run_all(prog, cases, tmp_path, runner=["wine"], env=env, timeout=300)
    assert not failures, "\n\n".join(failures)
