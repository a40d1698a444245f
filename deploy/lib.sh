# Shared by the deploy/ scripts: where the build put things, and how to start a JVM the way Spark needs.
# Sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP_JAR="$ROOT/spark-jobs/target/sparkmoe-app.jar"
SPARK_CLASSPATH_FILE="$ROOT/deploy/spark-runtime/target/spark-classpath.txt"
JVM_OPTIONS_FILE="$ROOT/conf/target/classes/sparkmoe-jvm-options.txt"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# Builds the reactor when an artifact the scripts need is missing.
ensure_built() {
  if [ ! -f "$APP_JAR" ] || [ ! -f "$SPARK_CLASSPATH_FILE" ] || [ ! -f "$JVM_OPTIONS_FILE" ]; then
    echo "$(basename "$0"): building the project (mvn package -DskipTests) ..." >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) >&2 || die "the build failed"
  fi
}

jvm_options() { cat "$JVM_OPTIONS_FILE"; }

# A Spark "installation" made of the jars Maven resolved: Spark's launcher code wants SPARK_HOME with a
# RELEASE file and a jars/ folder (executors are started with SPARK_HOME/jars/* on their class path).
make_spark_home() {
  local home="$1"
  mkdir -p "$home/jars"
  : > "$home/RELEASE"
  local jar
  tr ':' '\n' < "$SPARK_CLASSPATH_FILE" | while read -r jar; do
    [ -n "$jar" ] && ln -sf "$jar" "$home/jars/$(basename "$jar")"
  done
}

spark_classpath() { cat "$SPARK_CLASSPATH_FILE"; }

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Starts a Spark daemon (Master or Worker) of the cluster in directory $1 in the background, logging to
# logs/NAME.log and recording its PID in pids/NAME.pid; inside network namespace NETNS and bound to
# ADDRESS when those are given (empty strings otherwise). The array DAEMON_PROPERTIES, when set, adds
# -Dspark.* settings (e.g. a Worker's GPU resources).
#   start_spark_daemon DIR NAME NETNS ADDRESS CLASS ARGS...
start_spark_daemon() {
  local dir="$1" name="$2" ns="$3" addr="$4" class="$5"; shift 5
  local prefix=() env=(SPARK_HOME="$dir/spark-home" SPARK_SCALA_VERSION=2.12 SPARK_LOG_DIR="$dir/logs")
  [ -n "$ns" ] && prefix=(ip netns exec "$ns")
  [ -n "$addr" ] && env+=(SPARK_LOCAL_IP="$addr")
  # shellcheck disable=SC2046
  env "${env[@]}" nohup "${prefix[@]}" java -Xmx512m $(jvm_options) -Dsparkmoe.cluster.dir="$dir" \
    "${DAEMON_PROPERTIES[@]+"${DAEMON_PROPERTIES[@]}"}" \
    -cp "$(spark_classpath)" "$class" "$@" > "$dir/logs/$name.log" 2>&1 &
  echo $! > "$dir/pids/$name.pid"
}

# Waits up to SECONDS until PATTERN appears COUNT times in FILE (a daemon's log); fails otherwise.
#   wait_for_log FILE PATTERN COUNT SECONDS
wait_for_log() {
  local file="$1" pattern="$2" count="$3" seconds="$4" i n
  for ((i = 0; i < seconds * 5; i++)); do
    n="$(grep -c -- "$pattern" "$file" 2> /dev/null || true)"
    [ "${n:-0}" -ge "$count" ] && return 0
    sleep 0.2
  done
  return 1
}
