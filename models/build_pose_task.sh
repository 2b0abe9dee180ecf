#!/usr/bin/env bash
# Rebuild models/pose_landmarker_full.task in a throwaway virtual environment (needs PyPI).
# Usage: bash models/build_pose_task.sh [OUTPUT]   (default: models/pose_landmarker_full.task)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/pose_landmarker_full.task}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet "mediapipe==0.10.21"
"$tmp/venv/bin/python" "$here/build_pose_task.py" "$out"
