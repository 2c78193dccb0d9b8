"""`hastack lab ...`: a cluster of N hosts on this machine (root), and its faults.

    hastack lab up [--hosts 3] [--config FILE]   build namespaces, boot etcd + hastackd, load the config
    hastack lab up --tier                         the active/active tier on 3 controllers (cli.labtier)
    hastack lab tier-demo | jepsen [--faults N]   the tier's demo and its no-lost-writes soak (cli.labtier)
    hastack lab status                            hastack status from the client namespace
    hastack lab poweroff N | poweron N | kill-hastackd N | freeze N | thaw N
    hastack lab failover [--trials 5]             power loss of the VIP holder, time to the first answer
    hastack lab down                              stop everything, delete the namespaces

Imports lab, cli.
"""

from __future__ import annotations

import statistics
import time
from importlib import resources
from pathlib import Path

import click

from hastack.cli.labtier import boot_tier, jepsen, tier_demo
from hastack.lab.chaos import Service
from hastack.lab.cluster import Lab, load_lab
from hastack.lab.net import LabError, Net, sh, wait_until
from hastack.lab.tier import TIER_DIR
from hastack.lab.trial import Checker, holder, run_trial

LAB_DIR = Path("/var/lib/hastack-lab")
VIP = "10.213.90.100"


def default_config(fencing: bool = True) -> Path:
    """The lab's service: a VIP and a web server; with the lab's power switch as fence device (the fast
    path), or without (recovery waits for the lost host's lease)."""
    name = "lab-web-fenced.crm" if fencing else "lab-web.crm"
    return Path(str(resources.files("hastack.examples").joinpath(name)))


def start_lab(hosts: int, config: Path, ttl: int = 3, directory: Path = LAB_DIR) -> Lab:
    lab = Lab(hosts=hosts, net=Net(), directory=directory, ttl=ttl)
    lab.up()
    text = config.read_text()
    tmp = directory / "config.crm"
    tmp.write_text(text)
    lab.hastack("cluster", "load", str(tmp))
    return lab


def wait_served(lab: Lab, vip: str = VIP, timeout: float = 30) -> str | None:
    if not wait_until(lambda: lab.http_get(vip) is not None, timeout, 0.2):
        return None
    return lab.http_get(vip)


def current_lab() -> Lab:
    """The running lab: the main one (hastack lab up) unless only the tier's (hastack lab up --tier) runs --
    judged by its switch namespace, not by a lab.json that a lab killed without `down` leaves behind."""
    try:
        tier = load_lab(TIER_DIR)
    except LabError:
        return load_lab(LAB_DIR)
    main_runs = (LAB_DIR / "lab.json").exists() and _switch_exists(load_lab(LAB_DIR))
    return tier if _switch_exists(tier) and not main_runs else load_lab(LAB_DIR)


def _switch_exists(lab_: Lab) -> bool:
    return lab_.net.switch in sh("ip", "netns", "list", check=False).split()


@click.group()
def lab() -> None:
    """A hastack cluster in network namespaces on this machine (needs root)."""


@lab.command()
@click.option("--hosts", default=3, show_default=True)
@click.option("--ttl", default=3, show_default=True, help="membership lease TTL (s)")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="crm configuration to load (default: a VIP and a web server, fenced by the lab's PDU)")
@click.option("--no-fencing", is_flag=True, help="the default service without a fence device (lease-only)")
@click.option("--guide", is_flag=True, help="the demo's configuration: the Guide's API and MySQL patterns")
@click.option("--tier", is_flag=True, help="the active/active tier on 3 controllers (Galera, RabbitMQ, memcached, "
              "HAProxy, an API service; examples/lab-tier.crm), in /var/lib/hastack-tier")
def up(hosts: int, ttl: int, config: Path | None, no_fencing: bool, guide: bool, tier: bool) -> None:
    """Build the lab and boot every host."""
    if tier:
        lab_ = boot_tier()
        click.echo(f"tier up: 3 controllers, VIP {lab_.net.vip()} (MySQL 3306, HTTP 8080), AMQP on "
                   f"{', '.join(lab_.net.host_ip(i) for i in range(1, 4))}; secrets in {lab_.directory} (0600)")
        return
    lab_ = start_lab(hosts, config or (guide_config() if guide else default_config(not no_fencing)), ttl)
    served = wait_served(lab_)
    click.echo(f"lab up: {hosts} hosts, etcd at {lab_.endpoints}; {VIP}:8080 served by {served}")


@lab.command()
def down() -> None:
    """Stop every lab process and delete the namespaces."""
    try:
        lab_ = current_lab()
        lab_.down()
        (lab_.directory / "lab.json").unlink()  # a lab that is down is not "the running lab" any more
    except LabError:
        Net().destroy()
    click.echo("lab down")


