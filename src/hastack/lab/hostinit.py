"""PID 1 of a lab host: its private /run (with /run/disk, its own disk), its etcd member and hastackd,
reaping, and the lab's watchdog.

Started by the lab as `ip netns exec NS unshare --pid --mount --fork --mount-proc
python -m hastack.lab.hostinit ...`, so everything the host runs lives in
one PID namespace: a power loss is SIGKILL of this process (the kernel kills
the whole namespace), a reboot is starting it again.

It also plays the host's hardware watchdog (DESIGN safety rule 1: "where a
watchdog is configured, lets it reset the machine"): if hastackd dies while
the host may be running resources, nothing would stop them -- so this
process resets the host: it kills every other process of the namespace,
removes every address but the host's own (a rebooted machine has no VIP),
and boots etcd and hastackd again after `reboot_delay`.

Imports lab.net.
"""

from __future__ import annotations

import argparse
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from hastack.lab.net import drop_addresses


DISK = "/run/disk"


def mount_private_run(disk: Path | None = None) -> None:
    # A host's /run is its own: pid files of agents (anything, IPaddr2) must not be shared.
    subprocess.run(["mount", "--make-rprivate", "/"], check=False)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/run"], check=True)
    for d in ("/run/www", "/run/resource-agents", "/run/lock"):
        os.makedirs(d, exist_ok=True)
    # The hosts share one filesystem: /run/disk is this host's own disk (its --dir), so one configuration
    # names the same paths on every host (the tier's datadirs: lab-tier.crm) and each host finds its own.
    if disk is not None:
        os.symlink(disk, DISK)


def kill_all_but_me(timeout: float = 5.0) -> None:
    """Until no other process is left: one pass is not enough, a process may fork while it runs (a fork
    server starting an agent), and a reset must leave nothing that could still add an address."""
    me = os.getpid()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        others = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me]
        if not others:
            return
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.005)
        reap()


def reap() -> list[int]:
    gone: list[int] = []
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return gone
        if pid == 0:
            return gone
        gone.append(pid)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="hostinit")
    p.add_argument("--name", required=True)
    p.add_argument("--address", required=True)
    p.add_argument("--iface", default="eth0")
    p.add_argument("--dir", required=True, type=Path, help="the host's disk (survives reboots)")
    p.add_argument("--etcd-cmd", default="", help="the etcd member command line, if this host runs one")
    p.add_argument("--hastackd-cmd", required=True)
    p.add_argument("--reboot-delay", type=float, default=1.0)
    args = p.parse_args(argv)

    mount_private_run(args.dir.resolve())
    (Path("/run/www") / "index.html").write_text(f"{args.name}\n")
    stopping = False

    def on_term(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    # Woken by a child's exit (or a stop), not by polling: 50 turns a second were 0.4 % of a CPU per host,
    # a lab's whole hastackd budget at 32 hosts. The handlers only wake the wait; the loop does the work.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    log = open(args.dir / "host.log", "ab", buffering=0)

    def boot() -> tuple[subprocess.Popen[bytes] | None, subprocess.Popen[bytes]]:
        etcd = None
        if args.etcd_cmd:
            etcd = subprocess.Popen(args.etcd_cmd.split(), stdout=open(args.dir / "etcd.log", "ab"),
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        daemon = subprocess.Popen(args.hastackd_cmd.split(), stdout=open(args.dir / "hastackd.log", "ab"),
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        (args.dir / "hastackd.pid").write_text(str(daemon.pid))
        return etcd, daemon

    etcd, daemon = boot()
    while not stopping:
        if select.select([wake_r], [], [], 1.0)[0]:
            os.read(wake_r, 512)
        reap()
        if etcd is not None and etcd.poll() is not None and not stopping:
            # the host's service manager restarts a dead etcd member (systemd's Restart=always)
            log.write(f"{time.time():.3f} etcd member exited (rc {etcd.returncode}): restarting\n".encode())
            time.sleep(0.2)
            etcd = subprocess.Popen(args.etcd_cmd.split(), stdout=open(args.dir / "etcd.log", "ab"),
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if daemon.poll() is not None and not stopping:
            log.write(f"{time.time():.3f} watchdog: hastackd died (rc {daemon.returncode}): resetting host\n".encode())
            kill_all_but_me()
            time.sleep(0.05)
            reap()
            drop_addresses(args.address, args.iface)
            time.sleep(args.reboot_delay)
            etcd, daemon = boot()
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(10)
    except subprocess.TimeoutExpired:
        pass
    kill_all_but_me()
    reap()
    return 0


if __name__ == "__main__":
    sys.exit(main())
