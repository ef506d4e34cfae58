#!/usr/bin/env bash
# Compiles PopFlow and RecallFlow against org.apache.rocketmq:rocketmq-client 5.5.0 (Maven Central) into
# target/classes with its runtime classpath in target/classpath.txt.
# Needs Java 17 and Maven 3.8 on PATH. Works from any cwd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
if ! log="$(mvn -B -q -Dstyle.color=never compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt 2>&1)"; then
  printf '%s\n' "$log" >&2
  echo "build.sh: could not build the POP program against rocketmq-client 5.5.0" >&2
  exit 1
fi
echo "5.x remoting POP program: interop/java-pop/target/classes"