@lab.command(name="status")
def lab_status() -> None:
    click.echo(current_lab().hastack("status"), nl=False)


@lab.command()
@click.argument("host", type=int)
def poweroff(host: int) -> None:
    current_lab().power_off(host)


@lab.command()
@click.argument("host", type=int)
def poweron(host: int) -> None:
    current_lab().power_on(host)


@lab.command(name="kill-hastackd")
@click.argument("host", type=int)
def kill_hastackd(host: int) -> None:
    current_lab().kill_hastackd(host)


@lab.command()
@click.option("--trials", default=5, show_default=True)
def failover(trials: int) -> None:
    """Power loss of the VIP holder; time until a survivor answers through the VIP."""
    lab_ = current_lab()
    checker = Checker(lab_, VIP).start()
    results = []
    try:
        for k in range(trials):
            if wait_served(lab_) is None:
                raise LabError("the VIP is not served")
            t = run_trial(lab_, VIP, LAB_DIR)
            results.append(t)
            shown = f"{t.failover_s:.3f} s" if t.failover_s is not None else "no answer"
            click.echo(f"trial {k + 1}: h{t.victim}{' (DC)' if t.victim_was_dc else ''} lost -> "
                       f"{t.served_by} answered after {shown}")
    finally:
        checker.stop()
    times = [t.failover_s for t in results if t.failover_s is not None]
    if times:
        click.echo(f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s; "
                   f"double-active instants: {len(checker.violations)} in {checker.samples} samples")


def _say(text: str) -> None:
    click.echo(click.style(text, bold=True))


GUIDE_CONFIG = "lab-guide.crm"
DB_VIP = "10.213.90.101"  # the MySQL pattern's VIP in lab-guide.crm
DB_PORT = 3306
GUIDE_NEEDLES = ("http.server 8080", "http.server 3306")


def guide_config() -> Path:
    """The Guide's API and MySQL patterns for the lab (examples/lab-guide.crm)."""
    return Path(str(resources.files("hastack.examples").joinpath(GUIDE_CONFIG)))


def lab_services(directory: Path = LAB_DIR) -> list[Service]:
    """The services of the configuration the lab runs: the web service, and the Guide's MySQL stand-in
    when the Guide's configuration is loaded."""
    loaded = directory / "config.crm"
    text = loaded.read_text() if loaded.exists() else ""
    services = [Service(VIP, 8080, GUIDE_NEEDLES[0])]
    if GUIDE_NEEDLES[1] in text:
        services.append(Service(DB_VIP, DB_PORT, GUIDE_NEEDLES[1]))
    return services


def _served(lab_: Lab) -> str:
    api = lab_.http_get(VIP)
    db = lab_.http_get(DB_VIP, DB_PORT)
    return f"API VIP {VIP}:8080 -> {api or 'no answer'}, MySQL VIP {DB_VIP}:{DB_PORT} -> {db or 'no answer'}"


@lab.command()
@click.option("--hosts", default=3, show_default=True)
@click.option("--keep", is_flag=True, help="leave the lab running at the end")
def demo(hosts: int, keep: bool) -> None:
    """The main job: a real cluster on this machine runs the Guide's API and MySQL patterns and keeps
    them up while the host of the API group loses power."""
    _say(f"1. Building a {hosts}-host lab: network namespaces on a private bridge, etcd (TLS, client certificates) "
         f"on the first 3 hosts, hastackd on all, a power switch the cluster can fence through")
    lab_ = start_lab(hosts, guide_config())
    try:
        click.echo(guide_config().read_text())
        served = wait_served(lab_)
        db = wait_until(lambda: lab_.http_get(DB_VIP, DB_PORT) is not None, 30, 0.2)
        if served is None or not db:
            raise LabError("the services did not come up within 30 s", hint=f"see {LAB_DIR}/h*/hastackd.log")
        _say("2. The cluster decided and started both patterns: the Stateful clone promoted on one host (the DRBD "
             "stand-in), the MySQL group started there after the promotion; the API group on another")
        click.echo(lab_.hastack("status"))
        click.echo(_served(lab_))
        checker = Checker(lab_, VIP, more_vips=(DB_VIP,), needles=GUIDE_NEEDLES).start()
        try:
            _say(f"3. Power loss of {served}, the API group's host: its link is cut and every process on it is "
                 f"killed. The survivors miss its heartbeats, fence it through the power switch, and recover "
                 f"what it ran")
            t = run_trial(lab_, VIP, LAB_DIR)
        finally:
            checker.stop()
        if t.failover_s is None:
            raise LabError("no survivor answered through the VIP within 12 s", hint=f"see {LAB_DIR}/h*/hastackd.log")
        _say(f"4. The client got its first answer from {t.served_by} {t.failover_s:.2f} s after the power loss "
             f"(Pacemaker + Corosync measured here: 8.8 s with the default token, 24.2 s with the Guide's)")
        click.echo(f"   double-active instants seen by the checker (both VIPs, both servers): "
                   f"{len(checker.violations)} in {checker.samples} samples of every host")
        wait_until(lambda: lab_.http_get(DB_VIP, DB_PORT) is not None, 20, 0.2)
        _say(f"5. h{t.victim} powered on again and rejoined; the services stay where they are (stickiness):")
        click.echo(lab_.hastack("status"))
        click.echo(_served(lab_))
        click.echo(lab_.hastack("cluster", "transitions", "-n", "6"))
        pdu = LAB_DIR / "pdu.log"
        if pdu.exists():
            for line in pdu.read_text().splitlines()[-3:]:
                stamp, action, host = line.split()
                when = time.strftime("%H:%M:%S", time.localtime(float(stamp)))
                click.echo(f"power switch: {action} {host} at {when}.{int(float(stamp) % 1 * 1000):03d} "
                           f"(fencing by the cluster)")
        if checker.violations:
            raise LabError("two hosts ran a service at once: " + "; ".join(checker.violations[:3]))
    finally:
        if not keep:
            lab_.down()
            click.echo("lab down (hastack lab up / failover / down to play on)")


