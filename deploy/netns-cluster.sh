#!/usr/bin/env bash
# An emulated multi-host Spark cluster on one machine: K "hosts" as Linux network namespaces, joined by
# veth links through a bridge, with a bandwidth limit (and, where the kernel has sch_netem, a delay) on
# every host's link, a Spark Worker in each host and the Master on the bridge. Executors on different
# hosts get different addresses and their traffic crosses a real, slower link. Needs root.
#
#   deploy/netns-cluster.sh up [--hosts K] [--rate 1gbit] [--delay 0.5ms] [--cores C] [--memory M] [--dir DIR] [--no-workers]
#   deploy/netns-cluster.sh status [--dir DIR]
#   deploy/netns-cluster.sh exec HOST-INDEX command ...     (run a command inside host 1..K)
#   deploy/netns-cluster.sh down [--dir DIR]                (removes everything it created)
#
# Addresses: bridge (Master, driver) 198.18.0.1, host i 198.18.0.(10+i), in the 198.18.0.0/15 range
# set aside for network benchmarks; nothing leaves the machine. Submit with
#   SPARK_LOCAL_IP=198.18.0.1 deploy/submit.sh --dir DIR --conf spark.driver.host=198.18.0.1 <command> ...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PREFIX=smoe
BRIDGE="$PREFIX-br"
NET=198.18.0
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

cmd="${1:-}"; [ -n "$cmd" ] || usage 2; shift
hosts=2; rate=1gbit; delay=0.5ms; cores=1; memory=1536m; dir="$ROOT/work/netns-cluster"; workers=1
if [ "$cmd" = exec ]; then
  [ $# -ge 2 ] || die "exec needs a host index and a command"
  host="$1"; shift
  exec ip netns exec "$PREFIX-h$host" "$@"
fi
while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) hosts="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --delay) delay="$2"; shift 2 ;;
    --cores) cores="$2"; shift 2 ;;
    --memory) memory="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --no-workers) workers=0; shift ;;
    -h|--help) usage 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "needs root: it creates network namespaces, veth links, a bridge and tc qdiscs"
command -v ip > /dev/null && command -v tc > /dev/null || die "needs iproute2 (ip, tc): apt-get install iproute2"
[[ "$hosts" =~ ^[1-9][0-9]?$ ]] || die "--hosts expects 1..99, got '$hosts'"

# Limits one direction of a link: an HTB class at the rate; netem under it for the delay when available.
shape() { # netns-or-empty device
  local ns=() ; [ -n "$1" ] && ns=(ip netns exec "$1")
  "${ns[@]}" tc qdisc add dev "$2" root handle 1: htb default 10
  "${ns[@]}" tc class add dev "$2" parent 1: classid 1:10 htb rate "$rate" ceil "$rate"
  if ! "${ns[@]}" tc qdisc add dev "$2" parent 1:10 handle 10: netem delay "$delay" 2> /dev/null; then
    echo "warning: this kernel has no sch_netem: $2 is limited to $rate with no added delay" >&2
  fi
}

down() {
  local f pid
  for f in "$dir"/pids/*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"
    kill "$pid" 2> /dev/null || true
    rm -f "$f"
  done
  local ns
  for ns in $(ip netns list 2> /dev/null | awk '{print $1}' | grep "^$PREFIX-h" || true); do
    # Every process left in the namespace (workers, executors) goes with it.
    for pid in $(ip netns pids "$ns" 2> /dev/null); do kill -9 "$pid" 2> /dev/null || true; done
    ip netns del "$ns" 2> /dev/null || true
  done
  # The Master (and anything else started here) gets 10 s to stop cleanly, then is killed.
  local i
  for ((i = 0; i < 50; i++)); do
    pgrep -f -- "-Dsparkmoe.cluster.dir=$dir " > /dev/null || break
    sleep 0.2
  done
  pkill -9 -f -- "-Dsparkmoe.cluster.dir=$dir " 2> /dev/null || true
  ip link del "$BRIDGE" 2> /dev/null || true
  for f in $(ip -o link show 2> /dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$PREFIX-h" || true); do
    ip link del "$f" 2> /dev/null || true
  done
  rm -f "$dir/master.url" "$dir/master.webui"
  echo "removed the emulated hosts, the bridge and their processes"
}

case "$cmd" in
  up)
    if ip link show "$BRIDGE" > /dev/null 2>&1; then die "an emulated cluster is already up (run down first)"; fi
    trap 'echo "setting up failed; cleaning up" >&2; down > /dev/null' ERR
    mkdir -p "$dir/logs" "$dir/pids" "$dir/work"
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    for ((i = 1; i <= hosts; i++)); do
      ns="$PREFIX-h$i"; outer="$PREFIX-h$i-v"
      ip netns add "$ns"
      ip link add "$outer" type veth peer name eth0 netns "$ns"
      ip link set "$outer" master "$BRIDGE" up
      ip netns exec "$ns" ip addr add "$NET.$((10 + i))/24" dev eth0
      ip netns exec "$ns" ip link set eth0 up
      ip netns exec "$ns" ip link set lo up
      shape "$ns" eth0      # host → bridge
      shape "" "$outer"     # bridge → host
    done
    echo "$hosts hosts up: $(for ((i = 1; i <= hosts; i++)); do printf '%s ' "$PREFIX-h$i=$NET.$((10 + i))"; done)(links $rate, delay $delay)"
    if [ "$workers" -eq 1 ]; then
      ensure_built
      make_spark_home "$dir/spark-home"
      rm -f "$dir"/logs/*.log
      port="$(free_port)"; webui="$(free_port)"
      start_spark_daemon "$dir" master "" "$NET.1" org.apache.spark.deploy.master.Master --host "$NET.1" --port "$port" --webui-port "$webui"
      wait_for_log "$dir/logs/master.log" "I have been elected leader" 1 60 || { echo "the master did not start" >&2; false; }
      echo "spark://$NET.1:$port" > "$dir/master.url"; echo "$webui" > "$dir/master.webui"
      for ((i = 1; i <= hosts; i++)); do
        start_spark_daemon "$dir" "worker-$i" "$PREFIX-h$i" "$NET.$((10 + i))" org.apache.spark.deploy.worker.Worker \
          --host "$NET.$((10 + i))" --cores "$cores" --memory "$memory" --webui-port 0 \
          --work-dir "$dir/work/worker-$i" "spark://$NET.1:$port"
      done
      wait_for_log "$dir/logs/master.log" "Registering worker" "$hosts" 90 || { echo "not all workers registered" >&2; false; }
      echo "master spark://$NET.1:$port  web UI http://$NET.1:$webui  ($hosts workers, one per host)"
    fi
    trap - ERR
    ;;
  status)
    ip netns list | grep "^$PREFIX-h" || { echo "no emulated hosts"; exit 1; }
    [ -f "$dir/master.url" ] && echo "master $(cat "$dir/master.url")"
    ;;
  down) down ;;
  *) die "unknown command '$cmd': up, status, exec or down" ;;
esac
