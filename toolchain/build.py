"""``llama98 build``: upstream llama2.c -> patches -> strict C89 -> EXE -> audit -> dist/.

Every step either succeeds or stops the build with a clear message; dist/<target>/
is assembled in a temporary folder next to it and only then moved into place, so a
failed build never leaves a half-written dist.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import __version__, runtime
from .compilers import bundle_drivers
from .compilers.facts import DEFAULT_COMPILER, DEFAULT_TARGET
from .diag import ToolchainError
from .targets import Target, load_target, target_names

ROOT = Path(__file__).resolve().parent.parent
ENGINE = runtime.ENGINE_DIR
TEMPLATES = Path(__file__).resolve().parent / "templates"

EXE_NAME = "LLAMA98.EXE"
MODEL_NAME = "MODEL.BIN"
TOKENIZER_NAME = "TOKENIZE.BIN"   # what the dos-names patch makes the program look for
# engine_c89 files every build compiles (into an archive: only what the program
# calls is linked) and the headers they need, from engine_c89/runtime.toml
ENGINE_SOURCES = [f.name for f in runtime.by_role("port", "llama") if f.is_source]
ENGINE_HEADERS = [f.name for f in runtime.by_role("compat", "llama") if not f.is_source]
PROGRAM_WHAT = "the llama2.c program, ported to C89"
RUN_STEPS = 256         # the llama2.c programs' default -n: README.TXT's memory figure


def add_build_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", default=DEFAULT_TARGET, choices=target_names(),
                   help="what the EXE must run on (default: %(default)s)")
    p.add_argument("--compiler", default=DEFAULT_COMPILER,
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
                   help="do not try to download upstream; use --source or the offline fallback")
    p.add_argument("--model", metavar="PATH|NAME",
                   help="checkpoint to ship as MODEL.BIN: a file, or a known name (stories260K)")
    p.add_argument("--tokenizer", metavar="PATH|NAME",
                   help="vocabulary to ship as TOKENIZE.BIN (default: the known model's own)")
    p.add_argument("--dist", metavar="DIR", default=None,
                   help="output folder (default: dist/<target>)")
    p.add_argument("--build-dir", metavar="DIR", default=None,
                   help="work folder (default: build/<target>)")
    p.add_argument("--cache-dir", metavar="DIR", default=None,
                   help="download cache (default: $LLAMA98_CACHE or ~/.cache/llama98)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every command")


@dataclass
class DistFile:
    name: str
    what: str


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


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")


def _render(name: str, **values) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / "dist")),
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template(name).render(**values)


def port_program(text: str, name: str, progress: Progress, defines=()) -> str:
    """The fp32 engine's port of one upstream source file (patches, then the C89
    rewriter); ``defines`` are the compiler's predefined macros (-D syntax)."""
    from . import engines
    return engines.port(engines.engine("fp32"), text, name, include_dirs=[ENGINE],
                        defines=defines, info=progress.info)


