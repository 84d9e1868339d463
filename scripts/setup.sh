#!/usr/bin/env bash
# Installs what llama98 needs on Debian 12 or Ubuntu 24.04, then the project into .venv.
#
#   bash scripts/setup.sh            the main job: MinGW-w64 (i686) + binutils, host gcc,
#                                    python3-venv, CA certificates; .venv with llama98
#   bash scripts/setup.sh --wine     also 32-bit Wine, so every build runs its EXE once
#   bash scripts/setup.sh --test     also the test tools (tcc, pcc, csmith, gcc -m32,
#                                    valgrind, shellcheck, curl, 32-bit Wine) and pytest
#                                    (.ci/run uses this)
#   bash scripts/setup.sh --dry-run  print what would be installed, change nothing
#   bash scripts/setup.sh --no-venv  system packages only (docker/Dockerfile uses this)
#
# Safe to run again: each tool is looked for by what it can do (a compiler must compile and
# link an empty program), so a machine that has everything gets no apt-get call at all.
# It leaves no apt policy behind. Not root: apt-get runs through sudo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WANT_TEST=0
WANT_WINE=0
DRY_RUN=0
DO_VENV=1

usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

for arg in "$@"; do
  case "$arg" in
    --test) WANT_TEST=1; WANT_WINE=1 ;;
    --wine) WANT_WINE=1 ;;
    --dry-run|-n) DRY_RUN=1 ;;
    --no-venv) DO_VENV=0 ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'setup: error: unknown option %s (see --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/llama98-setup.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

have() { command -v "$1" >/dev/null 2>&1; }

# compiles CC [FLAGS...]: CC compiles and links an empty C program.
compiles() {
  have "$1" || return 1
  printf 'int main(void) { return 0; }\n' >"$WORK/empty.c"
  "$@" "$WORK/empty.c" -o "$WORK/empty" >/dev/null 2>&1
}

