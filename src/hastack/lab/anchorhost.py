"""PID 1 of an anchor host (lab.anchors): a host's private mounts, then corosync + pacemakerd, or keepalived + web.

Started as `ip netns exec NS unshare --pid --mount --uts --fork --mount-proc
python -m hastack.lab.anchorhost --name h1 --dir DIR --kind pacemaker|keepalived`,
so the host is one PID namespace that a power loss kills as a unit. What a
real host keeps apart is kept apart (shared/reference/failover-anchors.md,
"Difficulties"): RAM-like state on fresh tmpfs at every boot (/run, /dev/shm,
/tmp); disk-like state bind-mounted from the host's directory (/var/lib/pacemaker,
/var/lib/corosync, /etc/corosync, /var/log, /root); its own hostname.

There is no watchdog: the anchors run without fencing, as measured.

Imports lab.hostinit.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hastack.lab.hostinit import kill_all_but_me, mount_private_run, reap

WEB_CMDLINE = "-m http.server 8080 --bind 0.0.0.0 --directory /run/www"
BINDS = {"pacemaker": {"var-lib-pacemaker": "/var/lib/pacemaker", "var-lib-corosync": "/var/lib/corosync",
                       "etc-corosync": "/etc/corosync", "var-log": "/var/log", "root": "/root"},
         "keepalived": {"var-log": "/var/log", "root": "/root"}}


def host_environment() -> dict[str, str]:
    """The environment a host's daemons start with: a root login's, not the bench's (no venv on PATH)."""
    return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
            "LANG": os.environ.get("LANG", "C.UTF-8"), "TERM": "dumb"}


def mount_host(name: str, disk: Path, kind: str) -> None:
    mount_private_run()  # /run (and /run/www, /run/resource-agents), after making every mount private
    for where in ("/dev/shm", "/tmp"):
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=1777", "tmpfs", where], check=True)
    for sub, where in BINDS[kind].items():
        subprocess.run(["mount", "--bind", str(disk / sub), where], check=True)
    subprocess.run(["hostname", name], check=True)
    (Path("/run/www") / "index.html").write_text(f"{name}\n")


def start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            env=host_environment(), cwd="/")


def boot_pacemaker(disk: Path) -> None:
    start(["corosync", "-f"], disk / "corosync.out")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # pacemakerd needs corosync's IPC up
        if subprocess.run(["corosync-cfgtool", "-s"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    start(["pacemakerd"], disk / "pacemakerd.out")


def boot_keepalived(disk: Path) -> None:
    start(["/usr/bin/python3", *WEB_CMDLINE.split()], disk / "web.out")
    start(["keepalived", "--dont-fork", "--vrrp", "--log-console", "--log-detail", "--no-syslog",
           "--use-file", str(disk / "keepalived.conf")], disk / "keepalived.out")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="anchorhost")
    p.add_argument("--name", required=True)
    p.add_argument("--dir", required=True, type=Path, help="the host's disk (survives reboots)")
    p.add_argument("--kind", required=True, choices=sorted(BINDS))
    args = p.parse_args(argv)
    stopping = False

    def on_term(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    mount_host(args.name, args.dir, args.kind)
    (boot_pacemaker if args.kind == "pacemaker" else boot_keepalived)(args.dir)
    while not stopping:
        time.sleep(0.05)
        reap()
    kill_all_but_me()
    reap()
    return 0


if __name__ == "__main__":
    sys.exit(main())
