#!/usr/bin/env bash
# Regenerates interop/golden/vectors.json from the real Apache RocketMQ 4.8.0 Java classes
# (org.apache.rocketmq:rocketmq-client:4.8.0 from Maven Central).
# Needs: Java 17 and Maven 3.8 on PATH. Works from any cwd.
# Usage: interop/java/generate-golden.sh [OUTPUT.json]   (default: <repo>/interop/golden/vectors.json)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$repo/interop/golden/vectors.json}"
case "$out" in
  /*) ;;
  *) out="$PWD/$out" ;;
esac

cd "$here"
# Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
if ! mvn_log="$(mvn -B -q -Dstyle.color=never compile dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt 2>&1)"; then
  printf '%s\n' "$mvn_log" >&2
  exit 1
fi

# UTC: MessageClientIDSetter works in the JVM time zone; fixed so output never depends on the machine.
java -Duser.timezone=UTC -Dfile.encoding=UTF-8 \
  -cp "target/classes:$(cat target/classpath.txt)" \
  io.rocketmqts.interop.GoldenVectors "$out"
java -Duser.timezone=UTC -Dfile.encoding=UTF-8 -cp "target/classes:$(cat target/classpath.txt)" io.rocketmqts.interop.AdminBodyVectors "$(dirname "$out")/admin-bodies.json"
