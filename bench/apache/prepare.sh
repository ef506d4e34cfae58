#!/usr/bin/env bash
# Resolves what `npm run bench` runs, from Maven Central, once (later runs are offline-fast):
#  - Apache RocketMQ name server + broker jars of each peer version (default 5.5.0, 5.3.3 and 4.9.7; 5.5.0 is the newest on Maven Central, 5.5.1 is not there)
#    -> bench/apache/target/servers-<version>.txt (a java -cp classpath)
#  - RocketMQ's own load generators org.apache.rocketmq.example.benchmark.{Producer,Consumer},
#    compiled unchanged from the rocketmq-all <tools version> source release (default 4.9.8)
#    against that release's client jars -> bench/apache/target/tools-<v>/{classes,classpath.txt}
# Needs Java 17 and Maven 3.8 on PATH; jars go to ~/.m2. Works from any cwd.
# Usage: bench/apache/prepare.sh [--tools VERSION] [--servers-only] [SERVER_VERSION...]
# Environment: BENCH_APACHE_VERSIONS (space-separated) instead of positional versions.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

tools_version=4.9.8
servers_only=false
versions=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tools) tools_version="$2"; shift 2 ;;
    --servers-only) servers_only=true; shift ;;
    -*) echo "prepare.sh: unknown option $1" >&2; exit 2 ;;
    *) versions+=("$1"); shift ;;
  esac
done
if [ "${#versions[@]}" -eq 0 ]; then
  read -r -a versions <<< "${BENCH_APACHE_VERSIONS:-5.5.0 5.3.3 4.9.7}"
fi

# Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
mvn_quiet() {
  local log
  if ! log="$(mvn -B -q -Dstyle.color=never "$@" 2>&1)"; then
    printf '%s\n' "$log" >&2
    return 1
  fi
}

mkdir -p "$here/target"
for version in "${versions[@]}"; do
  out="$here/target/servers-$version.txt"
  if [ -s "$out" ] && tr ':' '\n' < "$out" | while read -r jar; do [ -f "$jar" ] || exit 1; done; then
    echo "Apache RocketMQ $version: ready ($out)"
    continue
  fi
  (cd "$here" && mvn_quiet -Drocketmq.version="$version" dependency:build-classpath -Dmdep.outputFile="$out") || {
    echo "prepare.sh: could not resolve Apache RocketMQ $version (rocketmq-namesrv, rocketmq-broker) from Maven Central" >&2
    exit 1
  }
  echo "Apache RocketMQ $version: $(tr ':' '\n' < "$out" | wc -l) jars -> $out"
done

$servers_only && exit 0
tools="$here/target/tools-$tools_version"
if [ -f "$tools/classes/org/apache/rocketmq/example/benchmark/Producer.class" ] && [ -s "$tools/classpath.txt" ]; then
  echo "RocketMQ benchmark tools $tools_version: ready ($tools)"
  exit 0
fi
rm -rf "$tools"
mkdir -p "$tools/src" "$tools/classes"
(cd "$here/tools" && mvn_quiet -Drocketmq.tools.version="$tools_version" dependency:build-classpath -Dmdep.outputFile="$tools/classpath.txt") || {
  echo "prepare.sh: could not resolve rocketmq-client $tools_version from Maven Central" >&2
  exit 1
}
(cd "$here/tools" && mvn_quiet dependency:unpack \
  -Dartifact="org.apache.rocketmq:rocketmq-all:$tools_version:zip:source-release" \
  -DoutputDirectory="$tools/src" -DmarkersDirectory="$tools/markers" \
  -Dmdep.unpack.includes="**/example/src/main/java/org/apache/rocketmq/example/benchmark/*.java") || {
  echo "prepare.sh: could not fetch the rocketmq-all $tools_version source release from Maven Central" >&2
  exit 1
}
mapfile -t sources < <(find "$tools/src" -path '*/example/benchmark/*.java' | sort)
[ "${#sources[@]}" -gt 0 ] || { echo "prepare.sh: no benchmark sources in the $tools_version source release" >&2; exit 1; }
javac -nowarn -encoding UTF-8 --release 8 -cp "$(cat "$tools/classpath.txt")" -d "$tools/classes" "${sources[@]}" 2>&1 | grep -v '^warning\|^Note:\|^[0-9]* warning' >&2 || true
[ -f "$tools/classes/org/apache/rocketmq/example/benchmark/Producer.class" ] || { echo "prepare.sh: javac failed" >&2; exit 1; }
echo "RocketMQ benchmark tools $tools_version: ${#sources[@]} sources compiled -> $tools/classes"
