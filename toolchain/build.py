"""``llama98 build``: upstream llama2.c -> patches -> strict C89 -> EXE -> audit -> dist/.

One function per step, run in order by :func:`build`; each either succeeds or stops the
build with a one-line message. Nothing is written before the folders are known to be
safe to use (toolchain/packaging.py: a work folder is emptied only when llama98 made it,
a dist folder is replaced only when it is a llama98 dist), and dist/<target>/ is
assembled beside itself and swapped in only when complete, so a failed build never
leaves a half-written dist and never touches a user's files.

Relative paths are taken from the current folder, where the outputs go by default
(``dist/<target>``, ``build/<target>``), wherever llama98 is installed.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import __version__, packaging, runtime, tools
from .compilers import bundle_drivers
from .compilers.facts import DEFAULT_COMPILER, DEFAULT_TARGET
from .diag import ToolchainError
from .packaging import EXE_NAME, DistFile, os_error
from .targets import Target, load_target, target_names

ENGINE = runtime.ENGINE_DIR
# engine_c89 files every build compiles (into an archive: only what the program
# calls is linked) and the headers they need, from engine_c89/runtime.toml
ENGINE_SOURCES = [f.name for f in runtime.by_role("port", "llama") if f.is_source]
ENGINE_HEADERS = [f.name for f in runtime.by_role("compat", "llama") if not f.is_source]
PROGRAM_WHAT = "the llama2.c program, ported to C89"


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    from .compilers import DRIVERS
    p.add_argument("-t", "--target", default=DEFAULT_TARGET, choices=target_names(),
                   help="what the EXE must run on (default: %(default)s; `llama98 targets` "
                        "lists them)")
    p.add_argument("--compiler", default=DEFAULT_COMPILER, choices=sorted(DRIVERS),
                   help="compiler driver (default: %(default)s)")
    p.add_argument("--bundle-only", action="store_true",
                   help="write the compiler's source bundle (sources, makefile, BUILD.BAT) "
                        "without compiling (" + ", ".join(bundle_drivers()) + ")")
    p.add_argument("--source", metavar="PATH",
                   help="a llama2.c run.c (runq.c with --quant q8) or checkout to build "
                        "instead of the pinned upstream")
    p.add_argument("--quant", choices=["q8"], default=None,
                   help="q8: the int8 engine, llama2.c's runq.c (MMX dot products where the CPU "
                        "has MMX); the model is shipped quantized to its format")
    p.add_argument("--offline", action="store_true",
                   help="do not try to download upstream; use --source, the cache or the "
                        "July 2023 fallback")
    p.add_argument("--require-pinned", action="store_true",
                   help="only the pinned upstream run.c will do: fail instead of using the "
                        "July 2023 fallback (a --source must have the pinned sha256)")
    p.add_argument("--model", metavar="PATH|NAME",
                   help="checkpoint to ship as MODEL.BIN: a file, or a known name (stories260K)")
    p.add_argument("--tokenizer", metavar="PATH|NAME",
                   help="vocabulary to ship as TOKENIZE.BIN (default: the known model's own)")
    p.add_argument("-o", "--dist", metavar="DIR", default=None,
                   help="output folder (default: dist/<target> in the current folder); an "
                        "existing one is replaced only if it is empty or a llama98 dist")
    p.add_argument("--build-dir", metavar="DIR", default=None,
                   help="work folder (default: build/<target> in the current folder); an "
                        "existing one is emptied only if llama98 made it")
    p.add_argument("--cache-dir", metavar="DIR", default=None,
                   help="download cache (default: $LLAMA98_CACHE or ~/.cache/llama98)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command")


@dataclass
class BuildReport:
    target: Target
    dist: Path
    exe: Path
    exe_sha256: str
    audit_summary: str
    source_description: str
    files: list[DistFile] = field(default_factory=list)
    bundle: str = ""        # a source bundle for this compiler; nothing compiled (no EXE)
    notes: list[str] = field(default_factory=list)   # said again in the final summary


class Progress:
    def __init__(self, total: int, verbose: bool) -> None:
        self.total = total
        self.n = 0
        self.verbose = verbose
        self.t0 = time.monotonic()

    def step(self, what: str) -> None:
        self.n += 1
        print(f"[{self.n}/{self.total}] {what}", flush=True)

    def info(self, text: str) -> None:
        print(f"      {text}", flush=True)

    def command(self, text: str) -> None:
        if self.verbose:
            print(f"      $ {text}", flush=True)

    def done(self) -> float:
        return time.monotonic() - self.t0


@dataclass
class Plan:
    """What one build will do and where: decided, and checked, before anything is written."""
    args: argparse.Namespace
    target: Target
    driver: object
    dist: Path
    work: Path
    progress: Progress
    engine: object = None         # engines.Engine: fp32 (run.c) or q8 (runq.c)
    bundle_only: bool = False     # a source bundle, nothing compiled here
    macros: list[str] = field(default_factory=list)   # the compiler's predefined macros
    notes: list[str] = field(default_factory=list)
    audit_sections: list[str] = field(default_factory=list)   # added to dist's AUDIT.TXT


@dataclass
class ModelFiles:
    model: Path
    tokenizer: Path
    info: object           # models.CheckpointInfo
    tokenizer_info: object  # models.TokenizerInfo
    quantize: bool = False  # an fp32 model the int8 engine gets quantized (step_quantize)
    what: str = ""          # how dist/ describes MODEL.BIN ("" : by its file name)


def _absolute(path: str | os.PathLike) -> Path:
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def plan_build(args: argparse.Namespace) -> Plan:
    from . import engines
    from .compilers import get_driver

    target = load_target(args.target)
    driver = get_driver(args.compiler)
    # mingw keeps dist/<target>; other compilers get dist/<target>-<compiler>
    folder = target.name if driver.name == "mingw" else f"{target.name}-{driver.name}"
    dist = _absolute(args.dist) if args.dist else _absolute(Path("dist") / folder)
    work = _absolute(args.build_dir) if args.build_dir else _absolute(Path("build") / folder)
    packaging.check_layout(dist, work, {"--source": _given_path(args.source),
                                        "--model": _given_path(args.model),
                                        "--tokenizer": _given_path(args.tokenizer)})
    packaging.clean_leftovers(dist, notify=lambda m: print(m, file=sys.stderr, flush=True))
    packaging.check_dist_dir(dist)
    packaging.check_work_dir(work)
    packaging.check_parent(dist, "--dist")
    packaging.check_parent(work, "--build-dir")
    bundle_only = getattr(args, "bundle_only", False) or not driver.compiles()
    if bundle_only and not driver.bundle_templates:
        raise ToolchainError(f"the '{driver.name}' compiler driver makes no source bundles",
                             hint="--bundle-only is for " + ", ".join(bundle_drivers()),
                             exit_code=2)
    tools.require("gcc", "the C89 port (gcc's preprocessor reads the code)")
    if not bundle_only:
        driver.require()          # a missing compiler stops the build before any work
        for feature in tools.features():      # and so does any other program it runs
            if feature.name == driver.name:
                for name in feature.tools:
                    tools.require(name, f"--compiler {driver.name}")
    return Plan(args=args, target=target, driver=driver, dist=dist, work=work,
                progress=Progress(4 if bundle_only else 7, args.verbose),
                engine=engines.engine(getattr(args, "quant", None) or "fp32"),
                bundle_only=bundle_only, macros=driver.predefined_macros(target))


def _given_path(spec: str | None) -> Path | None:
    """An option's value when it names an existing file or folder (not a known name)."""
    if not spec:
        return None
    path = Path(spec).expanduser()
    return path if path.exists() else None


