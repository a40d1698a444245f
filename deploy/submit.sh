#!/usr/bin/env bash
# spark-submit of the shaded application jar, with the JVM options the stack needs, from the jars
# Maven resolved (no Spark distribution needed; with one, plain spark-submit works the same way).
#
#   deploy/submit.sh [--master URL] [--dir DIR] [--conf spark.k=v ...] [--deploy-mode client|cluster] \
#                    <command> [command arguments ...]
#
# Without --master, the cluster started by deploy/local-cluster.sh in DIR (default work/local-cluster).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

master=""; dir="$ROOT/work/local-cluster"; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --master) master="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --conf|--deploy-mode|--executor-memory|--num-executors|--executor-cores|--total-executor-cores|--files|--queue)
      extra+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || die "no SparkMoE command given (e.g. check); see --help"
if [ -z "$master" ]; then
  [ -f "$dir/master.url" ] || die "no --master and no cluster in $dir (deploy/local-cluster.sh start)"
  master="$(cat "$dir/master.url")"
fi
ensure_built
home="${SPARK_HOME:-$ROOT/work/spark-home}"
[ -n "${SPARK_HOME:-}" ] || make_spark_home "$home"
opts="$(jvm_options)"
yarn=()
if [ "$master" = yarn ]; then
  [ -n "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ] || die "--master yarn needs HADOOP_CONF_DIR (the cluster's *-site.xml)"
  # The ApplicationMaster needs the JDK 17 options too; Spark's jars are read where they are on each
  # node (local:) when this is a machine of the cluster, instead of being uploaded for every application.
  yarn=(--conf "spark.yarn.am.extraJavaOptions=$opts")
  if [ -z "${SPARKMOE_UPLOAD_SPARK_JARS:-}" ]; then yarn+=(--conf "spark.yarn.jars=local:$home/jars/*"); fi
  yarn+=(--conf "spark.yarn.appMasterEnv.OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}")   # the cluster-mode driver
fi
# As Spark's own launcher does, the Hadoop/YARN configuration directories go on the class path.
cp="$(spark_classpath)"
for conf_dir in "${HADOOP_CONF_DIR:-}" "${YARN_CONF_DIR:-}"; do [ -n "$conf_dir" ] && cp="$conf_dir:$cp"; done
# The driver's ND4J runs with the passive OpenMP wait policy (docs/decisions/0006-native-threads.md).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
# shellcheck disable=SC2086
SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12 exec java -Xmx1g $opts -cp "$cp" \
  org.apache.spark.deploy.SparkSubmit --master "$master" --class io.sparkmoe.jobs.Main \
  --driver-java-options "$opts" --conf "spark.executor.extraJavaOptions=$opts" \
  "${extra[@]}" "${yarn[@]}" "$APP_JAR" "$@"
