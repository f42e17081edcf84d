#!/usr/bin/env bash
# CI: build the Linux bundle with packaging/aischoco.spec and smoke-test the frozen app offscreen.
# Usage: packaging/ci_build.sh [python]   (default .venv/bin/python). Fails on any import error.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-.venv/bin/python}"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    "$PY" -m pip install --quiet "pyinstaller>=6.6"
fi
start=$(date +%s)
"$PY" packaging/build.py --report build/bundle_report.json
echo "packaging/ci_build.sh: total $(( $(date +%s) - start )) s"
