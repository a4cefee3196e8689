#!/usr/bin/env bash
# Real Kafka and PostgreSQL on a machine without a Docker engine.
#   deploy/infra.sh up     start (idempotent) and write .infra/env
#   deploy/infra.sh down   stop both
#   deploy/infra.sh status
# Kafka: the broker's jars come from Maven Central (deploy/kafka/pom.xml pins the version and says
# why) and are cached in .infra/kafka-libs, so a second `up` starts in seconds.
# PostgreSQL: Debian's package, installed when absent, run as the packaged cluster.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE=${XN_INFRA_DIR:-$ROOT/.infra}
KAFKA_PORT=${XN_KAFKA_PORT:-9092}
CONTROLLER_PORT=${XN_KAFKA_CONTROLLER_PORT:-9093}
PG_PORT=${XN_PG_PORT:-5432}
# A second, throw-away cluster (e.g. for the reliability suite, which stops its database) gets
# its own name and port: XN_PG_CLUSTER=chaos XN_PG_PORT=15432.
PG_CLUSTER=${XN_PG_CLUSTER:-main}
PG_USER=xiaoneng PG_PASSWORD=xiaoneng
DATABASES=(xiaoneng xiaoneng_test)
mkdir -p "$STATE"

log() { echo "[infra] $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kafka_fetch() {
  local libs=$STATE/kafka-libs stamp
  stamp=$(sha256sum "$ROOT/deploy/kafka/pom.xml" | cut -c1-16)
  if [ -f "$libs/.stamp" ] && [ "$(cat "$libs/.stamp")" = "$stamp" ]; then return; fi
  log "fetching the Kafka broker from Maven Central"
  rm -rf "$libs"
  (cd "$ROOT/deploy/kafka" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$libs")
  echo "$stamp" > "$libs/.stamp"
}

kafka_up() {
  if port_open "$KAFKA_PORT"; then log "kafka already listening on $KAFKA_PORT"; return; fi
  kafka_fetch
  local dir=$STATE/kafka props=$STATE/kafka/server.properties
  mkdir -p "$dir/data"
  cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
PROPS
  cat > "$dir/log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
L4J
  local cp="$STATE/kafka-libs/*"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cid
    cid=$(java -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$cp" \
      kafka.tools.StorageTool random-uuid)
    java -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$cp" kafka.tools.StorageTool \
      format -t "$cid" -c "$props" -g >/dev/null
  fi
  log "starting kafka on 127.0.0.1:$KAFKA_PORT"
  nohup java -Xms256m -Xmx1g -Dlog4j.configuration="file:$dir/log4j.properties" -cp "$cp" \
    kafka.Kafka "$props" > "$dir/kafka.log" 2>&1 &
  echo $! > "$dir/pid"
  for _ in $(seq 1 120); do
    if port_open "$KAFKA_PORT" && grep -q "started" "$dir/kafka.log"; then log "kafka ready"; return; fi
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then tail -30 "$dir/kafka.log" >&2; exit 1; fi
    sleep 0.5
  done
  log "kafka did not start in 60 s"; tail -30 "$dir/kafka.log" >&2; exit 1
}

kafka_down() {
  local pidf=$STATE/kafka/pid
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    kill "$(cat "$pidf")"
    for _ in $(seq 1 60); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$(cat "$pidf")" 2>/dev/null || true
    log "kafka stopped"
  fi
  rm -f "$pidf"
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

pg_up() {
  if [ -z "$(pg_version)" ] || [ ! -x "/usr/lib/postgresql/$(pg_version)/bin/postgres" ]; then
    log "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  local v; v=$(pg_version)
  if ! pg_lsclusters -h | awk -v v="$v" -v c="$PG_CLUSTER" '$1==v && $2==c' | grep -q .; then
    pg_createcluster "$v" "$PG_CLUSTER" -p "$PG_PORT" >/dev/null
  fi
  if ! pg_lsclusters -h | awk -v v="$v" -v c="$PG_CLUSTER" '$1==v && $2==c && $4=="online"' | grep -q .; then
    log "starting postgresql $v/$PG_CLUSTER"
    pg_ctlcluster "$v" "$PG_CLUSTER" start
  fi
  for _ in $(seq 1 60); do port_open "$PG_PORT" && break; sleep 0.5; done
  local psql=(runuser -u postgres -- psql -p "$PG_PORT" -qtA -v ON_ERROR_STOP=1)
  if [ -z "$("${psql[@]}" -c "select 1 from pg_roles where rolname='$PG_USER'")" ]; then
    "${psql[@]}" -c "create role $PG_USER login createdb password '$PG_PASSWORD'"
  fi
  for db in "${DATABASES[@]}"; do
    if [ -z "$("${psql[@]}" -c "select 1 from pg_database where datname='$db'")" ]; then
      "${psql[@]}" -c "create database $db owner $PG_USER"
    fi
  done
  # This server listens on loopback only (Debian's default), where TLS buys nothing and costs a
  # third of the services' database time (bench/RESULTS.md, Profile): clients ask for TLS only
  # if offered (asyncpg's default), so switching it off here changes no DSN.
  if [ "$("${psql[@]}" -c 'show ssl')" = "on" ] && [ "$("${psql[@]}" -c 'show listen_addresses')" = "localhost" ]; then
    "${psql[@]}" -c "alter system set ssl = off" >/dev/null
    "${psql[@]}" -c "select pg_reload_conf()" >/dev/null
  fi
  # A wide connection budget: four services, tests and benchmarks share one server.
  if [ "$("${psql[@]}" -c 'show max_connections')" -lt 300 ]; then
    "${psql[@]}" -c "alter system set max_connections = 400" >/dev/null
    pg_ctlcluster "$v" "$PG_CLUSTER" restart
  fi
  log "postgresql ready on 127.0.0.1:$PG_PORT"
}

pg_down() {
  local v; v=$(pg_version)
  [ -n "$v" ] && pg_ctlcluster "$v" "$PG_CLUSTER" stop 2>/dev/null && log "postgresql stopped" || true
}

write_env() {
  cat > "$STATE/env" <<ENV
export XN_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
export XN_DATABASE_URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/xiaoneng
export XN_TEST_DATABASE_URL=postgresql+asyncpg://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/xiaoneng_test
ENV
  log "wrote $STATE/env (source it to reach the broker and the database)"
}

case "${1:-up}" in
  up) pg_up; kafka_up; write_env ;;
  down) kafka_down; pg_down ;;
  kafka-up) kafka_up ;;
  kafka-down) kafka_down ;;
  pg-up) pg_up ;;
  pg-down) pg_down ;;
  status)
    port_open "$KAFKA_PORT" && echo "kafka: up" || echo "kafka: down"
    port_open "$PG_PORT" && echo "postgresql: up" || echo "postgresql: down" ;;
  *) echo "usage: $0 up|down|status|kafka-up|kafka-down|pg-up|pg-down" >&2; exit 2 ;;
esac
