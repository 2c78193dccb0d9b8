"""Failover time, side by side in one run: power loss of the VIP holder -> first HTTP 200 from a survivor.

    PYTHONPATH=src .venv/bin/python bench/failover.py [--trials 10] [--systems a,b,...]

Systems (all by default, in this order):
  pacemaker-default   Pacemaker + Corosync from Debian, corosync's default token (stonith disabled)
  pacemaker-guide     the same with the OpenStack HA Guide's token: 10000, token_retransmits_before_loss_const: 10
  keepalived-1        keepalived VRRPv2, advert_int 1, the web server on every host
  keepalived-0.1      keepalived VRRPv3, advert_int 0.1
  hastack-lease       hastack without a fence device (examples/lab-web.crm), lease TTL 2 s
  hastack-fenced      hastack fenced by the lab's power switch (examples/lab-web-fenced.crm), defaults
  hastack-vip-fast    keepalived's job (the web server a clone on every host, only the VIP moves:
                      examples/lab-vip-fenced.crm), fenced, heartbeat silence 0.15 s
  hastack-vip-0.1     the same at heartbeat silence 0.1 s (hastackd's least, as keepalived's row runs
                      advert_int 0.1)

Every system runs on 3 hosts of hastack's lab (hastack.lab: a network
namespace per host on one bridge, each host its own PID + mount namespace)
one after the other, on the same machine, with the same fault and the same
client: the client polls the VIP every 25 ms; T0 is taken just before the
holder's switch port goes down, then every process of the holder is
SIGKILLed; the time is the end of the first successful request answered by
another host. The anchors are built as shared/reference/failover-anchors.md
describes (lab.anchors). Pacemaker trials alternate whether the victim is the
DC (the group is moved onto or off the DC first), hastack trials whether it is
the etcd leader (hastack cluster etcd --move-leader); trials whose victim was
Pacemaker's DC, or hastack's DC or etcd leader, get their own median. A
checker on every host counts double-active instants (the VIP on two hosts
whose links are up; for Pacemaker and hastack also the web server).

Installs pacemaker, corosync, resource-agents and keepalived with apt-get when
they are missing. Needs root. Namespaces hbp-* (10.213.94.x, Pacemaker),
hbk-* (10.213.95.x, keepalived), hbf-* (10.213.93.x, hastack); stale ones are
cleared at start and everything is torn down at the end, on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import FrameType

from hastack.lab.anchors import ANCHORS, Anchor, AnchorLab
from hastack.lab.cluster import Lab
from hastack.lab.net import LabError, Net, wait_until
from hastack.lab.series import Series, per_trial, table
from hastack.lab.trial import (WEB_NEEDLE, Checker, Trial, holder, members, place_etcd_leader, power_loss,
                               run_trial)

SYSTEMS = ("pacemaker-default", "pacemaker-guide", "keepalived-1", "keepalived-0.1", "hastack-lease", "hastack-fenced",
           "hastack-vip-fast", "hastack-vip-0.1")
LABELS = {"pacemaker-default": "Pacemaker + Corosync, default token",
          "pacemaker-guide": "Pacemaker + Corosync, Guide's token 10000",
          "keepalived-1": "keepalived VRRPv2, advert_int 1",
          "keepalived-0.1": "keepalived VRRPv3, advert_int 0.1",
          "hastack-lease": "hastack, lease only",
          "hastack-fenced": "hastack, fenced (lab power switch)",
          "hastack-vip-fast": "hastack, VIP only, fenced, silence 0.15 s",
          "hastack-vip-0.1": "hastack, VIP only, fenced, silence 0.1 s"}


@dataclass(frozen=True)
class HastackSetup:
    config: str  # of hastack.examples
    ttl: int = 3
    suspect_after: float = 0.3
    needles: tuple[str, ...] = (WEB_NEEDLE,)  # processes the checker counts (a clone's are everywhere)


HASTACK = {"hastack-lease": HastackSetup("lab-web.crm", ttl=2),
           "hastack-fenced": HastackSetup("lab-web-fenced.crm"),
           "hastack-vip-fast": HastackSetup("lab-vip-fenced.crm", suspect_after=0.15, needles=()),
           "hastack-vip-0.1": HastackSetup("lab-vip-fenced.crm", suspect_after=0.1, needles=())}
REFERENCE = LABELS["hastack-fenced"]
HASTACK_WINDOW_S = 30.0  # a trial ends 2 s after the first answer; this only bounds a trial that gets none
PACKAGES = {"pacemaker": (["corosync", "pacemakerd", "crm_mon", "cibadmin"],
                          ["pacemaker", "pacemaker-cli-utils", "corosync", "resource-agents"]),
            "keepalived": (["keepalived"], ["keepalived"])}
AGENTS = [Path("/usr/lib/ocf/resource.d/heartbeat/IPaddr2"), Path("/usr/lib/ocf/resource.d/heartbeat/anything")]


def preroll(rng: random.Random) -> float:
    """Seconds of polling before T0: 1.5 s to see the holder answer, plus up to 1 s at random, so that T0
    falls at any phase of a protocol's period (a VRRP advertisement, a token rotation, a lease renewal)."""
    return 1.5 + rng.random()


