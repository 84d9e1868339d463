"""The verify step: the hook, the comparison, and `llama98 build` with real tools.

Builds run the README's main job (offline: the July 2023 run.c) and the pinned upstream,
and programs made wrong on purpose (a changed RMSNorm epsilon; output that only the
Windows build adds), which the step must refuse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from support import ROOT, need_tool
from toolchain import checkpoint as ck
from toolchain import reference as ref
from toolchain import logits_hook, verify

STORY = "Once upon a time, there was a little girl named Lily."


# ---------------------------------------------------------------- the hook

def test_hook_follows_the_logits_statement_of_each_version(pinned_run_c, llamac2py_run_c):
    pinned = logits_hook.instrument(pinned_run_c.read_text())
    assert [call for _, call in pinned.calls] == \
        ["matmul(s->logits, x, w->wcls, p->dim, p->vocab_size);"]
    assert "matmul(s->logits, x, w->wcls, p->dim, p->vocab_size); " \
           "l98v_logits(0, s->logits, p->vocab_size);" in pinned.text
    old = logits_hook.instrument(llamac2py_run_c.read_text())
    # the computation, and the in-place softmax of the sampling path (tag 1, never first)
    assert [call.split("(")[0] for _, call in old.calls] == ["matmul", "softmax"]
    assert old.text.startswith("void l98v_logits(int tag, const float *logits, int n);\n")


def test_hook_takes_statements_only():
    text = """
    void f(S *s, int n) {
        if (g(s->logits, n)) { n++; }
        x = h(s->logits, n);
        k(other->logits_table, n);
        { m(t.state.logits, n); }
    }
    """
    hooked = logits_hook.instrument(text)
    assert [call for _, call in hooked.calls] == ["m(t.state.logits, n);"]
    with pytest.raises(logits_hook.NotInstrumentable, match="no statement writes the logits"):
        logits_hook.instrument("int main(void) { return 0; }")


def test_records_and_the_first_tag(tmp_path):
    path = tmp_path / "l.bin"
    a, b = np.arange(3, dtype=np.float32), np.ones(3, np.float32)
    data = b"".join(np.array([tag, 3], np.int32).tobytes() + v.tobytes()
                    for tag, v in [(1, a), (0, b), (1, a)])
    path.write_bytes(data + b"\x01\x00")                           # a cut-off record
    records = verify.read_records(path)
    assert [t for t, _ in records] == [1, 0, 1]
    assert len(verify.computed_logits(records)) == 2               # tag 1 fired first
    assert verify.read_records(tmp_path / "none.bin") == []


def test_greedy_arguments_from_each_programs_usage(pinned_run_c, llamac2py_run_c, tmp_path):
    need_tool("gcc")
    found = {}
    for name, src in (("pinned", pinned_run_c), ("2023", llamac2py_run_c)):
        exe = verify.compile_native([src], [], tmp_path / name, std="gnu99")
        found[name] = verify.greedy_args(verify.usage_text(exe, tmp_path), 40)
    assert found == {"pinned": ["MODEL.BIN", "-t", "0", "-n", "40"],
                     "2023": ["MODEL.BIN", "0.0", "40"]}
    assert verify.greedy_args("Usage: run <model> [prompt]", 40) is None
    assert verify.greedy_args("no usage here", 40) is None


# ---------------------------------------------------------------- the comparison

@pytest.fixture(scope="module")
def story(shared_models):
    net = ref.load(shared_models / "stories260K.bin")
    vocab = ref.read_vocabulary(shared_models / "tok512.bin", 512)
    return net, vocab, list(ref.generate(net, 12).logits)


def fresh(net):
    return ref.Transformer(net.model)


def test_the_reference_agrees_with_itself(story):
    net, vocab, logits = story
    result = verify.compare(fresh(net), logits, vocab)
    assert result.ok and result.positions == 12 and result.max_diff == 0 and not result.ties


def test_a_changed_logit_is_found(story):
    net, vocab, logits = story
    bad = [v.copy() for v in logits]
    bad[5][100] += 0.01
    result = verify.compare(fresh(net), bad, vocab)
    assert "at position 5 (after '" in result.problem
    assert "differ from the reference's by 0.01" in result.problem and "token 100" in result.problem


def test_a_different_choice_is_found(story):
    net, vocab, logits = story
    bad = [v.copy() for v in logits]
    bad[3][7] = bad[3].max() + 1.0              # token 7 becomes the program's choice
    result = verify.compare(fresh(net), bad, vocab)
    assert result.problem.startswith("at position 3")
    assert "it chose token 7" in result.problem and "where the reference chooses" in result.problem


def test_a_near_tie_is_reported_not_refused():
    # two tokens with the same embedding (shared classifier): equal logits everywhere
    model = ck.random_checkpoint(ck.Config(16, 32, 2, 4, 2, 40, 16), seed=8)
    first = ref.generate(model, 1).choices[0]
    twin = 39 if first != 39 else 38
    model.tok_embeddings[twin] = model.tok_embeddings[first]
    logits = list(ref.generate(model, 6).logits)
    assert ref.argmax(logits[0]) == first and logits[0][twin] == logits[0][first]
    # the program takes the twin by a margin far inside the tolerance
    logits[0] = logits[0].copy()
    logits[0][twin] += np.float32(1e-5)
    result = verify.compare(ref.Transformer(model), logits)
    assert result.ok and result.ties == [0] and result.choices[0] == twin


@pytest.mark.parametrize("change,message", [
    (lambda v: v.__setitem__(0, np.nan), "not finite"),
    (lambda v: None, "computed 10 logits for a vocabulary of 512"),
])
def test_malformed_logits(story, change, message):
    net, vocab, logits = story
    bad = [v.copy() for v in logits]
    if "computed 10" in message:
        bad[4] = bad[4][:10]
    else:
        change(bad[4])
    assert message in verify.compare(fresh(net), bad, vocab).problem
    assert verify.compare(fresh(net), [], vocab).problem == "it computed no logits"


def test_q8_tolerance_is_wider_and_stated():
    assert verify.tolerance(False) == (verify.RTOL, verify.ATOL)
    assert verify.tolerance(True) == (verify.RTOL_Q8, verify.ATOL_Q8)
    assert verify.RTOL_Q8 > verify.RTOL


# ---------------------------------------------------------------- builds

def llama98(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "toolchain.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def build_env(pytestconfig, llamac2py_run_c) -> dict:
    need_tool("i686-w64-mingw32-gcc")
    env = dict(os.environ)
    # the cache the llamac2py fixture fills (offline fallback); the Wine prefix lives there too
    env["LLAMA98_CACHE"] = str(pytestconfig.cache.mkdir("llama98-llamac2py"))
    return env


def build(tmp_path: Path, env: dict, *args) -> subprocess.CompletedProcess:
    return llama98("build", *args, "--dist", tmp_path / "dist", "--build-dir", tmp_path / "build",
                   env=env)


def audit_verify_section(dist: Path) -> str:
    text = (dist / "AUDIT.TXT").read_bytes().decode("ascii").replace("\r\n", "\n")
    assert text.count("\nVerify: ") == 1
    return text[text.index("\nVerify: "):]


@pytest.mark.slow
def test_readme_main_job_is_verified(build_env, shared_models, tmp_path):
    proc = build(tmp_path, build_env, "--target", "win98-p2", "--offline",
                 "--model", shared_models / "stories260K_mha.bin",
                 "--tokenizer", shared_models / "tok512.bin")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "[6/7] verify against the reference" in out and "[7/7] package" in out
    assert "greedy, 40 positions: tokens are the reference's" in out
    section = audit_verify_section(tmp_path / "dist")
    assert "run     LLAMA98.EXE MODEL.BIN 0.0 40: greedy decoding" in section
    assert "ok      tokens: the program's 40 greedy choices are the reference's" in section
    assert "ok      logits: within 0.0001 x max|logit| + 0.0001 of the reference" in section
    assert f"output  '{STORY}" in section
    if shutil.which("wine"):
        assert "printed byte for byte what the native build printed" in section
        assert section.rstrip().endswith("\nPASS")
    else:
        assert "not verified: the EXE's output under Wine" in section
    # the checksums cover the AUDIT.TXT with its verify section
    sums = (tmp_path / "dist" / "SHA256.TXT").read_text()
    assert "AUDIT.TXT" in sums


@pytest.mark.slow
def test_gqa_model_with_the_july_2023_run_c_is_refused_with_the_reason(build_env, shared_models,
                                                                         tmp_path):
    proc = build(tmp_path, build_env, "--offline", "--model", shared_models / "stories260K.bin",
                 "--tokenizer", shared_models / "tok512.bin")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    err = [line for line in proc.stderr.splitlines() if line.startswith("llama98: error:")]
    assert len(err) == 1
    assert ("stories260K.bin has grouped-query attention (4 key/value heads for 8 query heads) "
            "and this run.c has none") in err[0]
    assert "the right ones once the key/value heads are duplicated" in err[0]
    note = proc.stderr[proc.stderr.index("llama98: note: use the pinned"):]
    assert "--source a newer llama2.c" in note and "as many key/value heads" in note
    assert not (tmp_path / "dist").exists()


@pytest.mark.slow
def test_pinned_upstream_runs_the_gqa_model_verified(build_env, shared_models, pinned_run_c,
                                                     tmp_path):
    proc = build(tmp_path, build_env, "--source", pinned_run_c,
                 "--model", shared_models / "stories260K.bin",
                 "--tokenizer", shared_models / "tok512.bin")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    section = audit_verify_section(tmp_path / "dist")
    assert "run     LLAMA98.EXE MODEL.BIN -t 0 -n 40: greedy decoding" in section
    assert "ok      tokens:" in section and "ok      logits:" in section


@pytest.mark.slow
def test_without_a_model_the_port_is_compiled_and_the_rest_said(build_env, tmp_path):
    proc = build(tmp_path, build_env, "--offline")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no --model: compiled natively only; nothing run" in proc.stdout
    section = audit_verify_section(tmp_path / "dist")
    assert "built by gcc" in section and "-std=c89" in section
    assert "not verified: no --model: what the program computes" in section
    assert section.rstrip().endswith("PASS (partly: see above)")


@pytest.mark.slow
def test_a_program_that_computes_something_else_stops_the_build(build_env, shared_models,
                                                                pinned_run_c, tmp_path):
    text = pinned_run_c.read_text()
    assert text.count("ss += 1e-5f;") == 1
    wrong = tmp_path / "run.c"
    wrong.write_text(text.replace("ss += 1e-5f;", "ss += 1e-2f;"))
    proc = build(tmp_path, build_env, "--source", wrong,
                 "--model", shared_models / "stories260K.bin",
                 "--tokenizer", shared_models / "tok512.bin")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "does not compute what llama98's reference computes for stories260K.bin" in proc.stderr
    assert "grouped-query" not in proc.stderr        # its MHA copy fails as well
    assert not (tmp_path / "dist").exists()


@pytest.mark.slow
@pytest.mark.wine
def test_an_exe_that_prints_something_else_under_wine_stops_the_build(build_env, shared_models,
                                                                     pinned_run_c, tmp_path):
    need_tool("wine")
    text = pinned_run_c.read_text()
    anchor = '    printf("\\n");\n\n    // report achieved tok/s'
    assert text.count(anchor) == 1
    windows_only = '#ifdef _WIN32\n    printf("!");\n#endif\n'
    wrong = tmp_path / "run.c"
    wrong.write_text(text.replace(anchor, windows_only + anchor))
    proc = build(tmp_path, build_env, "--source", wrong,
                 "--model", shared_models / "stories260K.bin",
                 "--tokenizer", shared_models / "tok512.bin")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "LLAMA98.EXE MODEL.BIN -t 0 -n 40 under Wine printed something else than the same " \
           "program built natively: first difference at byte" in proc.stderr
    assert not (tmp_path / "dist").exists()
