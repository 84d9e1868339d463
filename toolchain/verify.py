"""The verify step of every build: the ported program computes what the reference computes.

After compile and audit, before packaging:

1. The ported sources are built natively with the host's gcc (x86-64, no -m32), with one
   addition compiled into this build only: a hook (``data/l98verify.c``) called right
   after the one statement that computes the ``logits`` member (in every llama2.c
   version a call whose first argument is ``...->logits``, such as ``matmul(s->logits,
   x, w->wcls, dim, vocab)``), which appends the vector to a file.
2. With a model, that build runs greedy decoding for :data:`STEPS` positions. How to ask
   the program for greedy decoding is read from its own usage text (``-t``/``-n``
   options, or positional ``[temperature] [steps]``), not from its version.
3. :mod:`toolchain.reference` computes the logits for the same input tokens. Every
   position's logits must agree within :data:`RTOL` x max|logit| + :data:`ATOL`, and the
   program's choice must be the reference's argmax (a choice the reference scores within
   that tolerance of its maximum counts as a tie, and is reported).
4. When 32-bit Wine runs here, the EXE runs the same command under Wine (a persistent
   prefix in the llama98 cache folder) and must print byte for byte what the native build
   printed (CRLF line ends; the measured "achieved tok/s" line left out).

A mismatch stops the build. With grouped-query attention (fewer key/value than query
heads), the failing program is run once more on the model with its key/value heads
duplicated: if that matches the reference, the program has no grouped-query attention,
and the message says so and what to do.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import checkpoint as ck
from . import reference
from .diag import ToolchainError
from .logits_hook import HOOK_ENV, Instrumented, NotInstrumentable, hook_source, instrument
from .wine import RUN_TIMEOUT, first_difference, run_wine, wine_version, wine_works, without_speed

STEPS = 40                 # greedy positions the native build and the EXE run
# logits: |native - reference| <= RTOL * max|reference logit| + ATOL at every position.
# fp32: measured up to 1.2e-6 x max|logit| over 200 positions of stories260K (upstream and
# July 2023 run.c), so 1e-4 leaves two orders of magnitude.
RTOL = 1e-4
ATOL = 1e-4
# int8 (Q8_0): the activations are rounded to int8 before every product; where the C
# and the reference differ in the last bit of a float (expf), one value can round the
# other way, and from there on the two runs differ by int8 rounding noise (measured on
# stories260K against runq.c: exact for the first 51 positions, then up to 0.74% of the
# largest logit by position 200).
RTOL_Q8 = 5e-2
ATOL_Q8 = 1e-3
# x86-64 SSE arithmetic is IEEE single precision at any optimisation level (no FMA
# contraction for the default -march), so -O1 computes what -O2 does, in half the time
NATIVE_FLAGS = ("-O1", "-w")
MODEL_NAME = "MODEL.BIN"
TOKENIZER_NAME = "TOKENIZE.BIN"

Log = Callable[[str], object]


# ---------------------------------------------------------------------------- native build

def compile_native(sources: list[Path], include_dirs: list[Path], out: Path, *,
                   std: str = "c89", log: Log | None = None) -> Path:
    """The sources plus the hook, built by the host gcc (no -m32: gcc-multilib not needed)."""
    gcc = shutil.which("gcc")
    if not gcc:
        raise ToolchainError("verify: gcc not found on PATH (the native verify build needs it)",
                             hint="install gcc (scripts/setup.sh does)")
    hook = out.parent / "l98verify.c"
    hook.write_text(hook_source(), "utf-8")
    cmd = [gcc, f"-std={std}", *NATIVE_FLAGS, *(f"-I{d}" for d in include_dirs),
           *map(str, sources), str(hook), "-o", str(out), "-lm"]
    if log:
        log(" ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        first = "\n".join(proc.stderr.strip().splitlines()[:12])
        raise ToolchainError(f"verify: the ported sources do not build natively with gcc:\n"
                             f"{first}")
    return out


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes
    logits: list[np.ndarray]

    @property
    def crash(self) -> str:
        """'' or how the program died ('killed by SIGSEGV')."""
        if self.returncode < 0:
            try:
                return f"killed by {signal.Signals(-self.returncode).name}"
            except ValueError:
                return f"killed by signal {-self.returncode}"
        return ""


def read_records(path: Path) -> list[tuple[int, np.ndarray]]:
    """The hook's file: int32 tag, int32 count, float32 values, repeated (a cut-off tail
    is dropped)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    out, offset = [], 0
    while offset + 8 <= len(data):
        tag, n = (int(v) for v in np.frombuffer(data, dtype=np.int32, count=2, offset=offset))
        if n < 0 or offset + 8 + 4 * n > len(data):
            break
        out.append((tag, np.frombuffer(data, dtype=np.float32, count=n, offset=offset + 8).copy()))
        offset += 8 + 4 * n
    return out


