#!/usr/bin/env bash
# Resolves what the interop tests run, from Maven Central, once (later runs are offline-fast):
#  - Apache RocketMQ name server + broker jars (org.apache.rocketmq:rocketmq-namesrv/-broker) and
#    their dependencies -> interop/apache/target/classpath-<version>.txt
#  - the interop Java programs (interop/java: ProduceMessages, ConsumeMessages, GoldenVectors)
#    against rocketmq-client 4.8.0 -> interop/java/target/{classes,classpath.txt}
# Needs Java 17 and Maven 3.8 on PATH; jars go to ~/.m2. Works from any cwd.
# Usage: interop/apache/prepare.sh [--servers-only] [VERSION...]   (default version: 4.8.0)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

servers_only=false
versions=()
for arg in "$@"; do
  case "$arg" in
    --servers-only) servers_only=true ;;
    -*) echo "prepare.sh: unknown option $arg" >&2; exit 2 ;;
    *) versions+=("$arg") ;;
  esac
done
[ "${#versions[@]}" -gt 0 ] || versions=(4.8.0)

cd "$here"
for version in "${versions[@]}"; do
  # Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
  if ! mvn_log="$(mvn -B -q -Dstyle.color=never -Drocketmq.version="$version" dependency:build-classpath \
      -Dmdep.outputFile="$here/target/classpath-$version.txt" 2>&1)"; then
    printf '%s\n' "$mvn_log" >&2
    echo "prepare.sh: could not resolve Apache RocketMQ $version from Maven Central" >&2
    exit 1
  fi
  echo "Apache RocketMQ $version: $(tr ':' '\n' < "$here/target/classpath-$version.txt" | wc -l) jars -> interop/apache/target/classpath-$version.txt"
done

if [ "$servers_only" = false ]; then
  bash "$here/../java/build.sh"
  echo "interop Java programs: interop/java/target/classes"
fi
