"""Packaging: the files that go to the Windows 98 machine, and how dist/ gets them.

One module for everything a dist/ or source bundle is made of and how it is written:

* names: the product's file names (all 8.3), ``dos_names`` for sources;
* text: DOS text (CRLF, ASCII), Jinja2 templates (``templates/<folder>/``);
* checksums: ``SHA256.TXT`` in ``sha256sum`` format, CRLF (GNU ``sha256sum -c`` reads it);
* folders: a work folder is used only when it is new, empty or marked as ours; a dist
  folder is replaced only when it is new, empty or a dist llama98 wrote (its checksum
  file lists every file in it). dist/ is assembled in a staging folder beside it and
  swapped in atomically (Linux ``renameat2(RENAME_EXCHANGE)``), so the old dist stays
  until the new one is in place; leftovers of a killed build are cleaned (or, for an
  old dist that was moved aside, put back) by the next build.

Every OS error on the way is a one-line :class:`ToolchainError` naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jinja2

from .diag import ToolchainError
from .upstream import sha256_file

TEMPLATES = Path(__file__).resolve().parent / "templates"

EXE_NAME = "LLAMA98.EXE"
MODEL_NAME = "MODEL.BIN"
TOKENIZER_NAME = "TOKENIZE.BIN"   # what the dos-names patch makes the program look for
SUMS_NAME = "SHA256.TXT"
LICENSE_NAME = "LICENSE.TXT"     # the program's license (llama2.c: MIT), CRLF
LEGACY_SUMS_NAMES = ("SHA256SUMS",)   # what llama98 0.1 wrote: still recognised as ours
WORK_MARKER = ".llama98-work"         # in a work folder llama98 made (safe to empty)

Notify = Callable[[str], object]


@dataclass
class DistFile:
    name: str
    what: str


# ---------------------------------------------------------------- errors

def os_error(err: OSError, doing: str, path: str | os.PathLike | None = None) -> ToolchainError:
    """A one-line error for an OSError: ``PATH: cannot DOING: REASON``."""
    where = path if path is not None else (err.filename or "")
    reason = err.strerror or str(err) or type(err).__name__
    return ToolchainError(f"{where}: cannot {doing}: {reason}" if where else
                          f"cannot {doing}: {reason}")


# ---------------------------------------------------------------- text and names

def crlf(text: str, encoding: str = "ascii") -> bytes:
    """DOS text: CRLF line ends; ASCII for what we write (sources keep their bytes:
    a UTF-8 comment is harmless to the compilers of the era)."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode(encoding)


def is_83(name: str) -> bool:
    """An upper-case DOS 8.3 name (what every file in dist/ is called)."""
    return re.fullmatch(r"[A-Z0-9_~]{1,8}(\.[A-Z0-9_]{1,3})?", name) is not None


def dos_stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


def dos_names(names: list[str]) -> dict[str, str]:
    """Map file names to unique upper-case 8.3 names (c89compat.h -> C89COMPT.H).

    A stem longer than 8 characters keeps its first 7 and its last character
    (C89COMPA+T); a clash gets a digit instead of its last character.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        stem, dot, ext = name.upper().rpartition(".")
        if not dot:
            stem, ext = ext, ""
        stem = re.sub(r"[^A-Z0-9_]", "_", stem)
        ext = re.sub(r"[^A-Z0-9_]", "_", ext)[:3]
        short = stem if len(stem) <= 8 else stem[:7] + stem[-1]
        n = 0
        while (short + "." + ext) in used:
            n += 1
            short = stem[:7] + str(n) if n < 10 else stem[:6] + str(n)
        full = short + ("." + ext if ext else "")
        used.add(full)
        out[name] = full
    return out


_INCLUDE = re.compile(r'^([ \t]*#[ \t]*include[ \t]*)"([^"]+)"', re.M)


def local_includes(text: str) -> list[str]:
    return [m.group(2) for m in _INCLUDE.finditer(text)]


def rewrite_includes(text: str, names: dict[str, str]) -> str:
    """Point ``#include "x.h"`` lines at the bundle's 8.3 names."""
    return _INCLUDE.sub(lambda m: m.group(1) + '"' + names.get(m.group(2), m.group(2)) + '"',
                        text)


@lru_cache(maxsize=None)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES / folder)),
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render(folder: str, template: str, **values) -> str:
    """Render ``templates/<folder>/<template>``."""
    return _environment(folder).get_template(template).render(**values)


def write_dos_text(folder: Path, name: str, text: str) -> None:
    (folder / name).write_bytes(crlf(text))


def write_checksums(folder: Path, files: list[DistFile]) -> None:
    """``SHA256.TXT``: one ``sha256  NAME`` line per file, CRLF (``sha256sum -c`` reads it)."""
    sums = "".join(f"{sha256_file(folder / f.name)}  {f.name}\n"
                   for f in files if f.name != SUMS_NAME)
    write_dos_text(folder, SUMS_NAME, sums)


