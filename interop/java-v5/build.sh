#!/usr/bin/env bash
# Compiles V5Flow and V5Bench (npm run bench:grpc) against org.apache.rocketmq:rocketmq-client-java (Maven Central) into
# target/classes with its runtime classpath in target/classpath.txt, and resolves Apache
# RocketMQ's proxy (rocketmq-proxy 5.3.3, for the differential) into target/proxy-classpath-5.3.3.txt.
# Needs Java 17 and Maven 3.8 on PATH. Works from any cwd.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
proxy_version=5.3.3
# Maven output is shown only on failure (Debian's mvn prints stray ANSI resets even with -B -q).
mvn_quiet() {
  local log
  if ! log="$(mvn -B -q -Dstyle.color=never "$@" 2>&1)"; then
    printf '%s\n' "$log" >&2
    return 1
  fi
}
mvn_quiet compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt || {
  echo "build.sh: could not build the v5 Java client program (rocketmq-client-java)" >&2
  exit 1
}
echo "v5 Java client program: interop/java-v5/target/classes"
mvn_quiet -f proxy-pom.xml -Drocketmq.version="$proxy_version" dependency:build-classpath -Dmdep.outputFile="target/proxy-classpath-$proxy_version.txt" || {
  echo "build.sh: could not resolve rocketmq-proxy $proxy_version from Maven Central" >&2
  exit 1
}
echo "Apache RocketMQ proxy $proxy_version: interop/java-v5/target/proxy-classpath-$proxy_version.txt"
