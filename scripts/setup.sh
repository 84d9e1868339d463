#!/usr/bin/env bash
# Installs everything llama98 needs on a fresh Debian 12 / Ubuntu machine, then the
# project itself into .venv. Safe to run again. Used by .ci/run and docker/Dockerfile.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(
  gcc-mingw-w64-i686 binutils-mingw-w64-i686   # the cross compiler and dlltool/objdump
  wine wine32:i386                              # runs the PE32 results in tests
  tcc pcc                                       # strict-C89 cross-checks of the rewriter
  gcc-multilib                                  # native i386 reference builds
  csmith libcsmith-dev                          # differential fuzzing of the rewriter
  python3-venv
)

need_apt=0
for pkg in i686-w64-mingw32-gcc wine tcc pcc csmith; do
  command -v "$pkg" >/dev/null 2>&1 || need_apt=1
done
[ -e /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a ] || need_apt=1
# wine32 provides the 32-bit loader; "wine" alone is only the 64-bit one
[ -e /usr/lib/wine/wine ] || [ -e /usr/lib/i386-linux-gnu/wine/wine ] || need_apt=1
python3 -m venv --help >/dev/null 2>&1 || need_apt=1

if [ "$need_apt" = 1 ]; then
  echo "setup: installing Debian packages (MinGW-w64, 32-bit Wine, tcc, pcc, csmith)"
  $SUDO dpkg --add-architecture i386
  # The i386 security index can lag behind amd64's; keep the security suite below the
  # main one so wine32:i386 resolves against a consistent set of versions.
  printf 'Package: *\nPin: release l=Debian-Security\nPin-Priority: 100\n' |
    $SUDO tee /etc/apt/preferences.d/llama98-security-pin >/dev/null
  # An index that fails to download (a mirror mid-sync) must not stop the install.
  $SUDO apt-get update -q || echo "setup: apt-get update reported errors; continuing with the indexes it has"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    $(printf '%s\n' "${APT_PACKAGES[@]}" | sed 's/#.*//' | xargs)
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
echo "setup: installing llama98 and its Python dependencies into .venv"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
echo "setup: done ($(.venv/bin/llama98 --version))"
