#!/usr/bin/env bash
# Executes every analysis notebook headless on the given run directories, as CI does:
#
#   notebooks/run-all.sh [--out DIR] RUN_PATH...     # RUN_PATH: a run directory, a folder of runs, or hdfs://...
#
# The committed notebooks are never modified: each executed copy goes to DIR (default target/notebooks) as
# NN-name.ipynb with its outputs and NN-name.html. A cell that raises fails the script (nbconvert exits non-zero).
# The Python is $SPARKMOE_PYTHON or the one deploy/tools/python-env.sh finds (installing Debian's Jupyter, pandas
# and matplotlib when run as root).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT=target/notebooks
if [ "${1:-}" = "--out" ]; then OUT=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: $0 [--out DIR] RUN_PATH..." >&2; exit 2; }

PY="$(bash "$HERE/../deploy/tools/python-env.sh" nbconvert ipykernel nbformat pandas matplotlib)"
paths=()
for p in "$@"; do  # the kernel runs in notebooks/, so local paths are made absolute
  if [ -e "$p" ]; then paths+=("$(cd "$p" && pwd)"); else paths+=("$p"); fi
done
export SPARKMOE_RUNS; SPARKMOE_RUNS="$(IFS=:; echo "${paths[*]}")"
export MPLBACKEND=agg PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
notebooks=("$HERE"/[0-9][0-9]-*.ipynb)
echo "executing ${#notebooks[@]} notebooks on $SPARKMOE_RUNS"
"$PY" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=300 --output-dir "$OUT" "${notebooks[@]}"
executed=()
for nb in "${notebooks[@]}"; do executed+=("$OUT/$(basename "$nb")"); done
"$PY" -m nbconvert --to html --output-dir "$OUT" "${executed[@]}" 2> /dev/null
echo "executed notebooks in $OUT"