python_ok() {
  have python3 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

# 32-bit Wine: Debian's and Ubuntu's wine32:i386 brings the 32-bit loader; "wine" alone may be
# only the 64-bit one, which cannot run llama98's PE32 executables.
wine32_ok() {
  have wine || return 1
  [ -x /usr/lib/wine/wine ] && return 0
  have dpkg-query && [ "$(dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null)" = "install ok installed" ]
}

# ------------------------------------------------------------------ what is missing

MISSING=()        # apt packages
MISSING_WINE=()   # wine and wine32:i386 (see install_with_wine)
FOR=()            # one line per missing capability, for the messages

need() {          # need "what it is for" package...
  FOR+=("$1")
  shift
  MISSING+=("$@")
}

compiles i686-w64-mingw32-gcc || need "MinGW-w64 i686 C compiler (builds the EXE)" gcc-mingw-w64-i686
have i686-w64-mingw32-dlltool || need "MinGW-w64 i686 binutils (import libraries)" binutils-mingw-w64-i686
compiles gcc || need "host gcc (C preprocessor of the C89 rewriter)" gcc libc6-dev
python_ok || need "Python 3 with venv (.venv)" python3 python3-venv
[ -s /etc/ssl/certs/ca-certificates.crt ] || need "CA certificates (HTTPS downloads of llama2.c and models)" ca-certificates

if [ "$WANT_TEST" = 1 ]; then
  have tcc || need "tcc (strict-C89 cross-check)" tcc
  have pcc || need "pcc (strict-C89 cross-check)" pcc
  { have csmith && [ -f /usr/include/csmith/csmith.h ]; } || need "csmith and its headers (differential fuzzing)" csmith libcsmith-dev
  compiles gcc -m32 || need "gcc -m32 (native i386 reference builds)" gcc-multilib
  have valgrind || need "valgrind (memory checks of the engine)" valgrind
  have shellcheck || need "shellcheck (lint of the project's shell scripts)" shellcheck
  { have curl && have xz; } || need "curl and xz (tests of docker/install-openwatcom.sh)" curl xz-utils
fi
if [ "$WANT_WINE" = 1 ] && ! wine32_ok; then
  FOR+=("32-bit Wine (runs the Windows EXE)")
  MISSING_WINE=(wine wine32:i386)
fi

# An earlier version of this script wrote a permanent system-wide pin that held security
# updates (openssl, libpng ...) back. It was ours: remove it.
PREFS_D=/etc/apt/preferences.d/
PREFS_MAIN=/etc/apt/preferences
if have apt-config; then
  eval "$(apt-config shell PREFS_D Dir::Etc::PreferencesParts/d PREFS_MAIN Dir::Etc::Preferences/f)"
fi
OLD_PIN="${PREFS_D%/}/llama98-security-pin"

SUDO=()
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  else
    if [ ${#SUDO[@]} = 0 ]; then
      have sudo || die "not root and sudo is not installed: run this script as root"
      SUDO=(sudo)
    fi
    "${SUDO[@]}" "$@"
  fi
}

if [ -e "$OLD_PIN" ]; then
  if [ "$DRY_RUN" = 1 ]; then
    say "would remove $OLD_PIN (a system-wide apt pin left by an earlier version of this script)"
  else
    say "removing $OLD_PIN: an earlier version of this script wrote it; it held security updates back system-wide"
    as_root rm -f "$OLD_PIN"
  fi
fi

# ------------------------------------------------------------------ apt

APT_GET=(env DEBIAN_FRONTEND=noninteractive LC_ALL=C apt-get -y -q --no-install-recommends)

# install_with_wine PACKAGES: one apt-get call for everything that is missing, Wine included.
# wine32:i386 needs the i386 build of each shared library it uses at the version of the
# amd64 one; so a library that another package of the same call would take from the
# security suite must exist there for i386 too. When the i386 security index lags amd64's
# (a mirror still syncing, or an index that fails to download), apt cannot resolve the
# call; then, and only then, it is retried once with the security suite below the main
# one, through a preferences file given to that apt-get command alone. What it installs
# then is the main suite's versions; a later `apt-get upgrade` brings both architectures
# their security updates together once the i386 index has them. No apt policy stays.
install_with_wine() {
  local log="$WORK/install.log" rc
  set +e
  as_root "${APT_GET[@]}" install "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" = 0 ] && return 0
  if ! grep -q 'unmet dependencies' "$log" || ! grep -q ':i386' "$log"; then
    die "apt-get could not install $* (exit $rc, see above)"
  fi
  local prefs="$WORK/preferences" codename=""
  if [ -r /etc/os-release ]; then
    codename="$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')"
  fi
  # Keep the machine's own main preferences file in force for the retry.
  if [ -f "$PREFS_MAIN" ]; then cat "$PREFS_MAIN" >"$prefs"; printf '\n' >>"$prefs"; fi
  {
    printf 'Explanation: llama98 setup.sh, for one apt-get install with wine32:i386 only\n'
    printf 'Package: *\nPin: release l=Debian-Security\nPin-Priority: 100\n'
    if [ -n "$codename" ]; then
      printf '\nPackage: *\nPin: release n=%s-security\nPin-Priority: 100\n' "$codename"
      printf '\nPackage: *\nPin: release a=%s-security\nPin-Priority: 100\n' "$codename"
    fi
  } >>"$prefs"
  chmod 644 "$prefs"
  say "apt could not resolve the i386 side of wine32:i386: $(grep -m1 ':i386' "$log" | sed 's/^ *//')"
  say "this happens when the i386 security index lags amd64's; retrying this one install with the"
  say "security suite at priority 100 for this command only (apt-get -o Dir::Etc::Preferences=$prefs);"
  say "no apt policy is left on the machine"
  as_root "${APT_GET[@]}" -o "Dir::Etc::Preferences=$prefs" install "$@" \
    || die "apt-get could not install $* even with the security suite held back (see above): amd64 libraries already installed from the security suite need i386 builds that this machine's i386 security index lacks; run apt-get update again later, or leave out --wine/--test (the Wine checks are then skipped)"
}

if [ ${#MISSING[@]} = 0 ] && [ ${#MISSING_WINE[@]} = 0 ]; then
  say "system packages: everything needed is installed"
else
  for line in "${FOR[@]}"; do say "missing: $line"; done
  NEED_I386=0
  if [ ${#MISSING_WINE[@]} != 0 ] && ! { have dpkg && dpkg --print-foreign-architectures | grep -qx i386; }; then
    NEED_I386=1
  fi
  ALL=("${MISSING[@]}" "${MISSING_WINE[@]}")
  if [ "$DRY_RUN" = 1 ]; then
    [ "$NEED_I386" = 1 ] && say "would run: dpkg --add-architecture i386 (wine32 is an i386 package)"
    say "would run: apt-get update"
    say "would run: apt-get install ${ALL[*]}"
  else
    have apt-get || die "apt-get not found: this script supports Debian 12 and Ubuntu 24.04; install the packages above yourself"
    if [ "$NEED_I386" = 1 ]; then
      say "enabling the i386 architecture in dpkg (wine32 is an i386 package)"
      as_root dpkg --add-architecture i386
    fi
    say "apt-get update"
    # A mirror mid-sync can fail one index; the install below reports what is really missing.
    as_root apt-get update -q || say "apt-get update reported errors; continuing with the indexes it has"
    say "apt-get install ${ALL[*]}"
    if [ ${#MISSING_WINE[@]} != 0 ]; then
      install_with_wine "${ALL[@]}"
    else
      as_root "${APT_GET[@]}" install "${ALL[@]}" \
        || die "apt-get could not install ${ALL[*]} (see above)"
    fi
  fi
fi

# ------------------------------------------------------------------ .venv

[ "$DO_VENV" = 1 ] || exit 0

cd "$ROOT"
SPEC="."
[ "$WANT_TEST" = 1 ] && SPEC=".[test]"
# .venv/.llama98-setup records what was installed: pyproject.toml's sha256 and the extras.
STAMP=.venv/.llama98-setup
WANTED="$(sha256sum pyproject.toml | cut -d' ' -f1) $SPEC"
current=""
[ -f "$STAMP" ] && current="$(cat "$STAMP")"
up_to_date=0
if [ -x .venv/bin/python ] && [ -x .venv/bin/llama98 ]; then
  # the main job's install is part of the test one
  if [ "$current" = "$WANTED" ] || { [ "$SPEC" = "." ] && [ "${current% *}" = "${WANTED% *}" ]; }; then
    up_to_date=1
  fi
fi

if [ "$up_to_date" = 1 ]; then
  say ".venv: llama98 is installed and pyproject.toml has not changed"
elif [ "$DRY_RUN" = 1 ]; then
  [ -x .venv/bin/python ] || say "would run: python3 -m venv .venv"
  say "would run: .venv/bin/python -m pip install -e '$SPEC'"
  exit 0
else
  python_ok || die "python3 with the venv module is needed (Python 3.11 or later)"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "llama98 needs Python 3.11 or later; this python3 is $(python3 -V 2>&1)"
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv"
    python3 -m venv .venv
  fi
  say "installing llama98 ($SPEC) and its Python dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e "$SPEC"
  printf '%s\n' "$WANTED" >"$STAMP"
fi
[ "$DRY_RUN" = 1 ] || say "done: $(.venv/bin/llama98 --version)"