def computed_logits(records: list[tuple[int, np.ndarray]]) -> list[np.ndarray]:
    """The vectors of the first tag to fire: the statement that computes the logits."""
    if not records:
        return []
    first = records[0][0]
    return [vec for tag, vec in records if tag == first]


def run_native(exe: Path, args: list[str], cwd: Path, timeout: float = RUN_TIMEOUT) -> Run:
    records = cwd / "logits.bin"
    records.unlink(missing_ok=True)
    env = dict(os.environ, **{HOOK_ENV: str(records)})
    try:
        proc = subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolchainError(f"verify: the native build did not finish `{' '.join(args)}` "
                             f"within {timeout:.0f} s") from None
    return Run(args=args, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr,
               logits=computed_logits(read_records(records)))


def greedy_args(usage: str, steps: int, model: str = MODEL_NAME) -> list[str] | None:
    """Arguments for greedy decoding of ``steps`` positions, from the program's usage text.

    Options ``-t <float>`` and ``-n <int>`` -> ``model -t 0 -n steps``; a usage line
    ``<checkpoint> [temperature] [steps] ...`` -> ``model 0.0 steps``. None: neither.
    """
    if re.search(r"^\s*-t\s*<", usage, re.M) and re.search(r"^\s*-n\s*<", usage, re.M):
        return [model, "-t", "0", "-n", str(steps)]
    m = re.search(r"usage:\s*\S+((?:\s+[<\[][^>\]\s]+[>\]])+)", usage, re.I)
    if not m:
        return None
    words = re.findall(r"[<\[]([^>\]\s]+)[>\]]", m.group(1))
    values = []
    for word in words:
        low = word.lower()
        if "checkpoint" in low or "model" in low:
            values.append(model)
        elif "temperature" in low:
            values.append("0.0")
        elif "steps" in low:
            values.append(str(steps))
        else:
            break
    if "0.0" not in values or str(steps) not in values or model not in values:
        return None
    return values


