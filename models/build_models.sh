#!/usr/bin/env bash
# Rebuild the PoseLandmarker bundles models/pose_landmarker_{lite,full,heavy}.task in a throwaway
# virtual environment with mediapipe 0.10.21 (needs PyPI; lite and heavy also need
# registry.npmjs.org, but not node or npm). Set PYTHON to pick the interpreter (3.9 to 3.12).
# Usage: bash models/build_models.sh [lite|full|heavy|all] [--out-dir DIR] [--npm-tarball FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
variant=${1:-all}
case $variant in
  lite | full | heavy | all) ;;
  *) echo "usage: $0 [lite|full|heavy|all] [--out-dir DIR] [--npm-tarball FILE]" >&2; exit 2 ;;
esac
shift $(($# > 0 ? 1 : 0))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${PYTHON:-python3}" -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet "mediapipe==0.10.21" "flatbuffers==25.12.19"
"$tmp/venv/bin/python" "$here/build_models.py" --variant "$variant" "$@"