@lab.command()
@click.option("--faults", default=50, show_default=True)
@click.option("--seed", default=None, type=int, help="repeat a run (default: random, printed)")
@click.option("--budget", default=30.0, show_default=True, help="seconds the service may take to answer at the end")
def chaos(faults: int, seed: int | None, budget: float) -> None:
    """Random faults while a checker watches every host; fails on any double-active instant."""
    from hastack.lab.chaos import Chaos

    lab_ = current_lab()
    seed = seed if seed is not None else int(time.time())
    click.echo(f"chaos: {faults} faults, seed {seed}")
    report = Chaos(lab_, lab_services(), seed, say=click.echo).run(faults, budget)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.faults.items()))
    rec = f"{report.recovered_s:.2f} s" if report.recovered_s is not None else f"not within {budget:.0f} s"
    click.echo(f"faults: {counts}\ndouble-active instants: {len(report.violations)} in {report.samples} samples; "
               f"service answering again after the last fault: {rec}")
    for v in report.violations[:10]:
        click.echo(f"  VIOLATION {v}")
    if report.violations or report.recovered_s is None:
        raise SystemExit(1)


@lab.command()
@click.argument("host", type=int)
def freeze(host: int) -> None:
    """SIGSTOP every process of a host (a hung machine; its watchdog or the cluster's fencing resets it)."""
    current_lab().freeze(host, True)


@lab.command()
@click.argument("host", type=int)
def thaw(host: int) -> None:
    current_lab().freeze(host, False)


@lab.command()
@click.argument("hosts")
def partition(hosts: str) -> None:
    """Cut HOSTS off: `1` or `1,2` isolates each of them alone (their switch ports go down); `1,2/3`
    splits the lab in two -- 1 and 2 reach each other, not 3; the smaller side loses the client and the
    power switch too (they stay with the larger). Every process runs on."""
    lab_ = current_lab()
    if "/" in hosts:
        left, right = (_hosts(part) for part in hosts.split("/", 1))
        if set(left) & set(right) or not left or not right:
            raise LabError(f"{hosts!r} is not two disjoint groups of hosts", hint="e.g. 1,2/3")
        lab_.split(right if len(right) <= len(left) else left, True)
        return
    lab_.partition(_hosts(hosts), True)


def _hosts(text: str) -> list[int]:
    try:
        return [int(h) for h in text.split(",") if h.strip()]
    except ValueError:
        raise LabError(f"{text!r} is not a list of host numbers", hint="e.g. 1,2") from None


@lab.command()
def heal() -> None:
    """Every powered host's switch port up again, every host on the one switch."""
    lab_ = current_lab()
    hosts = list(range(1, lab_.hosts + 1))
    lab_.split(hosts, False)
    lab_.partition(hosts, False)


@lab.command(name="kill")
@click.argument("host", type=int)
def kill(host: int) -> None:
    """Power loss of HOST (its link cut, every process killed), as `poweroff`."""
    current_lab().power_off(host)


@lab.command(name="exec", context_settings={"ignore_unknown_options": True})
@click.argument("host", type=int)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_(host: int, command: tuple[str, ...]) -> None:
    """Run COMMAND on a lab host (in its network namespace)."""
    import subprocess

    lab_ = current_lab()
    raise SystemExit(subprocess.call(["ip", "netns", "exec", lab_.net.host_ns(host), *command]))


lab.add_command(tier_demo)
lab.add_command(jepsen)
