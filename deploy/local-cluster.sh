#!/usr/bin/env bash
# A Spark standalone cluster on 127.0.0.1 from the jars Maven resolved: no Spark distribution needed.
#
#   deploy/local-cluster.sh start [--workers K] [--cores C] [--memory M] [--gpus G] [--dir DIR]
#   deploy/local-cluster.sh status [--dir DIR]
#   deploy/local-cluster.sh stop [--dir DIR]
#
# DIR (default work/local-cluster) holds spark-home/ (links to the jars), logs/, pids/ and master.url.
# stop ends only the processes this script started (their PIDs are in DIR/pids and checked).
# --gpus G offers G GPUs per Worker to Spark's resource scheduler, found by deploy/gpu/discover-gpus.sh
# (applications then ask with spark.executor.resource.gpu.amount and spark.task.resource.gpu.amount).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

cmd="${1:-}"; [ -n "$cmd" ] || usage 2; shift
case "$cmd" in -h|--help) usage 0 ;; esac
workers=2; cores=1; memory=2g; gpus=0; dir="$ROOT/work/local-cluster"
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --cores) cores="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --gpus) gpus="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "--workers expects a positive integer, got '$workers'"
[[ "$gpus" =~ ^[0-9]+$ ]] || die "--gpus expects a non-negative integer, got '$gpus'"

alive() { # pid class: the process is ours and still running
  local pid="$1" class="$2"
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$class"
}

status() {
  [ -f "$dir/master.url" ] || { echo "no cluster in $dir"; return 1; }
  echo "master $(cat "$dir/master.url")  web UI http://127.0.0.1:$(cat "$dir/master.webui")"
  local f name pid up=0
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"; pid="$(cat "$f")"
    if alive "$pid" org.apache.spark.deploy; then echo "  $name: running (pid $pid)"; up=$((up + 1))
    else echo "  $name: not running"; fi
  done
  [ "$up" -gt 0 ]
}

stop() {
  local f pid
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    if alive "$pid" org.apache.spark.deploy; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do alive "$pid" org.apache.spark.deploy || break; sleep 0.2; done
      alive "$pid" org.apache.spark.deploy && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  # Executors are children of the workers and end with them; make sure none is left behind.
  pkill -f -- "-Dsparkmoe.cluster.dir=$dir " 2>/dev/null || true
  pkill -f -- "CoarseGrainedExecutorBackend.*$dir/work" 2>/dev/null || true
  rm -f "$dir/master.url" "$dir/master.webui"
  echo "stopped the cluster in $dir"
}

case "$cmd" in
  start)
    if [ -f "$dir/master.url" ] && status > /dev/null 2>&1; then die "a cluster is already running in $dir (stop it first)"; fi
    ensure_built
    mkdir -p "$dir/logs" "$dir/pids" "$dir/work"
    rm -f "$dir"/logs/*.log
    make_spark_home "$dir/spark-home"
    port="$(free_port)"; webui="$(free_port)"
    start_spark_daemon "$dir" master "" "" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port "$webui"
    if ! wait_for_log "$dir/logs/master.log" "I have been elected leader" 1 60; then
      stop > /dev/null; die "the master did not start; see $dir/logs/master.log"
    fi
    url="spark://127.0.0.1:$port"
    echo "$url" > "$dir/master.url"; echo "$webui" > "$dir/master.webui"
    if [ "$gpus" -gt 0 ]; then
      DAEMON_PROPERTIES=(-Dspark.worker.resource.gpu.amount="$gpus"
        -Dspark.worker.resource.gpu.discoveryScript="$ROOT/deploy/gpu/discover-gpus.sh")
    fi
    for ((w = 1; w <= workers; w++)); do
      start_spark_daemon "$dir" "worker-$w" "" "" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores "$cores" \
        --memory "$memory" --webui-port 0 --work-dir "$dir/work/worker-$w" "$url"
    done
    if ! wait_for_log "$dir/logs/master.log" "Registering worker" "$workers" 90; then
      stop > /dev/null; die "not all $workers workers registered; see $dir/logs/"
    fi
    echo "master $url  web UI http://127.0.0.1:$webui  ($workers workers, $cores core(s), $memory and $gpus GPU(s) each)"
    echo "logs and PIDs in $dir; submit with: deploy/submit.sh --master $url <command> ..."
    ;;
  status) status ;;
  stop) stop ;;
  *) die "unknown command '$cmd': start, status or stop" ;;
esac
