#!/usr/bin/env bash
# Compiles MatrixFlow against org.apache.rocketmq:rocketmq-client + rocketmq-tools VERSION from Maven
# Central into target/VERSION/classes and writes its runtime classpath to target/VERSION/classpath.txt.
# Usage: interop/java-matrix/build.sh VERSION...   (the interop matrix builds the versions it runs itself)
# Needs Java 17 and Maven 3.8 on PATH. Works from any cwd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
[ "$#" -gt 0 ] || { echo "usage: build.sh VERSION..." >&2; exit 2; }
for version in "$@"; do
  # Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
  if ! mvn_log="$(mvn -B -q -Dstyle.color=never -Drocketmq.client.version="$version" compile dependency:build-classpath \
      -Dmdep.outputFile="target/$version/classpath.txt" 2>&1)"; then
    printf '%s\n' "$mvn_log" >&2
    echo "build.sh: could not build the matrix program against rocketmq-client $version" >&2
    exit 1
  fi
  echo "client matrix program on rocketmq-client $version: interop/java-matrix/target/$version/classes"
done
