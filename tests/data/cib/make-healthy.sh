#!/usr/bin/env bash
# Rebuild healthy.xml: the Guide's cluster (hastack's shipped example guide.crm)
# plus two IPMI fence devices, running on node1 and node2 as Pacemaker's own
# crm_simulate starts it. Used by tests/scheduler/test_simulate_cli.py.
# Run from the repository root after ./run test has built .venv:
#   tests/data/cib/make-healthy.sh
set -euo pipefail
out=$(cd "$(dirname "$0")" && pwd)/healthy.xml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LC_ALL=C CIB_shadow_dir="$work"
when=2025-01-01T00:00:00Z   # the scheduler's "now" (crm_simulate still stamps operations with the clock)

# The configuration: guide.crm and fencing (the Guide configures none).
.venv/bin/python - "$work/config.xml" <<'PY'
import sys
from importlib import resources
from hastack import cib
from hastack.crm import parse
fencing = """
primitive st_node1 stonith:fence_ipmilan params pcmk_host_list=node1 ip=10.0.42.201 username=admin \\
    password=secret lanplus=1 op monitor interval=60s
primitive st_node2 stonith:fence_ipmilan params pcmk_host_list=node2 ip=10.0.42.202 username=admin \\
    password=secret lanplus=1 op monitor interval=60s
location l_st_node1 st_node1 -inf: node1
location l_st_node2 st_node2 -inf: node2
"""
text = resources.files("hastack.examples").joinpath("guide.crm").read_text() + fencing
with open(sys.argv[1], "w") as f:
    f.write(cib.to_xml(parse(text, "guide.crm").config))
PY

# Both nodes join and everything that can start starts.
crm_simulate -x "$work/config.xml" -t "$when" -u node1 -u node2 -S -Q -O "$work/1.xml"
# DRBD's agent would set its promotion scores (crm_master); node1 is preferred.
for r in p_drbd_mysql p_drbd_rabbitmq; do
    CIB_file="$work/1.xml" crm_attribute -N node1 -n "master-$r" -v 100 -l reboot
    CIB_file="$work/1.xml" crm_attribute -N node2 -n "master-$r" -v 50 -l reboot
done
# DRBD is promoted on node1, the groups that follow it start there.
crm_simulate -x "$work/1.xml" -t "$when" -S -Q -O "$out"
# Nothing left to do: the cluster is at rest.
if crm_simulate -x "$out" -t "$when" -R | sed -n '/^Transition Summary:/,/^$/p' | grep -q '\*'; then
    echo "make-healthy.sh: $out is not at rest" >&2; exit 1
fi
echo "wrote $out"
