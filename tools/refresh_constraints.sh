#!/usr/bin/env bash
# Rewrites constraints.txt with the newest releases that pyproject.toml allows: a fresh Python 3.11
# virtual environment, the newest pip and setuptools, the project with its dev extra, pip freeze.
# Then run the whole test suite and commit the file with a note of what moved.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3.11}
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip setuptools
"$venv/bin/python" -m pip install --quiet -e ".[dev,cluster]"
{
  grep '^#' constraints.txt # the header
  "$venv/bin/python" -m pip freeze --all --exclude-editable
} >constraints.txt.new
mv constraints.txt.new constraints.txt
git diff --stat -- constraints.txt