# ---------------------------------------------------------------- the steps

def step_source(plan: Plan):
    from . import upstream
    args = plan.args
    plan.progress.step("source")
    if plan.engine.program == "runq.c":
        source = upstream.resolve_runq(args.source, cache_dir=args.cache_dir,
                                       offline=args.offline, require_pinned=args.require_pinned)
    else:
        source = upstream.resolve_source(args.source, cache_dir=args.cache_dir,
                                         offline=args.offline, require_pinned=args.require_pinned,
                                         notify=lambda m: print(m, file=sys.stderr, flush=True))
    source = replace(source, license=upstream.resolve_license(
        source, cache_dir=args.cache_dir, offline=args.offline))
    plan.progress.info(f"{source.description} (sha256 {source.sha256[:16]}...)")
    if source.license is None:
        plan.progress.info(f"no license text found for {plan.engine.program}: "
                           f"{packaging.LICENSE_NAME} is not shipped")
    plan.progress.info(f"engine {plan.engine.name}: {plan.engine.title}")
    if source.fallback:
        note = (f"FALLBACK: {source.fallback}: built from the July 2023 run.c "
                "(llamac2py 0.1.4), not the pinned upstream; --require-pinned makes this an "
                "error")
        plan.progress.info(note)
        plan.notes.append(note)
    return source