def say(text: str) -> None:
    print(text, flush=True)


def ensure_packages(kinds: set[str]) -> None:
    """apt-get install what the chosen anchors need and is missing (once an `apt-get update` if that fails)."""
    missing: list[str] = []
    for kind in sorted(kinds):
        binaries, packages = PACKAGES[kind]
        lacking = [b for b in binaries if shutil.which(b) is None]
        if kind == "pacemaker":
            lacking += [str(a) for a in AGENTS if not a.exists()]
        if lacking:
            missing += packages
    if not missing:
        return
    say(f"installing {' '.join(missing)} (apt-get)")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    if subprocess.run(["apt-get", "install", "-y", *missing], env=env).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", *missing], env=env, check=True)


# --- the anchors ------------------------------------------------------------------------------------

def anchor_net(anchor: Anchor) -> Net:
    if anchor.kind == "pacemaker":
        return Net(prefix="hbp", subnet="10.213.94")
    return Net(prefix="hbk", subnet="10.213.95")


def balance_dc(lab: AnchorLab, k: int) -> None:
    """Trial k's victim is the DC when k is odd, and not the DC when k is even (failover-anchors.md)."""
    view = lab.pacemaker_view()
    if view is None or view.dc is None or view.group_on() is None:
        return
    if k % 2 == 1 and view.group_on() != view.dc:
        lab.move_group(view.dc)
    elif k % 2 == 0 and view.group_on() == view.dc:
        lab.move_group(min(n for n in view.online if n != view.dc))
    else:
        return
    if not wait_until(lab.settled, 120, 1.0):
        raise LabError("Pacemaker did not settle after moving the group")


def runtime_timing(lab: AnchorLab) -> str:
    """corosync's effective totem timing on host 1 (token_coefficient and consensus make it differ from the
    configuration), for the record."""
    out = lab.host_run(1, "corosync-cmapctl", "runtime.config.totem").stdout
    values = {line.split()[0].rsplit(".", 1)[-1]: line.split()[-1] for line in out.splitlines() if " = " in line}
    return ", ".join(f"{k} {values[k]} ms" for k in ("token", "consensus", "token_retransmit") if k in values)


def run_anchor(anchor: Anchor, trials: int, hosts: int, work: Path,
               rng: random.Random) -> tuple[Series, list[float]]:
    net = anchor_net(anchor)
    vip = net.vip()
    lab = AnchorLab(hosts=hosts, net=net, directory=work / anchor.name, anchor=anchor)
    pacemaker = anchor.kind == "pacemaker"
    say(f"{anchor.name}: booting {hosts} hosts")
    lab.up()
    try:
        if pacemaker:
            lab.configure_pacemaker()
            say(f"  corosync runtime: {runtime_timing(lab)}")
        checker = Checker(lab, vip, needles=(WEB_NEEDLE,) if pacemaker else ()).start()
        results: list[Trial] = []
        loads: list[float] = []
        try:
            for k in range(trials):
                if not wait_until(lab.settled, 180, 1.0):
                    raise LabError(f"{anchor.name} did not settle in 180 s", hint=f"see {lab.directory}")
                if pacemaker:
                    balance_dc(lab, k)
                victim = holder(lab, vip)
                if victim is None:
                    raise LabError(f"{anchor.name}: no single holder of {vip}")
                was_dc = lab.dc() == victim
                first = power_loss(lab, vip, victim, work, anchor.window_s, preroll(rng))
                lab.power_on(victim)
                t = Trial(victim, first[0] if first else None, first[1] if first else None, was_dc)
                results.append(t)
                report(anchor.name, k, t, loads)
                time.sleep(3.0 if pacemaker else 0.0)  # quiet before the next; keepalived_settled waits 3 s
        finally:
            checker.stop()
        return Series(LABELS[anchor.name], tuple(results), len(checker.violations), checker.samples,
                      has_roles=pacemaker), loads
    finally:
        lab.down()


# --- hastack ----------------------------------------------------------------------------------------