def read_checksums(folder: Path) -> dict[str, str] | None:
    """name -> sha256 from a dist's checksum file (either spelling); None when there is none."""
    for name in (SUMS_NAME, *LEGACY_SUMS_NAMES):
        path = folder / name
        if path.is_file():
            out = {name: ""}
            for line in path.read_text("ascii", errors="replace").splitlines():
                digest, sep, listed = line.strip().partition("  ")
                if sep:
                    out[listed] = digest
            return out
    return None


# ---------------------------------------------------------------- folders

def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_layout(dist: Path, work: Path, inputs: dict[str, Path | None]) -> None:
    """Refuse folder choices that would destroy something: ``dist`` / ``work`` (absolute)
    overlapping each other, holding the current folder, or (work) holding an input."""
    cwd = Path.cwd()
    for option, folder in (("--dist", dist), ("--build-dir", work)):
        if _inside(cwd, folder):
            raise ToolchainError(f"{option} {folder}: is the current folder or contains it; "
                                 "llama98 replaces that folder, so name one inside it "
                                 f"(e.g. {option} {folder / 'out'})", exit_code=2)
    if _inside(dist, work) or _inside(work, dist):
        raise ToolchainError(f"--dist {dist} and --build-dir {work} overlap; give them "
                             "separate folders", exit_code=2)
    for option, path in inputs.items():
        if path is not None and _inside(Path(os.path.abspath(path)), work):
            raise ToolchainError(f"{option} {path}: is inside the work folder {work}, which "
                                 "every build empties; move it or choose another --build-dir",
                                 exit_code=2)


def check_parent(path: Path, option: str) -> None:
    """The folder that will hold ``path`` exists or can be made (nothing is created yet):
    its nearest existing ancestor is a folder we may write in."""
    existing = next(p for p in path.parents if p.exists() or p.is_symlink())
    if not existing.is_dir():
        raise ToolchainError(f"{option} {path}: {existing} is a file, not a folder", exit_code=2)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ToolchainError(f"{option} {path}: cannot create it: {existing} is not writable",
                             exit_code=2)


def _entries(folder: Path, option: str) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as err:
        raise os_error(err, "list the folder", f"{option} {folder}") from None


def check_work_dir(work: Path) -> list[Path]:
    """``work`` may be used: it is new, empty, or marked as made by llama98; its entries."""
    if not (work.is_symlink() or work.exists()):
        return []
    if not work.is_dir():
        raise ToolchainError(f"--build-dir {work}: exists and is not a folder", exit_code=2)
    entries = _entries(work, "--build-dir")
    if entries and not (work / WORK_MARKER).is_file():
        shown = ", ".join(p.name for p in entries[:3]) + (" ..." if len(entries) > 3 else "")
        raise ToolchainError(
            f"--build-dir {work}: folder exists and was not made by llama98 "
            f"(it holds {shown}); refusing to empty it",
            hint="name a new or empty folder with --build-dir, or delete this one",
            exit_code=2)
    return entries


def prepare_work_dir(work: Path) -> None:
    """Make ``work`` an empty folder marked as ours.

    An existing folder is emptied only when it carries the marker (llama98 made it) or is
    empty already; anything else is refused, so a user's folder is never emptied.
    """
    try:
        entries = check_work_dir(work)
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        work.mkdir(parents=True, exist_ok=True)
        (work / WORK_MARKER).write_text("llama98 work folder: every build empties it\n")
    except OSError as err:
        raise os_error(err, "prepare the work folder", f"--build-dir {work}") from None


def check_dist_dir(dist: Path) -> None:
    """``dist`` may be replaced: it is new, an empty folder, or a dist llama98 wrote
    (its checksum file lists every file in it, and it holds no folder)."""
    try:
        if not (dist.is_symlink() or dist.exists()):
            return
        if dist.is_symlink() or not dist.is_dir():
            raise ToolchainError(f"--dist {dist}: exists and is not a folder", exit_code=2)
        entries = _entries(dist, "--dist")
        if not entries:
            return
        listed = read_checksums(dist) or {}
        foreign = [p.name for p in entries
                   if p.name not in listed or p.is_symlink() or not p.is_file()]
        if foreign:
            shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
            raise ToolchainError(
                f"--dist {dist}: folder exists and holds files llama98 did not write "
                f"({shown}); refusing to replace it",
                hint="name a new or empty folder with --dist, or move those files away",
                exit_code=2)
    except OSError as err:
        raise os_error(err, "inspect the output folder", f"--dist {dist}") from None


def _staging_prefix(final: Path) -> str:
    return f".{final.name}.llama98-new-"     # hidden, beside the final folder


