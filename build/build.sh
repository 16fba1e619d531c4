#!/usr/bin/env bash
# Build the packaged app with PyInstaller (see build/README.md).
#   bash build/build.sh            one-folder build: dist/smtp-doctor/smtp-doctor[.exe]
#   bash build/build.sh onefile    one-file build:   dist/smtp-doctor-portable[.exe]
#   bash build/build.sh both
#   FORCE=1 bash build/build.sh    rebuild even when nothing changed
# A build is skipped when its output exists and the fingerprint of its inputs (sources, spec,
# icons, Python and installed packages: build/buildinfo.py) equals the one of the last build.
# PyInstaller's work folder (.pyinstaller-work/) and dist/ are outside build/ and git-ignored.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
elif [ -x .venv/bin/python ]; then
  PY=.venv/bin/python
elif [ -x .venv/Scripts/python.exe ]; then
  PY=.venv/Scripts/python.exe
else
  PY=python
fi
EXT=""
case "$("$PY" -c 'import sys; print(sys.platform)')" in win32) EXT=".exe" ;; esac

# PyInstaller's cache of processed (stripped) binaries stays in the git-ignored work folder.
export PYINSTALLER_CONFIG_DIR="$ROOT/.pyinstaller-work/cache"

say() { printf '==> %s\n' "$*" >&2; }

output_of() {
  case "$1" in
    onedir) echo "dist/smtp-doctor/smtp-doctor$EXT" ;;
    onefile) echo "dist/smtp-doctor-portable$EXT" ;;
  esac
}

build() {
  local mode=$1 output stamp want
  output=$(output_of "$mode")
  stamp=".pyinstaller-work/$mode.fingerprint"
  want=$("$PY" build/buildinfo.py fingerprint "$mode")
  if [ -z "${FORCE:-}" ] && [ -f "$output" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    say "$mode build is up to date: $output"
    return 0
  fi
  say "building $mode"
  rm -f "$stamp"
  "$PY" build/make_icon.py --check
  local started=$SECONDS
  "$PY" -m PyInstaller --noconfirm --log-level WARN \
    --workpath ".pyinstaller-work/$mode" --distpath dist \
    build/smtp-doctor.spec -- --mode "$mode"
  [ -f "$output" ] || { echo "the build did not produce $output" >&2; exit 1; }
  mkdir -p .pyinstaller-work
  echo "$want" >"$stamp"
  say "$mode build ready in $((SECONDS - started)) s: $output"
}

mode=${1:-onedir}
case "$mode" in
  onedir | onefile) build "$mode" ;;
  both) build onedir; build onefile ;;
  *) echo "usage: bash build/build.sh [onedir|onefile|both]" >&2; exit 2 ;;
esac
