#!/bin/sh
# Installs Open Watcom v2 for Linux x86-64 hosts into DEST (default: $WATCOM, else /opt/watcom):
# the parts llama98 uses, binl64/ (wcc386, wcl386, wlink, wlib, wmake), h/ and lib386/, the same
# set as the build the tests use (../shared/openwatcom/BUILDINFO.txt). Used by docker/Dockerfile
# and .github/workflows/retro.yml.
#
#   sh docker/install-openwatcom.sh [DEST]
#
# The archive is a dated open-watcom-v2 release (never the moving Current-build), checked
# against its sha256 before it is unpacked. To use another release, set both OW_URL and
# OW_SHA256 (download it once and run sha256sum on it). Needs curl, xz and tar.
# Run again with the same pin, it does nothing.
set -eu

# 2026-08-01-Build: its sha256 is the one two unrelated public projects pin for this file.
# The tests use Open Watcom built from commit 7c523b6ad4e1 (37 commits later, no release yet).
OW_URL="${OW_URL:-https://github.com/open-watcom/open-watcom-v2/releases/download/2026-08-01-Build/ow-snapshot.tar.xz}"
OW_SHA256="${OW_SHA256:-6279e1bf7aea4ceba24539d7924f095142047fa55d352b3ba96f33c81ededd32}"
DEST="${1:-${WATCOM:-/opt/watcom}}"

err() { printf 'install-openwatcom: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'install-openwatcom: %s\n' "$*"; }

if [ -x "$DEST/binl64/wcl386" ] && [ "$(cat "$DEST/.ow-sha256" 2>/dev/null || true)" = "$OW_SHA256" ]; then
  say "Open Watcom is already installed in $DEST"
  exit 0
fi
replace=0
if [ -f "$DEST/.ow-sha256" ]; then
  replace=1                               # ours, from another pin
elif [ -e "$DEST" ] && [ -n "$(ls -A "$DEST" 2>/dev/null)" ]; then
  err "$DEST is not empty and not an Open Watcom installed by this script: remove it or pick another folder"
fi

for tool in curl tar xz sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || err "$tool is needed (apt-get install curl xz-utils)"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/openwatcom.XXXXXX")"
trap 'rm -rf "$work"' EXIT

say "downloading $OW_URL"
curl -fsSL --retry 3 -o "$work/ow.tar.xz" "$OW_URL" \
  || err "cannot download $OW_URL (check the release tag)"
actual="$(sha256sum "$work/ow.tar.xz" | cut -d' ' -f1)"
if [ "$actual" != "$OW_SHA256" ]; then
  err "checksum mismatch for $OW_URL: expected OW_SHA256=$OW_SHA256, got $actual; nothing was installed (set OW_URL and OW_SHA256 together)"
fi

mkdir "$work/x"
tar -xf "$work/ow.tar.xz" -C "$work/x"
root="$work/x"
if [ ! -d "$root/binl64" ]; then          # an archive with one top-level folder
  root="$(find "$work/x" -mindepth 2 -maxdepth 2 -type d -name binl64 | head -n 1)"
  [ -n "$root" ] || err "the archive has no binl64/ (Open Watcom for Linux x86-64 hosts)"
  root="$(dirname "$root")"
fi
for need in binl64/wcl386 binl64/wcc386 binl64/wlink binl64/wmake h/nt lib386/nt; do
  [ -e "$root/$need" ] || err "the archive lacks $need"
done

if [ "$replace" = 1 ]; then
  say "replacing the Open Watcom in $DEST (it came from another pin)"
  rm -rf "${DEST:?}/binl64" "$DEST/h" "$DEST/lib386" "$DEST/license.txt" "$DEST/.ow-sha256"
fi
mkdir -p "$DEST"
for part in binl64 h lib386 license.txt; do
  if [ -e "$root/$part" ]; then cp -R "$root/$part" "$DEST/"; fi
done

# Smoke test: a Win32 console program, compiled and linked as llama98's makefile does.
printf '#include <stdio.h>\nint main(void) { puts("ok"); return 0; }\n' >"$work/hello.c"
if ! (cd "$work" && WATCOM="$DEST" PATH="$DEST/binl64:$PATH" INCLUDE="$DEST/h:$DEST/h/nt" \
      "$DEST/binl64/wcl386" -q -bt=nt -l=nt -fe=hello.exe hello.c >"$work/wcl.log" 2>&1) \
   || [ "$(head -c 2 "$work/hello.exe" 2>/dev/null)" != "MZ" ]; then
  cat "$work/wcl.log" >&2 || true
  rm -rf "${DEST:?}/binl64" "$DEST/h" "$DEST/lib386" "$DEST/license.txt"
  rmdir "$DEST" 2>/dev/null || true
  err "the installed wcl386 cannot build a Win32 program (output above); nothing was kept"
fi
printf '%s\n' "$OW_SHA256" >"$DEST/.ow-sha256"
say "Open Watcom installed in $DEST (set WATCOM=$DEST and put $DEST/binl64 on PATH)"