def _old_prefix(final: Path) -> str:
    return f"{final.name}.old-"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False          # one build at a time per process: an own leftover is stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0
    return True


def _leftovers(final: Path, prefix: str) -> list[Path]:
    """Siblings of ``final`` named ``PREFIX<pid>`` whose build process is gone."""
    out = []
    try:
        siblings = list(final.parent.iterdir())
    except OSError:
        return out
    for path in siblings:
        tail = path.name[len(prefix):]
        if path.name.startswith(prefix) and tail.isdigit() and not _pid_alive(int(tail)):
            out.append(path)
    return out


def clean_leftovers(final: Path, notify: Notify = lambda _m: None) -> None:
    """Remove what killed builds left beside ``final``: staging folders, and moved-aside
    old dists (put back first when ``final`` itself is missing)."""
    olds = sorted(_leftovers(final, _old_prefix(final)), key=lambda p: p.stat().st_mtime, reverse=True)
    try:
        if olds and not (final.exists() or final.is_symlink()):
            os.replace(olds.pop(0), final)
            notify(f"llama98: note: put back {final}, which an interrupted build had moved aside")
        for path in olds + _leftovers(final, _staging_prefix(final)):
            shutil.rmtree(path)
            notify(f"llama98: note: removed {path}, left by an interrupted build")
    except OSError as err:
        raise os_error(err, "clean up after an interrupted build", final.parent) from None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def replace_dir(staging: Path, final: Path) -> None:
    """Put ``staging`` in the place of ``final``; the old ``final`` exists until then."""
    if final.exists():
        if _exchange(staging, final):
            shutil.rmtree(staging)          # now the old dist
            return
        # no atomic exchange here: move the old one aside for the shortest possible time
        # (a kill in between leaves it as NAME.old-PID; clean_leftovers puts it back)
        old = final.with_name(f"{_old_prefix(final)}{os.getpid()}")
        os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, final)


@contextlib.contextmanager
def staged_dir(final: Path):
    """A new folder beside ``final`` that replaces it only when the block succeeds.

    Made with ``mkdir`` under the user's umask (0755 under umask 022), not mkdtemp's 0700.
    """
    staging = final.with_name(f"{_staging_prefix(final)}{os.getpid()}")
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir()
    except OSError as err:
        raise os_error(err, "create the output folder", f"--dist {final}") from None
    try:
        yield staging
        replace_dir(staging, final)
    except OSError as err:
        shutil.rmtree(staging, ignore_errors=True)
        what = f"write {Path(err.filename).name}" if err.filename else "write the output folder"
        raise os_error(err, what, f"--dist {final}") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# ---------------------------------------------------------------- what a dist holds

@dataclass
class Dist:
    """Everything the dist's text files say: what was built, from what, for what."""
    target: object            # targets.Target
    version: str
    source: object            # upstream.SourceInfo
    rebuild: str              # the complete command line that makes this dist again
    model: object = None      # build.ModelFiles, or None (program only)
    usage: object = None      # usage.Usage of the program, or None
    audit_sections: list[str] = field(default_factory=list)   # more of AUDIT.TXT (verify ...)
    engine: object = None     # engines.Engine (None: fp32)


def audit_text(report, exe: Path) -> str:
    """The audit report as shipped: the EXE named as in dist/, not by its build path."""
    return report.format_text().replace(str(exe), EXE_NAME)


def source_section(source) -> str:
    """AUDIT.TXT's account of the C source the EXE was built from."""
    lines = ["Source", f"  {source.description}", f"  sha256 {source.sha256}",
             f"  license {LICENSE_NAME}: {source.license.name} (sha256 "
             f"{sha256_file(source.license)}) with CRLF line ends"
             if source.license else "  license: none found beside the source (not shipped)"]
    if source.fallback:
        lines.append(f"  FALLBACK: {source.fallback}; this is NOT the pinned upstream llama2.c")
    return "\n".join(lines) + "\n"


RUN_STEPS = 256     # the llama2.c programs' default -n, for the int8 engine's memory figure


