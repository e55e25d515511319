#!/usr/bin/env bash
# Set up physio_notes in ./.venv on a fresh machine.
#   bash scripts/setup.sh          the library and its command line
#   bash scripts/setup.sh --test   the same plus everything the test suite needs
# WeasyPrint needs Pango, and HarfBuzz's subsetter for fast, byte-reproducible PDFs. When they
# are missing this script installs them with apt-get if it can, else says exactly what to run.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
[ "${1:-}" = "--test" ] && extra="[test]"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: Python 3.11 or newer is needed (tried '$python'; set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi

missing=()
for lib in libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system libraries for WeasyPrint: $packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages; } >/dev/null
  else
    echo "setup: missing ${missing[*]}. Install them, then run this again:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install $packages" >&2
    echo "  Fedora:        sudo dnf install pango harfbuzz" >&2
    echo "  macOS:         brew install pango harfbuzz" >&2
    exit 1
  fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
pip() {  # quiet, and without the noise of local mirror warnings; keeps pip's exit status
  .venv/bin/python -m pip -q --disable-pip-version-check "$@" 2> >(grep -v '^WARNING: Location' >&2)
}
pip install --upgrade pip
pip install -e ".$extra"

echo "setup: ready (.venv)"
