"""stonith:fence_hastack_lab — a fence agent for the lab's power switch (hastack.lab.pdu).

Speaks the fence-agent interface Pacemaker's fencer uses: options as
`key=value` lines on stdin (or `--key value` arguments): `action`
(off/on/reboot/status/monitor/list/metadata), `ip` and `ipport` of the power
switch, `plug` (the lab host, e.g. h2; `nodename` when no plug is given).
Exit 0 on success; for `status`, 0 = on and 2 = off; 1 on any failure.

Imports nothing of hastack.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_hastack_lab" shortdesc="Fence agent for the hastack lab's power switch">
<longdesc>Powers a hastack lab host off and on through the lab's power switch (hastack lab).</longdesc>
<parameters>
  <parameter name="action" unique="0" required="1"><getopt mixed="-o, --action=[action]"/>
    <content type="string" default="reboot"/><shortdesc lang="en">Fencing action</shortdesc></parameter>
  <parameter name="ip" unique="0" required="1"><getopt mixed="-a, --ip=[ip]"/>
    <content type="string"/><shortdesc lang="en">Address of the lab power switch</shortdesc></parameter>
  <parameter name="ipport" unique="0" required="0"><getopt mixed="-u, --ipport=[port]"/>
    <content type="integer" default="8007"/><shortdesc lang="en">Port of the lab power switch</shortdesc></parameter>
  <parameter name="plug" unique="0" required="0"><getopt mixed="-n, --plug=[id]"/>
    <content type="string"/><shortdesc lang="en">The lab host to act on</shortdesc></parameter>
</parameters>
<actions>
  <action name="on"/><action name="off"/><action name="reboot"/><action name="status"/>
  <action name="list"/><action name="monitor"/><action name="metadata"/><action name="validate-all"/>
</actions>
</resource-agent>
"""


def options(argv: list[str], stdin: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    for line in stdin.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            opts[k.strip()] = v.strip()
    it = iter(argv)
    for arg in it:
        if arg.startswith("--") and "=" in arg:
            k, v = arg[2:].split("=", 1)
            opts[k] = v
        elif arg in ("-o", "--action"):
            opts["action"] = next(it, "")
        elif arg in ("-a", "--ip"):
            opts["ip"] = next(it, "")
        elif arg in ("-n", "--plug"):
            opts["plug"] = next(it, "")
        elif arg in ("-u", "--ipport"):
            opts["ipport"] = next(it, "")
    opts.setdefault("plug", opts.get("port") or opts.get("nodename", ""))
    return opts


def call(opts: dict[str, str], method: str, path: str) -> str:
    url = f"http://{opts['ip']}:{opts.get('ipport', '8007')}{path}"
    req = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.read().decode().strip()


def fence(argv: list[str], stdin: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the agent for these arguments and stdin. Output is returned, not
    printed, so hastackd can run it in a thread of its own (agents/builtin/inprocess.py): forking an
    interpreter for it cost ~100 ms of every fenced failover."""
    opts = options(argv, stdin)
    action = opts.get("action", "reboot")
    if action in ("metadata", "meta-data"):
        return 0, METADATA, ""
    if not opts.get("ip"):
        return 1, "", "fence_hastack_lab: no ip= (the lab power switch's address)\n"
    try:
        if action in ("monitor", "validate-all"):
            call(opts, "GET", "/health")
            return 0, "", ""
        if action == "list":
            return 0, call(opts, "GET", "/list") + "\n", ""
        plug = opts.get("plug", "")
        if not plug:
            return 1, "", "fence_hastack_lab: which host? give plug=\n"
        if action == "status":
            return (0 if call(opts, "GET", f"/status?plug={plug}") == "on" else 2), "", ""
        if action in ("off", "on", "reboot"):
            call(opts, "POST", f"/{action}?plug={plug}")  # off and reboot return once the host is off
            return 0, "", ""
    except (urllib.error.URLError, OSError) as err:
        return 1, "", f"fence_hastack_lab: {action} {opts.get('plug', '')}: {err}\n"
    return 1, "", f"fence_hastack_lab: unknown action {action!r}\n"


def main(argv: list[str] | None = None) -> int:
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    rc, out, err = fence(sys.argv[1:] if argv is None else argv, stdin)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return rc


if __name__ == "__main__":
    sys.exit(main())
