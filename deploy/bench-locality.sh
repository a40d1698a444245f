#!/usr/bin/env bash
# The locality benchmark (issue 7) on emulated nodes: brings up deploy/netns-cluster.sh (2 hosts as network
# namespaces, 2 cores each, so 2 ranks per node, joined by a tc-limited link), prepares the data once, runs
# `bin/sparkmoe bench-locality` against it with the nodes taken from the executors' hosts, and tears the
# cluster down, also when something fails.
#
#   deploy/bench-locality.sh [--rate 1gbit] [--delay 0.5ms] [--steps 40] [--label NAME] [--loopback]
#                            [--averaging-every N] [--variants LIST] [--dir DIR] [key=value ...]
#
# --loopback: no emulated hosts; a local cluster of one worker (one node) runs the four ranks over loopback
# (the exchange overhead without a slow link). Without root or iproute2 the benchmark falls back to a local
# cluster of two workers with cluster.ranks-per-node=2 and says so. key=value pairs go to bench-locality
# (defaults: preset=tiny, cluster.ranks=4, the given steps, an evaluation at the end). Results:
# bench/results/ep-locality-LABEL.json and ep-calibration-LABEL.json (LABEL defaults to the rate, or loopback).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rate=1gbit; delay=0.5ms; steps=40; label=""; loopback=0; dir="$ROOT/work/bench-locality"; bench=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) rate="$2"; shift 2 ;;
    --delay) delay="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --label) label="$2"; shift 2 ;;
    --loopback) loopback=1; shift ;;
    --averaging-every|--variants|--warmup|--locality-weight) bench+=("$1" "$2"); shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --*) die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
[[ "$steps" =~ ^[1-9][0-9]*$ ]] || die "--steps expects a positive integer, got '$steps'"

# The tc rate and delay as the calibration wants them: Mbit/s and milliseconds.
mbit() {
  case "$1" in
    *gbit) awk -v v="${1%gbit}" 'BEGIN { print v * 1000 }' ;;
    *mbit) echo "${1%mbit}" ;;
    *kbit) awk -v v="${1%kbit}" 'BEGIN { print v / 1000 }' ;;
    *) die "--rate expects NNgbit, NNmbit or NNkbit, got '$1'" ;;
  esac
}
millis() {
  case "$1" in
    *ms) echo "${1%ms}" ;;
    *us) awk -v v="${1%us}" 'BEGIN { print v / 1000 }' ;;
    *) die "--delay expects NNms or NNus, got '$1'" ;;
  esac
}

ensure_built
mkdir -p "$dir"
data="$dir/data"
if [ ! -f "$data/manifest.json" ]; then
  echo "preparing the data once in $data ..."
  rm -rf "$data"
  "$ROOT/deploy/submit.sh" --master 'local[2]' prepare "data.output=$data" data.max-documents=2000 "run.dir=$dir/prepare-runs" preset=tiny
fi

mode=netns
if [ "$loopback" -eq 1 ]; then
  mode=loopback
elif [ "$(id -u)" -ne 0 ] || ! command -v ip > /dev/null || ! command -v tc > /dev/null; then
  mode=fallback
  echo "NOTE: network namespaces cannot be used here (needs root and iproute2): falling back to a local cluster" \
       "on 127.0.0.1 with cluster.ranks-per-node=2 (two emulated nodes with no slower link between them)"
fi

cluster="$dir/cluster"
submit=()
extra=()
case "$mode" in
  netns)
    label="${label:-$rate}"
    inter=(--inter-mbit "$(mbit "$rate")" --inter-latency-ms "$(millis "$delay")")
    trap '"$ROOT/deploy/netns-cluster.sh" down --dir "$cluster" > /dev/null 2>&1 || true' EXIT
    up="$("$ROOT/deploy/netns-cluster.sh" up --hosts 2 --cores 2 --memory 2g --rate "$rate" --delay "$delay" \
      --dir "$cluster" 2>&1)" || { echo "$up" >&2; die "the emulated cluster did not come up"; }
    echo "$up"
    if grep -q "no sch_netem" <<< "$up"; then
      # Without netem the link has the rate but not the delay: the calibration gets the latency of a plain veth
      # pair (the loopback figure), not the asked-for delay.
      echo "NOTE: no sch_netem in this kernel: the link between the hosts is limited to $rate with NO added delay"
      inter=(--inter-mbit "$(mbit "$rate")" --inter-latency-ms 0.05)
    fi
    export SPARK_LOCAL_IP=198.18.0.1
    submit=(--dir "$cluster" --conf spark.driver.host=198.18.0.1)
    ;;
  loopback|fallback)
    workers=1; [ "$mode" = fallback ] && workers=2 && extra+=(cluster.ranks-per-node=2)
    label="${label:-$mode}"
    inter=()
    trap '"$ROOT/deploy/local-cluster.sh" stop --dir "$cluster" > /dev/null 2>&1 || true' EXIT
    "$ROOT/deploy/local-cluster.sh" start --workers "$workers" --cores $((4 / workers)) --memory 2g --dir "$cluster"
    submit=(--dir "$cluster")
    ;;
esac

echo "load before the benchmark: $(uptime)"
# One ND4J thread per rank: on shared cores more threads only wait for each other (docs/expert-parallel.md).
"$ROOT/deploy/submit.sh" "${submit[@]}" --conf spark.scheduler.minRegisteredResourcesRatio=1.0 \
  --conf spark.executorEnv.OMP_NUM_THREADS=1 --conf spark.executor.memory=1500m \
  bench-locality --label "$label" "${inter[@]+"${inter[@]}"}" "${bench[@]+"${bench[@]}"}" \
  preset=tiny cluster.ranks=4 "train.steps=$steps" "train.eval-every=$steps" train.log-every=10 \
  "data.output=$data" "run.dir=$dir/runs" "${extra[@]+"${extra[@]}"}" "$@"
echo "load after the benchmark: $(uptime)"
