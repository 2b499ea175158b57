#!/usr/bin/env bash
# Starts a throwaway RabbitMQ broker on a free port for the test run and prints the AMQP URL
# the broker tests read from FEDRA_TEST_RABBITMQ_URL. `.ci/rabbitmq.sh stop` stops it.
# RABBITMQ_DIR (data and logs), FEDRA_RABBITMQ_NODE (node name) and FEDRA_RABBITMQ_PORT (AMQP
# port; default a free one) let a test run a broker of its own and restart it on its data.
set -euo pipefail
base=${RABBITMQ_DIR:-${TMPDIR:-/tmp}/fedra-rabbitmq}
export RABBITMQ_NODENAME=${FEDRA_RABBITMQ_NODE:-fedra-test@localhost}
export RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log"
export RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins"
if [ "${1:-}" = stop ]; then
  rabbitmqctl -n "$RABBITMQ_NODENAME" stop > /dev/null 2>&1 || true
  exit 0
fi
command -v rabbitmq-server > /dev/null || { echo "rabbitmq-server is not installed" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${FEDRA_RABBITMQ_PORT:-$(free_port)}
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$(free_port)"
mkdir -p "$base/mnesia" "$base/log"
echo "[]." > "$RABBITMQ_ENABLED_PLUGINS_FILE"
# Debian's rabbitmq-server runs the broker as the rabbitmq user when started by root.
if [ "$(id -u)" = 0 ] && id rabbitmq > /dev/null 2>&1; then chown -R rabbitmq "$base"; fi
rabbitmq-server -detached > "$base/log/stdout.log" 2>&1
for _ in $(seq 1 120); do
  if python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $port), 0.5)" 2> /dev/null; then
    echo "amqp://guest:guest@127.0.0.1:$port/"
    exit 0
  fi
  sleep 0.5
done
echo "rabbitmq-server did not start (logs in $base/log)" >&2
exit 1