def step_model(plan: Plan) -> ModelFiles | None:
    from . import checkpoint, models
    args = plan.args
    plan.progress.step("model")
    if not args.model:
        if args.tokenizer:
            raise ToolchainError("--tokenizer given without --model")
        plan.progress.info("no --model: dist/ will hold the program only")
        return None
    model = models.resolve_model(args.model, cache_dir=args.cache_dir)
    # the int8 engine reads version 2; an fp32 model is quantized once the work folder is
    # ready (step_quantize), after its own check here
    quantize = plan.engine.format == "q8" and checkpoint.file_version(model) != 2
    info = models.check_checkpoint(model, versions=(0,) if plan.engine.format == "fp32" or quantize
                                   else (2,))
    tokenizer = models.resolve_tokenizer(args.tokenizer, args.model, cache_dir=args.cache_dir)
    if tokenizer is None:
        raise ToolchainError(f"no vocabulary for {args.model}",
                             hint="pass --tokenizer PATH (e.g. tok512.bin for stories260K)")
    tok_info = models.check_tokenizer(tokenizer, info.vocab_size)
    plan.progress.info(f"{model}: dim {info.dim}, {info.n_layers} layers, "
                       f"vocabulary {info.vocab_size}, {info.n_params:,} parameters")
    plan.progress.info(f"vocabulary {tokenizer}")
    return ModelFiles(model, tokenizer, info, tok_info, quantize=quantize)


def port_program(text: str, name: str, progress: Progress, defines=(), engine: str = "fp32") -> str:
    """An engine's patch sets (toolchain/data/engines.toml), then the C89 rewriter, applied
    to one upstream source file; ``defines`` are the compiler's predefined macros."""
    from . import engines
    return engines.port(engines.engine(engine), text, name, include_dirs=[ENGINE],
                        defines=defines, info=progress.info)


def step_port(plan: Plan, source) -> Path:
    """The ported program and the engine files in <work>/src; returns the program's path."""
    plan.progress.step("port to C89")
    text = source.text                      # read before the work folder is emptied
    ported = port_program(text, source.path.name, plan.progress, plan.macros, plan.engine.name)
    packaging.prepare_work_dir(plan.work)
    src_dir = plan.work / "src"
    program_c = src_dir / plan.engine.program
    try:
        src_dir.mkdir()
        program_c.write_text(ported, "utf-8")
        for name in ENGINE_SOURCES + ENGINE_HEADERS + list(plan.driver.runtime_sources):
            shutil.copy2(ENGINE / name, src_dir / name)
    except OSError as err:
        raise os_error(err, "write the ported sources") from None
    plan.progress.info(f"sources in {src_dir}")
    return program_c


def step_quantize(plan: Plan, model: ModelFiles | None) -> None:
    """An fp32 model for the int8 engine, quantized by the toolchain into the work folder
    (group size: the largest power of two up to 64 dividing every row) and checked as
    runq.c will read it; ``model`` then names that file."""
    from . import checkpoint, models
    if not model or not model.quantize:
        return
    out = plan.work / "model-q8.bin"
    q = checkpoint.quantize_file(model.model, out)
    plan.progress.info(f"quantized {Path(model.model).name} to int8 in groups of "
                       f"{q.group_size}: {out.stat().st_size:,} bytes")
    model.what = f"the model ({Path(model.model).name}, quantized to int8 by llama98)"
    model.model, model.info = out, models.check_checkpoint(out, versions=(2,))
    model.quantize = False


def step_compile(plan: Plan, program_c: Path, source) -> Path:
    driver, src_dir = plan.driver, program_c.parent
    plan.progress.step(f"compile with {driver.name}")
    result = driver.build([program_c] + [src_dir / n for n in driver.runtime_sources],
                          library=[src_dir / n for n in ENGINE_SOURCES], target=plan.target,
                          workdir=plan.work, exe_name=EXE_NAME, include_dirs=[src_dir],
                          log=plan.progress.command, source_description=source.description,
                          version=__version__)
    plan.progress.info(f"{result.exe.name}: {result.exe.stat().st_size:,} bytes")
    return result.exe


def step_audit(plan: Plan, exe: Path):
    """The audit report of ``exe``; a failed audit stops the build."""
    from .audit import audit_file
    plan.progress.step(f"audit against {plan.target.name}")
    # The EXE keeps its COFF symbols, so findings name functions without the map file.
    report = audit_file(exe, plan.target)
    plan.progress.info(report.summary())
    if not report.ok:
        text = packaging.audit_text(report, exe)
        path = plan.work / "AUDIT.TXT"
        path.write_text(text)
        raise ToolchainError(f"{exe} fails the {plan.target.name} audit:\n{text}",
                             hint="the full report is in " + str(path))
    return report


