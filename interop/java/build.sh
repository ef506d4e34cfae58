#!/usr/bin/env bash
# Compiles the interop Java programs (GoldenVectors, ProduceMessages, ConsumeMessages, AdminOps, ...)
# against org.apache.rocketmq:rocketmq-client:4.8.0 and rocketmq-tools:4.8.0 from Maven Central and
# writes the runtime classpath to target/classpath.txt. Run them with: java -cp "target/classes:$(cat target/classpath.txt)" io.rocketmqts.interop.<Main>
# Needs Java 17 and Maven 3.8 on PATH. Works from any cwd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
if ! mvn_log="$(mvn -B -q -Dstyle.color=never compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt 2>&1)"; then
  printf '%s\n' "$mvn_log" >&2
  exit 1
fi