def replace_dir(staging: Path, final: Path) -> None:
    """Move ``staging`` to ``final``, replacing an older ``final`` as late as possible."""
    old = None
    if final.exists():
        old = final.with_name(final.name + f".old-{os.getpid()}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(final: Path):
    """A temporary folder next to ``final`` that replaces it only when the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    replace_dir(staging, final)


def write_checksums(folder: Path, files: list[DistFile]) -> None:
    sums = "".join(f"{sha256_file(folder / f.name)}  {f.name}\n"
                   for f in files if f.name != "SHA256SUMS")
    (folder / "SHA256SUMS").write_bytes(sums.encode("ascii"))


def quantized_model(model: Path, work: Path, progress: Progress) -> Path:
    """An fp32 model quantized by the toolchain to runq.c's int8 format (group size: the
    largest power of two up to 64 dividing every row), in ``work``."""
    from . import checkpoint
    out = work / "model-q8.bin"
    q = checkpoint.quantize_file(model, out)
    progress.info(f"quantized {Path(model).name} to int8 in groups of {q.group_size}: "
                  f"{out.stat().st_size:,} bytes")
    return out


def build(args: argparse.Namespace) -> BuildReport:
    from . import checkpoint, engines, models, upstream
    from .audit import audit_file
    from .compilers import get_driver

    target = load_target(args.target)
    driver = get_driver(args.compiler)
    bundle_only = getattr(args, "bundle_only", False) or not driver.compiles()
    if bundle_only and not driver.bundle_templates:
        raise ToolchainError(f"the '{driver.name}' compiler driver makes no source bundles",
                             hint="--bundle-only is for " + ", ".join(bundle_drivers()),
                             exit_code=2)
    if not bundle_only:
        driver.require()          # a missing compiler stops the build before any work
    macros = driver.predefined_macros(target)      # what the compiler's preprocessor sees
    # mingw keeps dist/<target>; other compilers get dist/<target>-<compiler>
    folder = target.name if driver.name == "mingw" else f"{target.name}-{driver.name}"
    dist = Path(args.dist) if args.dist else ROOT / "dist" / folder
    work = Path(args.build_dir) if args.build_dir else ROOT / "build" / folder
    progress = Progress(4 if bundle_only else 7, args.verbose)
    print(f"llama98 {__version__}: building for {target.name} ({target.description})")

    eng = engines.engine(getattr(args, "quant", None) or "fp32")
    progress.step("source")
    if eng.program == "runq.c":
        source = upstream.resolve_runq(args.source, cache_dir=args.cache_dir,
                                       offline=args.offline)
    else:
        source = upstream.resolve_source(args.source, cache_dir=args.cache_dir,
                                         offline=args.offline,
                                         notify=lambda m: print(m, file=sys.stderr, flush=True))
    progress.info(f"{source.description} (sha256 {source.sha256[:16]}...)")
    progress.info(f"engine {eng.name}: {eng.title}")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)

    progress.step("model")
    model = tokenizer = None
    model_info = None
    if args.model:
        model = models.resolve_model(args.model, cache_dir=args.cache_dir)
        model_what = f"the model ({Path(model).name})"
        if eng.format == "q8" and checkpoint.file_version(model) != 2:
            model = quantized_model(model, work, progress)
            model_what = f"the model ({Path(args.model).name}, quantized to int8 by llama98)"
        model_info = (models.check_checkpoint(model, versions=(2,)) if eng.format == "q8"
                      else models.check_checkpoint(model))
        tokenizer = models.resolve_tokenizer(args.tokenizer, args.model, cache_dir=args.cache_dir)
        if tokenizer is None:
            raise ToolchainError(f"no vocabulary for {args.model}",
                                 hint="pass --tokenizer PATH (e.g. tok512.bin for stories260K)")
        models.check_tokenizer(tokenizer, model_info.vocab_size)
        progress.info(f"{model}: dim {model_info.dim}, {model_info.n_layers} layers, "
                      f"vocabulary {model_info.vocab_size}, {model_info.n_params:,} parameters")
        progress.info(f"vocabulary {tokenizer}")
    elif args.tokenizer:
        raise ToolchainError("--tokenizer given without --model")
    else:
        progress.info("no --model: dist/ will hold the program only")

    progress.step("port to C89")
    src_dir = work / "src"
    src_dir.mkdir(parents=True)
    program_c = src_dir / eng.program
    program_c.write_text(engines.port(eng, source.path.read_text("utf-8"), source.path.name,
                                      include_dirs=[ENGINE], defines=macros, info=progress.info),
                         "utf-8")
    for name in ENGINE_SOURCES + ENGINE_HEADERS:
        shutil.copy2(ENGINE / name, src_dir / name)
    progress.info(f"sources in {src_dir}")
    if bundle_only:
        return _package_bundle(driver, target, dist, src_dir, program_c, source, args,
                               model, tokenizer, model_info, progress)

    progress.step(f"compile with {driver.name}")
    for name in driver.runtime_sources:
        shutil.copy2(ENGINE / name, src_dir / name)
    result = driver.build([program_c] + [src_dir / n for n in driver.runtime_sources],
                          library=[src_dir / n for n in ENGINE_SOURCES], target=target,
                          workdir=work, exe_name=EXE_NAME, include_dirs=[src_dir],
                          log=progress.command, source_description=source.description,
                          version=__version__)
    progress.info(f"{result.exe.name}: {result.exe.stat().st_size:,} bytes")

    progress.step(f"audit against {target.name}")
    # The EXE keeps its COFF symbols, so findings name functions without the map file.
    report = audit_file(result.exe, target)
    progress.info(report.summary())
    # name the file as it is shipped, so the report does not depend on the build folder
    audit_text = report.format_text().replace(str(result.exe), EXE_NAME)
    if not report.ok:
        (work / "AUDIT.TXT").write_text(audit_text)
        raise ToolchainError(f"{result.exe} fails the {target.name} audit:\n{audit_text}",
                             hint="the full report is in " + str(work / "AUDIT.TXT"))

    progress.step("verify against the reference")
    from .verify import verify_build
    audit_text += verify_build(
        src_dir, program_c, [src_dir / n for n in ENGINE_SOURCES], result.exe, model, tokenizer,
        work / "verify", source_description=source.description,
        cache_dir=upstream.resolve_cache_dir(args.cache_dir), info=progress.info,
        log=progress.command).audit_section()

    progress.step(f"package {dist}")
    with staged_dir(dist) as staging:
        files = [DistFile(EXE_NAME, "the program")]
        shutil.copy2(result.exe, staging / EXE_NAME)
        if model:
            shutil.copyfile(model, staging / MODEL_NAME)
            shutil.copyfile(tokenizer, staging / TOKENIZER_NAME)
            files += [DistFile(MODEL_NAME, model_what),
                      DistFile(TOKENIZER_NAME, f"its vocabulary ({Path(tokenizer).name})")]
        files += [DistFile("RUN.BAT", "runs the program on MODEL.BIN"),
                  DistFile("README.TXT", "this file"),
                  DistFile("AUDIT.TXT", f"proof the EXE fits {target.name}, and what was verified"),
                  DistFile("SHA256SUMS", "checksums of every file here")]
        values = dict(program="llama2.c", exe=EXE_NAME, version=__version__, target=target,
                      source_description=source.description, files=files,
                      dlls=sorted(d.upper() for d in report.imports.dlls),
                      model=model_info, engine=eng, run_steps=RUN_STEPS,
                      model_mb=(engines.memory_bytes(model_info, eng.format, model_info.file_size,
                                                     RUN_STEPS) + (1 << 20) - 1) >> 20
                      if model_info else 0,
                      model_arg=args.model if args.model and not os.path.exists(args.model) else "")
        (staging / "RUN.BAT").write_bytes(crlf(_render("RUN.BAT.j2", **values)))
        (staging / "README.TXT").write_bytes(crlf(_render("README.TXT.j2", **values)))
        (staging / "AUDIT.TXT").write_bytes(crlf(audit_text))
        write_checksums(staging, files)
    return BuildReport(target=target, dist=dist, exe=dist / EXE_NAME,
                       exe_sha256=sha256_file(dist / EXE_NAME), audit_summary=report.summary(),
                       source_description=source.description, files=files)


# ---------------------------------------------------------------- source bundles
# Compilers that run on the Windows 98 machine (Borland C++ 5.02) or are not
# installed here (Open Watcom): dist/<target>-<compiler>/ gets the ported sources
# with a makefile, BUILD.BAT and README.TXT from the driver, plus the model and
# RUN.BAT like a normal dist. Same staging + replace_dir as build().

def _package_bundle(driver, target: Target, dist: Path, src_dir: Path, program_c: Path,
                    source, args: argparse.Namespace, model, tokenizer, model_info,
                    progress: Progress) -> BuildReport:
    progress.step(f"bundle for {driver.bundle_title} in {dist}")
    progress.info(driver.bundle_reason())
    extra = []
    if model:
        extra += [(MODEL_NAME, f"the model ({Path(model).name})"),
                  (TOKENIZER_NAME, f"its vocabulary ({Path(tokenizer).name})"),
                  ("RUN.BAT", "runs the program on MODEL.BIN (after BUILD)")]
    extra.append(("SHA256SUMS", "checksums of every file here"))
    with staged_dir(dist) as staging:
        written = driver.bundle(src_dir, [program_c], [src_dir / n for n in ENGINE_HEADERS],
                                target, staging, library=[src_dir / n for n in ENGINE_SOURCES],
                                source_description=source.description, extra_files=extra,
                                descriptions={program_c.name: PROGRAM_WHAT},
                                version=__version__, log=progress.command)
        if model:
            shutil.copyfile(model, staging / MODEL_NAME)
            shutil.copyfile(tokenizer, staging / TOKENIZER_NAME)
            values = dict(program="llama2.c", exe=EXE_NAME, version=__version__, target=target,
                          source_description=source.description)
            (staging / "RUN.BAT").write_bytes(crlf(_render("RUN.BAT.j2", **values)))
        files = [DistFile(n, w) for n, w in written + extra]
        write_checksums(staging, files)
    progress.info(f"made the {driver.bundle_title} source bundle: {len(files)} files; "
                  "nothing was compiled here (BUILD.BAT builds LLAMA98.EXE)")
    return BuildReport(target=target, dist=dist, exe=dist / EXE_NAME, exe_sha256="",
                       audit_summary="not audited: nothing compiled",
                       source_description=source.description, files=files,
                       bundle=driver.bundle_title)


def build_main(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    rep = build(args)
    if rep.bundle:
        print(f"made the {rep.bundle} source bundle in {rep.dist} in {time.monotonic() - t0:.1f} s"
              " (nothing compiled: run BUILD.BAT there)")
        for f in rep.files:
            print(f"  {f.name:<13} {f.what}")
        return 0
    print(f"built {rep.exe} in {time.monotonic() - t0:.1f} s")
    print(f"  sha256 {rep.exe_sha256}")
    print(f"  audit  {rep.audit_summary}")
    for f in rep.files:
        print(f"  {f.name:<13} {f.what}")
    return 0