def step_verify(plan: Plan, program_c: Path, exe: Path, source,
                model: ModelFiles | None) -> None:
    """The ported sources built natively and run against the reference, the EXE under Wine
    against them (toolchain/verify.py); what was verified goes into AUDIT.TXT."""
    from . import upstream
    from .verify import verify_build
    plan.progress.step("verify against the reference")
    src_dir = program_c.parent
    result = verify_build(src_dir, program_c, [src_dir / n for n in ENGINE_SOURCES], exe,
                          model.model if model else None, model.tokenizer if model else None,
                          plan.work / "verify", source_description=source.description,
                          cache_dir=upstream.resolve_cache_dir(plan.args.cache_dir),
                          info=plan.progress.info, log=plan.progress.command)
    plan.audit_sections.append(result.audit_section().lstrip("\n"))


def rebuild_command(args: argparse.Namespace) -> str:
    """The command line that makes this dist again (outputs and cache left at their defaults)."""
    words = ["llama98", "build", "--target", args.target]
    if args.compiler != "mingw":
        words += ["--compiler", args.compiler]
    for option in ("source", "model", "tokenizer"):
        if getattr(args, option):
            words += [f"--{option}", os.fspath(getattr(args, option))]
    if getattr(args, "quant", None):
        words += ["--quant", args.quant]
    for flag in ("bundle_only", "offline", "require_pinned"):
        if getattr(args, flag):
            words.append("--" + flag.replace("_", "-"))
    return " ".join(shlex.quote(w) for w in words)


def step_package(plan: Plan, exe: Path, report, source, model: ModelFiles | None,
                 program_c: Path) -> BuildReport:
    from .usage import describe_usage
    plan.progress.step(f"package {plan.dist}")
    dist = packaging.Dist(target=plan.target, version=__version__, source=source,
                          usage=describe_usage(program_c.read_text("utf-8"), EXE_NAME),
                          rebuild=rebuild_command(plan.args), model=model,
                          audit_sections=plan.audit_sections, engine=plan.engine)
    files = packaging.write_dist(plan.dist, dist, exe=exe, report=report)
    return BuildReport(target=plan.target, dist=plan.dist, exe=plan.dist / EXE_NAME,
                       exe_sha256=packaging.sha256_file(plan.dist / EXE_NAME),
                       audit_summary=report.summary(),
                       source_description=source.description, files=files, notes=plan.notes)


def step_bundle(plan: Plan, program_c: Path, source, model: ModelFiles | None) -> BuildReport:
    """A compiler that does not run here: its source bundle in place of an EXE."""
    driver = plan.driver
    plan.progress.step(f"bundle for {driver.bundle_title} in {plan.dist}")
    plan.progress.info(driver.bundle_reason())
    src_dir = program_c.parent
    dist = packaging.Dist(target=plan.target, version=__version__, source=source,
                          rebuild=rebuild_command(plan.args), model=model, engine=plan.engine)
    files = packaging.write_bundle(plan.dist, dist, driver, sources=[program_c],
                                   library=[src_dir / n for n in ENGINE_SOURCES],
                                   headers=[src_dir / n for n in ENGINE_HEADERS],
                                   descriptions={program_c.name: PROGRAM_WHAT},
                                   log=plan.progress.command)
    plan.progress.info(f"made the {driver.bundle_title} source bundle: {len(files)} files; "
                       "nothing was compiled here (BUILD.BAT builds LLAMA98.EXE)")
    return BuildReport(target=plan.target, dist=plan.dist, exe=plan.dist / EXE_NAME,
                       exe_sha256="", audit_summary="not audited: nothing compiled",
                       source_description=source.description, files=files,
                       bundle=driver.bundle_title, notes=plan.notes)


def build(args: argparse.Namespace) -> BuildReport:
    plan = plan_build(args)
    print(f"llama98 {__version__}: building for {plan.target.name} ({plan.target.description})")
    source = step_source(plan)
    model = step_model(plan)
    program_c = step_port(plan, source)
    step_quantize(plan, model)
    if plan.bundle_only:
        return step_bundle(plan, program_c, source, model)
    exe = step_compile(plan, program_c, source)
    report = step_audit(plan, exe)
    step_verify(plan, program_c, exe, source, model)
    return step_package(plan, exe, report, source, model, program_c)


def build_main(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    rep = build(args)
    if rep.bundle:
        print(f"made the {rep.bundle} source bundle in {rep.dist} in {time.monotonic() - t0:.1f} s"
              " (nothing compiled: run BUILD.BAT there)")
    else:
        print(f"built {rep.exe} in {time.monotonic() - t0:.1f} s")
        print(f"  sha256 {rep.exe_sha256}")
        print(f"  audit  {rep.audit_summary}")
    for f in rep.files:
        print(f"  {f.name:<13} {f.what}")
    for note in rep.notes:
        print(f"  {note}")
    return 0