def run_hastack(name: str, trials: int, hosts: int, work: Path,
                rng: random.Random) -> tuple[Series, list[float]]:
    setup = HASTACK[name]
    net = Net(prefix="hbf", subnet="10.213.93")
    vip = net.vip()
    lab = Lab(hosts=hosts, net=net, directory=work / name, ttl=setup.ttl, suspect_after=setup.suspect_after)
    say(f"{name}: booting {hosts} hosts")
    lab.up()
    try:
        config = work / f"{name}.crm"
        example = resources.files("hastack.examples").joinpath(setup.config)
        config.write_text(example.read_text().replace("10.213.90.", f"{net.subnet}."))
        lab.hastack("cluster", "load", str(config))
        checker = Checker(lab, vip, needles=setup.needles).start()
        results: list[Trial] = []
        loads: list[float] = []
        try:
            for k in range(trials):
                if not wait_until(lambda: hastack_settled(lab, vip), 120, 0.5):
                    raise LabError(f"{name}: not every host is a member, or the VIP is not served, after 120 s")
                held = holder(lab, vip)
                if held is not None:  # every other trial the victim is also the etcd leader, as for Pacemaker's DC
                    place_etcd_leader(lab, held, on=k % 2 == 1)
                t = run_trial(lab, vip, work, window_s=HASTACK_WINDOW_S, preroll_s=preroll(rng))
                results.append(t)
                report(name, k, t, loads)
        finally:
            checker.stop()
        if "fenced" in setup.config:
            log = lab.directory / "pdu.log"
            acts = len(log.read_text().splitlines()) if log.exists() else 0
            say(f"  the power switch fenced {acts} times in {len(results)} trials (one per trial expected)")
        return Series(LABELS[name], tuple(results), len(checker.violations), checker.samples), loads
    finally:
        lab.down()
        for data in (work / name).glob("h*/etcd"):  # etcd's preallocated files, ~120 MB a host; logs stay
            shutil.rmtree(data, ignore_errors=True)


def hastack_settled(lab: Lab, vip: str, quiet_s: float = 3.0) -> bool:
    """As the anchors before a trial: every host a member and the VIP served, and still so `quiet_s` later
    (a host the last trial rebooted may still be joining, or be fenced again)."""
    def whole() -> bool:
        return sorted(members(lab)) == list(range(1, lab.hosts + 1)) and holder(lab, vip) is not None
    if not whole():
        return False
    time.sleep(quiet_s)
    return whole() and lab.http_get(vip) is not None


def report(name: str, k: int, t: Trial, loads: list[float]) -> None:
    """Say how trial k went; `loads` gets the machine's 1-min load average after it."""
    roles = [r for r, held in (("DC", t.victim_was_dc), ("etcd leader", t.victim_was_leader)) if held]
    shown = f"{t.failover_s:.3f} s (from {t.served_by})" if t.failover_s is not None else "no answer"
    load = os.getloadavg()[0]
    loads.append(load)
    say(f"  {name} trial {k + 1}: h{t.victim}{' (' + ', '.join(roles) + ')' if roles else ''} -> {shown}"
        f"  [load {load:.1f}]")


class SeriesFailed(Exception):
    """A system's series failed twice (its lab would not boot or serve)."""


def run_system(system: str, trials: int, hosts: int, work: Path, rng: random.Random,
               retried: list[str]) -> tuple[Series, list[float]]:
    """One system's series; once more from a fresh lab if it fails (a shared machine may starve a lab's boot),
    and then `retried` says why: the first attempt's trials are in the log, not in the table."""
    for attempt in (1, 2):
        try:
            if system in ANCHORS:
                return run_anchor(ANCHORS[system], trials, hosts, work, rng)
            return run_hastack(system, trials, hosts, work, rng)
        except (LabError, RuntimeError, subprocess.SubprocessError, OSError) as err:
            say(f"{system} FAILED (attempt {attempt} of 2): {err}")
            retried.append(f"{system}, attempt {attempt}: {err}")
            last = err
    raise SeriesFailed(str(last))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None, help="for the random time before each power loss")
    ap.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated, of: {', '.join(SYSTEMS)}")
    a = ap.parse_args()
    chosen = [s.strip() for s in a.systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown:
        ap.error(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    ensure_packages({ANCHORS[s].kind for s in chosen if s in ANCHORS})
    work = Path(tempfile.mkdtemp(prefix="hastack-failover-", dir="/var/tmp"))
    started = datetime.datetime.now().astimezone()
    say(f"{' '.join(sys.argv)}  ({started:%Y-%m-%d %H:%M %Z}); logs in {work}")
    rng = random.Random(a.seed)
    series: list[Series] = []
    loads: dict[str, list[float]] = {}
    failed: list[str] = []
    retried: list[str] = []
    try:
        for system in [s for s in SYSTEMS if s in chosen]:
            try:
                one, loads[system] = run_system(system, a.trials, a.hosts, work, rng, retried)
                series.append(one)
            except SeriesFailed as err:  # its lab is down: go on with the next
                failed.append(f"{system}: {err}")
    except KeyboardInterrupt:
        say("interrupted: every lab started is torn down")
        return 130
    say("")
    say(table(series, REFERENCE, "hastack fenced"))
    say("\nper trial, s (* = the victim was the DC or etcd leader):")
    for s in series:
        say(f"- {per_trial(s)}")
    say("\nthe machine's 1-min load average after the trials (2 CPUs, shared), median / max:")
    for name, seen in loads.items():
        say(f"- {name}: {statistics.median(seen):.1f} / {max(seen):.1f}" if seen else f"- {name}: no trial")
    for line in retried:
        say(f"- a series attempt failed (its trials are in the log above, not in the table): {line}")
    for line in failed:
        say(f"- failed, no row: {line}")
    hastack_bad = sum(s.violations for s in series if s.system.startswith("hastack"))
    return 1 if failed or hastack_bad or any(s.unanswered for s in series) else 0


if __name__ == "__main__":
    sys.exit(main())
