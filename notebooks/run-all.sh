#!/usr/bin/env bash
# Executes every analysis notebook headless on the given run directories, as CI does:
#
#   notebooks/run-all.sh [--out DIR] [--only 03,04] [--no-html] RUN_PATH...
#
# RUN_PATH: a run directory, a folder of runs, or hdfs://... (notebooks/README.md); --only picks notebooks by
# their number.
# The committed notebooks are never modified: each executed copy goes to DIR (default target/notebooks) as
# NN-name.ipynb with its outputs and, unless --no-html, NN-name.html to open in a browser. A cell that raises fails the script (nbconvert exits non-zero).
# The Python is $SPARKMOE_PYTHON or the one deploy/tools/python-env.sh finds (installing Debian's Jupyter, pandas
# and matplotlib when run as root).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT=target/notebooks
ONLY=""
HTML=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --no-html) HTML=0; shift ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--out DIR] [--only 03,04] [--no-html] RUN_PATH..." >&2; exit 2; }

PY="$(bash "$HERE/../deploy/tools/python-env.sh" nbconvert ipykernel nbformat pandas matplotlib)"
paths=()
for p in "$@"; do  # the kernel runs in notebooks/, so local paths are made absolute
  if [ -e "$p" ]; then paths+=("$(cd "$p" && pwd)"); else paths+=("$p"); fi
done
export SPARKMOE_RUNS; SPARKMOE_RUNS="$(printf '%s\n' "${paths[@]}")"  # one per line: URIs contain ':'

export MPLBACKEND=agg PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
notebooks=()
for nb in "$HERE"/[0-9][0-9]-*.ipynb; do
  number="$(basename "$nb" | cut -c1-2)"
  if [ -z "$ONLY" ] || [[ ",$ONLY," == *",$number,"* ]]; then notebooks+=("$nb"); fi
done
[ ${#notebooks[@]} -gt 0 ] || { echo "no notebook numbered $ONLY in $HERE" >&2; exit 2; }
echo "executing ${#notebooks[@]} notebooks on" "${paths[@]}"
"$PY" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 --output-dir "$OUT" "${notebooks[@]}"
if [ "$HTML" = 1 ]; then
  executed=()
  for nb in "${notebooks[@]}"; do executed+=("$OUT/$(basename "$nb")"); done
  "$PY" -m nbconvert --to html --output-dir "$OUT" "${executed[@]}" 2> /dev/null
fi
echo "executed notebooks in $OUT"