def memory_mb(model, engine=None) -> int:
    """Megabytes the program needs for ``model`` (build.ModelFiles): the weights it loads,
    the key/value cache (upper bound: full-width, as a llama2.c without grouped-query
    attention allocates; the int8 engine's holds the steps run, RUN_STEPS here), activations,
    and the vocabulary; rounded up."""
    info = model.info
    positions = info.seq_len
    if engine is not None and engine.format == "q8":
        positions = min(info.seq_len, RUN_STEPS)
    cache = 2 * info.n_layers * positions * info.dim * 4
    activations = 4 * (6 * info.dim + 2 * info.hidden_dim + info.n_heads * info.seq_len
                       + 2 * info.vocab_size)
    vocab = 2 * model.tokenizer_info.file_size + 16 * info.vocab_size
    total = info.file_size + cache + activations + vocab
    return max(1, -(-total // (1 << 20)))


def dist_values(dist: Dist, files: list[DistFile], dlls: list[str]) -> dict:
    info = dist.model.info if dist.model else None
    return dict(program="llama2.c", exe=EXE_NAME, exe_stem=EXE_NAME.rsplit(".", 1)[0],
                version=dist.version, target=dist.target, source=dist.source,
                source_description=dist.source.description, files=files, dlls=dlls,
                model=info, model_mb=memory_mb(dist.model, dist.engine) if info else 0,
                engine=dist.engine,
                engine_steps=RUN_STEPS if dist.engine and dist.engine.format == "q8" else 0,
                usage=dist.usage, rebuild=dist.rebuild,
                model_name=MODEL_NAME, tokenizer_name=TOKENIZER_NAME, sums=SUMS_NAME,
                os_name=f"Windows {dist.target.api_floor}")


def _model_entries(dist: Dist) -> list[DistFile]:
    if not dist.model:
        return []
    return [DistFile(MODEL_NAME, getattr(dist.model, "what", "")
                     or f"the model ({Path(dist.model.model).name})"),
            DistFile(TOKENIZER_NAME, f"its vocabulary ({Path(dist.model.tokenizer).name})")]


def _license_entries(dist: Dist) -> list[DistFile]:
    if not dist.source.license:
        return []
    return [DistFile(LICENSE_NAME, f"the license of {dist.source.path.name} (llama2.c's)")]


def _copy_model(dist: Dist, staging: Path) -> None:
    """The model and vocabulary, and the program's license, into ``staging``."""
    if dist.model:
        shutil.copyfile(dist.model.model, staging / MODEL_NAME)
        shutil.copyfile(dist.model.tokenizer, staging / TOKENIZER_NAME)
    if dist.source.license:
        try:
            data = dist.source.license.read_bytes()
        except OSError as err:
            raise os_error(err, "read the license", dist.source.license) from None
        (staging / LICENSE_NAME).write_bytes(crlf(data.decode("latin-1"), "latin-1"))


def write_dist(final: Path, dist: Dist, *, exe: Path, report) -> list[DistFile]:
    """dist/<target>/: the EXE, the model, RUN.BAT, README.TXT, AUDIT.TXT, SHA256.TXT."""
    files = [DistFile(EXE_NAME, "the program"), *_model_entries(dist), *_license_entries(dist),
             DistFile("RUN.BAT", f"runs the program on {MODEL_NAME}"),
             DistFile("README.TXT", "this file"),
             DistFile("AUDIT.TXT", f"proof the EXE fits {dist.target.name} (CPU, PE header, "
                                   "imports), what was verified, and its source"),
             DistFile(SUMS_NAME, f"checksums of every file here (sha256sum -c {SUMS_NAME})")]
    values = dist_values(dist, files, sorted(d.upper() for d in report.imports.dlls))
    with staged_dir(final) as staging:
        shutil.copy2(exe, staging / EXE_NAME)
        _copy_model(dist, staging)
        write_dos_text(staging, "RUN.BAT", render("dist", "RUN.BAT.j2", **values))
        write_dos_text(staging, "README.TXT", render("dist", "README.TXT.j2", **values))
        write_dos_text(staging, "AUDIT.TXT", "\n".join(
            [audit_text(report, exe), source_section(dist.source), *dist.audit_sections]))
        write_checksums(staging, files)
    return files


def write_bundle(final: Path, dist: Dist, driver, *, sources: list[Path], library: list[Path],
                 headers: list[Path], descriptions: dict[str, str], log=None) -> list[DistFile]:
    """dist/<target>-<compiler>/: a compiler driver's source bundle, plus the model,
    RUN.BAT and SHA256.TXT like a normal dist."""
    extra = _model_entries(dist) + _license_entries(dist)
    if dist.model:
        extra.append(DistFile("RUN.BAT", f"runs the program on {MODEL_NAME} (after BUILD)"))
    extra.append(DistFile(SUMS_NAME, "checksums of every file here"))
    with staged_dir(final) as staging:
        written = driver.bundle(sources[0].parent, sources, headers, dist.target, staging,
                                library=library, source_description=dist.source.description,
                                extra_files=[(f.name, f.what) for f in extra],
                                descriptions=descriptions, version=dist.version, log=log)
        files = [DistFile(n, w) for n, w in written] + extra
        _copy_model(dist, staging)
        if dist.model:
            write_dos_text(staging, "RUN.BAT",
                           render("dist", "RUN.BAT.j2", **dist_values(dist, files, [])))
        write_checksums(staging, files)
    return files