def usage_text(exe: Path, cwd: Path) -> str:
    try:
        proc = subprocess.run([str(exe)], cwd=cwd, capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return ""
    return (proc.stdout + proc.stderr).decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------- comparison

def tolerance(quantized: bool) -> tuple[float, float]:
    """(relative, absolute): |native - reference| <= rel * max|reference logit| + abs."""
    return (RTOL_Q8, ATOL_Q8) if quantized else (RTOL, ATOL)


@dataclass
class Comparison:
    positions: int = 0
    choices: list[int] = field(default_factory=list)
    max_diff: float = 0.0
    max_allowed: float = 0.0      # the tolerance at the position of max_diff
    ties: list[int] = field(default_factory=list)   # positions decided by a near tie
    problem: str = ""             # '' when the program agrees with the reference

    @property
    def ok(self) -> bool:
        return not self.problem


def _quote(text: str, limit: int = 40, start: bool = False) -> str:
    if len(text) > limit:
        text = text[:limit] + "..." if start else "..." + text[-limit:]
    return "'" + text.replace("\n", "\\n") + "'"


def compare(net: reference.Transformer, logits: list[np.ndarray],
            vocab: reference.Vocabulary | None = None) -> Comparison:
    """The program's logits at each position against the reference's for the same inputs.

    The program's inputs are BOS, then its own greedy choices (the argmax of each
    vector); the reference is fed the same tokens, so one early near tie does not make
    every later position incomparable.
    """
    c = net.config
    rtol, atol = tolerance(net.model.quantized)
    out = Comparison(positions=len(logits))
    if not logits:
        out.problem = "it computed no logits"
        return out
    out.choices = [reference.argmax(v) for v in logits]
    inputs = [reference.BOS] + out.choices[:-1]

    def where(pos: int) -> str:
        if vocab is None or pos == 0:
            return f"at position {pos}" + (" (the first token)" if pos == 0 else "")
        return f"at position {pos} (after {_quote(vocab.text(out.choices[:pos]))})"

    def name(token: int) -> str:
        return f"token {token}" + (f" {_quote(vocab.piece(token))}" if vocab else "")

    for pos, (vec, token) in enumerate(zip(logits, inputs)):
        if vec.shape[0] != c.vocab_size:
            out.problem = (f"{where(pos)} it computed {vec.shape[0]} logits for a vocabulary "
                           f"of {c.vocab_size}")
            return out
        if not np.all(np.isfinite(vec)):
            out.problem = f"{where(pos)} its logits are not finite numbers"
            return out
        if pos >= c.seq_len:
            out.problem = f"it ran past the model's context of {c.seq_len} positions"
            return out
        ref = net.forward(token, pos)
        allowed = rtol * float(np.abs(ref).max()) + atol
        diff = float(np.abs(vec - ref).max())
        if diff > out.max_diff or pos == 0:
            out.max_diff, out.max_allowed = diff, allowed
        best, chosen = reference.argmax(ref), out.choices[pos]
        if chosen != best:
            if ref[best] - ref[chosen] > allowed:
                out.problem = (f"{where(pos)} it chose {name(chosen)} where the reference "
                               f"chooses {name(best)} (logits {ref[chosen]:.4f} against "
                               f"{ref[best]:.4f})")
                return out
            out.ties.append(pos)
        if diff > allowed:
            worst = int(np.argmax(np.abs(vec - ref)))
            out.problem = (f"{where(pos)} its logits differ from the reference's by {diff:.3g} "
                           f"(tolerance {allowed:.3g}; logit of {name(worst)}: "
                           f"{vec[worst]:.4f} against {ref[worst]:.4f})")
            return out
    return out


# ---------------------------------------------------------------------------- the step

@dataclass
class Verification:
    """What the verify step established, for the progress output and AUDIT.TXT."""

    native: str = ""                 # how the native build was made
    command: str = ""                # the greedy command line, '' without a model
    verified: list[str] = field(default_factory=list)
    not_verified: list[str] = field(default_factory=list)
    text: str = ""                   # the start of what the program printed

    def audit_section(self) -> str:
        lines = ["", "Verify: the program against llama98's reference (toolchain/reference.py)",
                 f"  native  {self.native}"]
        if self.command:
            lines.append(f"  run     {self.command}")
        lines += [f"  ok      {v}" for v in self.verified]
        lines += [f"  not verified: {n}" for n in self.not_verified]
        if self.text:
            lines.append(f"  output  {_quote(self.text.lstrip(), 60, start=True)}")
        lines.append("PASS" + (" (partly: see above)" if self.not_verified else ""))
        return "\n".join(lines) + "\n"


def _link(target: Path, link: Path) -> None:
    link.unlink(missing_ok=True)
    try:
        link.symlink_to(target.resolve())
    except OSError:
        shutil.copyfile(target, link)


def _gcc_version() -> str:
    try:
        proc = subprocess.run(["gcc", "-dumpfullversion"], capture_output=True, text=True,
                              timeout=30)
        return proc.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _program_failure(run: Run, what: str) -> str:
    if run.crash:
        return f"{what} crashed ({run.crash}) after {len(run.logits)} position(s)"
    last = run.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
    return (f"{what} exited with status {run.returncode} after {len(run.logits)} position(s)"
            + (f": {last[0]}" if last else ""))


def _check_run(run: Run, net: reference.Transformer, vocab) -> tuple[Comparison, str]:
    """Compare one native run with the reference: (comparison, problem or '')."""
    comparison = compare(net, run.logits, vocab)
    if run.returncode != 0:
        return comparison, _program_failure(run, "it")
    return comparison, comparison.problem


def verify_build(src_dir: Path, program_c: Path, engine_sources: list[Path], exe: Path,
                 model: Path | None, tokenizer: Path | None, work: Path, *,
                 source_description: str, cache_dir: Path,
                 info: Callable[[str], object] = print, log: Log | None = None,
                 steps: int = STEPS) -> Verification:
    """The verify step (see the module docstring); raises ToolchainError on a mismatch."""
    try:
        return _verify(src_dir, program_c, engine_sources, exe, model, tokenizer, work,
                       source_description, Path(cache_dir), info, log, steps)
    except OSError as err:
        where = f" ({err.filename})" if err.filename else ""
        raise ToolchainError(f"verify: {err.strerror or err}{where}") from None


def _verify(src_dir: Path, program_c: Path, engine_sources: list[Path], exe: Path,
            model: Path | None, tokenizer: Path | None, work: Path, source_description: str,
            cache_dir: Path, info, log, steps: int) -> Verification:
    result = Verification()
    work = work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    native, hooked = _build_native(src_dir, program_c, engine_sources, work, result, info, log)
    if model is None:
        result.not_verified.append("no --model: what the program computes, and the EXE's "
                                   "output under Wine")
        info("no --model: compiled natively only; nothing run")
        return result
    run_dir = work / "run"
    run_dir.mkdir()
    _link(model, run_dir / MODEL_NAME)
    _link(tokenizer, run_dir / TOKENIZER_NAME)
    args = greedy_args(usage_text(native, run_dir), steps)
    if args is None:
        result.not_verified.append("the program's output: its usage text names no way to ask "
                                   "for greedy decoding (-t/-n options or [temperature] "
                                   "[steps])")
        info("not run: the program's usage text shows no greedy option")
        return result
    result.command = f"{exe.name} {' '.join(args)}: greedy decoding"
    run = run_native(native, args, run_dir)
    if hooked:
        _check_against_reference(run, model, tokenizer, native, work, source_description,
                                 result, info)
    elif run.returncode != 0:
        raise ToolchainError(f"verify: the native build of {source_description} "
                             + _program_failure(run, "").strip())
    _check_under_wine(exe, run, run_dir, cache_dir, work, result, info)
    return result


def _build_native(src_dir: Path, program_c: Path, engine_sources: list[Path], work: Path,
                  result: Verification, info, log) -> tuple[Path, Instrumented | None]:
    text = program_c.read_text("utf-8")
    try:
        hooked = instrument(text)
    except NotInstrumentable as why:
        hooked = None
        result.not_verified.append(f"the tokens and logits ({why})")
    native_c = work / program_c.name
    native_c.write_text(hooked.text if hooked else text, "utf-8")
    native = compile_native([native_c, *engine_sources], [src_dir], work / "native", log=log)
    gcc = _gcc_version()
    result.native = (f"{program_c.name} and the engine sources built by gcc {gcc} for this "
                     f"{platform.machine()} host (-std=c89 {NATIVE_FLAGS[0]})")
    if hooked:
        result.native += f", with a hook that records the logits (after line {hooked.calls[0][0]})"
    info(f"native build: gcc {gcc}, {native.stat().st_size:,} bytes")
    return native, hooked


def _check_against_reference(run: Run, model: Path, tokenizer: Path, native: Path, work: Path,
                             source_description: str, result: Verification, info) -> None:
    ckpt = ck.read_checkpoint(model)
    net = reference.Transformer(ckpt)
    vocab = reference.read_vocabulary(tokenizer, ckpt.config.vocab_size)
    comparison, problem = _check_run(run, net, vocab)
    if problem:
        raise _mismatch(problem, ckpt, model, tokenizer, native, run.args, work, net, vocab,
                        source_description)
    rtol, atol = tolerance(ckpt.quantized)
    ties = (f"; {len(comparison.ties)} near tie(s) within the tolerance at position(s) "
            f"{', '.join(map(str, comparison.ties))}" if comparison.ties else "")
    within = f"within {rtol:g} x max|logit| + {atol:g}"
    result.verified.append(f"tokens: the program's {comparison.positions} greedy choices "
                           f"are the reference's{ties}")
    result.verified.append(f"logits: {within} of the reference at every position (largest "
                           f"difference {comparison.max_diff:.2g})"
                           + ("; int8 model: the activations are rounded to int8, so a last-bit "
                              "difference can round one the other way" if ckpt.quantized else ""))
    result.text = vocab.text(comparison.choices)
    info(f"greedy, {comparison.positions} positions: tokens are the reference's, logits "
         f"{within} (largest difference {comparison.max_diff:.2g})")


def _check_under_wine(exe: Path, run: Run, run_dir: Path, cache: Path, work: Path,
                      result: Verification, info) -> None:
    if not shutil.which("wine"):
        result.not_verified.append("the EXE's output under Wine (wine is not installed)")
        info("Wine not installed: the EXE itself was not run")
        return
    if not (cache / "wine-prefix" / "system.reg").exists():
        info(f"creating a Wine prefix in {cache / 'wine-prefix'} (once, about 20 s)")
    wine = run_wine(exe.resolve(), run.args, run_dir, cache)
    native_out = without_speed(run.stdout).replace(b"\n", b"\r\n")
    wine_out = without_speed(wine.stdout)
    if wine.returncode == 0 and wine_out == native_out:
        result.verified.append(f"{wine_version()}: {exe.name} printed byte for byte what the "
                               "native build printed (CRLF line ends; the tok/s line left out)")
        info(f"{wine_version()}: {exe.name} printed what the native build printed, byte for byte")
        return
    broken = wine_works(cache) if wine.returncode != 0 else ""
    if broken:
        result.not_verified.append(f"the EXE's output under Wine ({broken})")
        info(f"{broken}: the EXE itself was not run")
        return
    if wine.returncode != 0:
        tail = wine.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:]
        what = (f"exited with status {wine.returncode}" + (f" ({tail[0]})" if tail else "")
                + ", where the same program built natively ran to the end")
    else:
        what = ("printed something else than the same program built natively: "
                + first_difference(wine_out, native_out))
    raise ToolchainError(f"verify: {exe.name} {' '.join(run.args)} under Wine {what}",
                         hint=f"the native build, its run and the model are in {work}")


