#!/usr/bin/env bash
# Install what hastack needs, idempotently: Debian packages (when missing) and
# a venv with the Python packages. Quiet when everything is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv="$here/.venv"

# Debian packages: the real Pacemaker scheduler and verifier (our oracle),
# ClusterLabs resource agents and fence agents, iproute2 for namespaces, and
# etcd (Debian's etcd-server: hastack starts its members itself, never the unit); the active/active tier's
# servers: haproxy and memcached (ocf:hastack:haproxy, ocf:hastack:memcached), MariaDB with galera-4 for
# ocf:hastack:galera and its namespace tests (rsync and socat, for SST, come with it); RabbitMQ (Erlang comes
# with it) for ocf:hastack:rabbitmq and its namespace tests.
apt_pkgs=(pacemaker-cli-utils resource-agents fence-agents iproute2 procps psmisc iputils-ping libxml2-utils
          etcd-server etcd-client openssl haproxy memcached mariadb-server mariadb-client galera-4 rsync rabbitmq-server)
missing=()
for p in "${apt_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq >/dev/null || true
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp="$venv/.installed"
if [ ! -f "$stamp" ] || [ "$here/pyproject.toml" -nt "$stamp" ]; then
    echo "bootstrap: preparing $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
    log=$(mktemp)
    if ! "$venv/bin/pip" install -q -e "$here[test]" >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"
        echo "bootstrap: pip install failed (output above)" >&2; exit 1
    fi
    rm -f "$log"
    touch "$stamp"
fi
