#!/bin/sh
# Runs one of the commands of @rocketmq-ts/server: mqnamesrv, mqbroker, or rocketmq-ts (all in one).
set -eu
command="${1:-mqnamesrv}"
[ "$#" -gt 0 ] && shift
case "$command" in
  mqnamesrv | mqbroker | rocketmq-ts) exec node --initial-old-space-size=256 "/app/packages/server/bin/$command.js" "$@" ;;
  *) exec "$command" "$@" ;;
esac