def _mismatch(problem: str, ckpt: ck.Checkpoint, model: Path, tokenizer: Path, native: Path,
              args: list[str], work: Path, net: reference.Transformer, vocab,
              source_description: str) -> ToolchainError:
    """The error for a program that disagrees with the reference, in the user's terms."""
    c = ckpt.config
    subject = f"the program built from {source_description}"
    if c.n_kv_heads < c.n_heads:
        # Does it run the same model with the key/value heads duplicated (no GQA needed)?
        mha_dir = work / "mha"
        mha_dir.mkdir()
        ck.write_checkpoint(ck.expand_kv_heads(ckpt), mha_dir / MODEL_NAME)
        _link(tokenizer, mha_dir / TOKENIZER_NAME)
        mha_run = run_native(native, args, mha_dir)
        _, mha_problem = _check_run(mha_run, net, vocab)
        if not mha_problem:
            return ToolchainError(
                f"verify: {model.name} has grouped-query attention ({c.n_kv_heads} key/value "
                f"heads for {c.n_heads} query heads) and this run.c has none: built natively, "
                f"it computes wrong logits for the model ({problem}) and the right ones once "
                f"the key/value heads are duplicated",
                hint="use the pinned upstream llama2.c (leave out --offline and --source), "
                     "--source a newer llama2.c, or a checkpoint with as many key/value heads "
                     "as query heads (multi-head attention, e.g. stories260K_mha.bin)")
    return ToolchainError(
        f"verify: {subject} does not compute what llama98's reference computes for "
        f"{model.name}: {problem}",
        hint=f"the native build, its output and the model are in {work}; the port or a patch "
             "may have changed what the program computes, or this program does not support "
             "this model")
