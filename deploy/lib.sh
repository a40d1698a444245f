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
