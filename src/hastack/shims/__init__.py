"""Pacemaker's command-line tools as resource agents call them (crm_attribute, crm_master,
attrd_updater, crm_node, crm_resource, crm_mon, crm_failcount, stonith_admin), backed by the
local shim state file (shims.state) until the cluster runtime exists.

`bin/` holds one small executable per command; the executor puts that
directory first on the agent's PATH and sets HA_SBIN_DIR to it (the
resource-agents shell library calls `${HA_SBIN_DIR}/crm_attribute`), so
agents reach these and not /usr/sbin's Pacemaker binaries.
"""

from pathlib import Path

BIN_DIR = Path(__file__).resolve().parent / "bin"
