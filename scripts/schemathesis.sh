#!/usr/bin/env bash
# Schemathesis (an outside fuzzer, from PyPI) against `npm start`'s own
# /openapi.json: every phase, a fixed seed, a bounded number of examples per
# operation, an admin token. Any failure fails the run (exit status 1).
#
#   bash scripts/schemathesis.sh             # a fresh Berth on a scratch data directory, no cluster
#
# ote-stack's image repository is a registered registry (BERTH_OTE_REGISTRY,
# "ote"): a scratch docker-registry (Debian's, as the tests use) on loopback
# is registered under that id, so its routes are exercised, not answered 503.
#   KUBECONFIG=... bash scripts/schemathesis.sh   # the same, with that cluster registered as "default"
#
# Knobs: SCHEMATHESIS_EXAMPLES (per operation, default 20), SCHEMATHESIS_SEED
# (default 17), SCHEMATHESIS_PORT (default: a free one). Reports go to
# .berth/schemathesis/ (JUnit and the NDJSON event log).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=.berth/venv
examples=${SCHEMATHESIS_EXAMPLES:-20}
seed=${SCHEMATHESIS_SEED:-17}
reports=.berth/schemathesis

if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

scratch=$(mktemp -d)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${SCHEMATHESIS_PORT:-$(free_port)}
registry_port=$(free_port)
server_pid=
registry_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$registry_pid" ]; then
    kill -TERM "$registry_pid" 2>/dev/null || true
    wait "$registry_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

mkdir -p "$reports"
cat >"$scratch/registry.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: "$scratch/registry"}, delete: {enabled: true}}
http: {addr: "127.0.0.1:$registry_port"}
YAML
docker-registry serve "$scratch/registry.yml" >"$reports/registry.log" 2>&1 &
registry_pid=$!
# Its own process group, so that stopping it stops npm, Node and DynamoDB Local together.
BERTH_DATA_DIR="$scratch/.berth" PORT="$port" setsid npm start >"$reports/server.log" 2>&1 &
server_pid=$!

url="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -fsS "$url/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$reports/server.log"; echo "npm start exited"; exit 1; }
  sleep 0.5
done
curl -fsS "$url/healthz" >/dev/null || { cat "$reports/server.log"; echo "npm start did not answer"; exit 1; }
admin_token=$(cat "$scratch/.berth/admin-token")

for _ in $(seq 1 40); do
  curl -fsS "http://127.0.0.1:$registry_port/v2/" >/dev/null 2>&1 && break
  sleep 0.25
done
curl -fsS -X POST "$url/admin/registries" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d "{\"id\": \"ote\", \"address\": \"http://127.0.0.1:$registry_port\", \"namespace\": \"ote\", \"insecure\": true}" \
  >/dev/null || { cat "$reports/registry.log"; echo "the scratch registry could not be registered as ote"; exit 1; }

# What the document declares beyond plain schemas (rules answered 400, refusals answered 200) as schemathesis settings.
node_modules/.bin/node --experimental-strip-types --no-warnings=ExperimentalWarning scripts/schemathesis-config.ts \
  "$reports/schemathesis.toml"

"$venv/bin/schemathesis" --config-file "$reports/schemathesis.toml" run "$url/openapi.json" \
  --phases examples,coverage,fuzzing,stateful \
  --checks all \
  --max-examples "$examples" \
  --seed "$seed" \
  --generation-database none \
  --workers 1 \
  --request-timeout 15 \
  --header "Authorization: Bearer $admin_token" \
  --report junit,ndjson --report-dir "$reports" \
  --no-color
