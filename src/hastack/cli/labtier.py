"""`hastack lab tier-demo` and `hastack lab jepsen`: the active/active tier on the lab's controllers.

    hastack lab tier-demo [--keep]        (./run demo active-active) MySQL, AMQP and HTTP clients through
                                          the tier while the Galera writer's host loses power
    hastack lab jepsen [--faults N] [--seed S] [--keep]
                                          power losses, freezes and partitions while clients write; every
                                          acknowledged write and confirmed message must be there once

Both build the tier's lab (lab.tier: namespaces hst-*, 10.213.160.0/24, /var/lib/hastack-tier) and
tear it down at the end unless --keep. Imports lab, cli.
"""

from __future__ import annotations

import random
import time

import click

from hastack.lab.cluster import Lab
from hastack.lab.jepsen import Applied, Fault, Report, Run, plan, summary, to_json, wait_back
from hastack.lab.net import LabError
from hastack.lab.tier import TIER_DIR, config_path, start_tier, wait_ready

READY_TIMEOUT_S = 420.0  # a first formation under the shared CPUs' load: Galera ~1 min, RabbitMQ up to ~2


def _say(text: str) -> None:
    click.echo(click.style(text, bold=True))


def boot_tier() -> Lab:
    _say("1. Building a 3-controller lab (namespaces hst-*, etcd and hastackd on each, a power switch) and "
         f"loading the tier's configuration ({config_path().name}):")
    click.echo(config_path().read_text())
    t0 = time.monotonic()
    lab = start_tier()
    try:
        wait_ready(lab, READY_TIMEOUT_S, say=click.echo)
    except BaseException:
        lab.down()
        raise
    click.echo(f"   the tier answered {time.monotonic() - t0:.1f} s after the lab started")
    return lab


def _at(t: float, t0: float) -> str:
    return f"{t - t0:+.1f} s"


def show_outages(report: Report, t0: float) -> None:
    names = {"mysql-write": "MySQL writes (VIP)", "mysql-read": "MySQL reads (VIP)", "amqp": "AMQP confirmed "
             "publishes", "http": "HTTP GETs (VIP)"}
    for kind, name in names.items():
        seen = [e for e in report.events if e.kind == kind]
        bad = report.outages(kind)
        if not bad:
            click.echo(f"   {name}: {len(seen)} operations, no error")
            continue
        for o in bad:
            end = f"answering again at {_at(o.back, t0)} ({o.seconds:.1f} s of errors)" if o.back is not None else \
                "NOT answering again"
            click.echo(f"   {name}: {o.failed} failed from {_at(o.first_error, t0)}, {end}; first error: "
                       f"{o.sample_error[:90]}")
        after = [e for e in seen if e.t > max(o.back or 1e18 for o in bad)]
        click.echo(f"   {name}: {len(seen)} operations in all; {sum(e.ok for e in after)} of {len(after)} "
                   f"succeeded after the last error")


@click.command(name="tier-demo")
@click.option("--keep", is_flag=True, help="leave the lab running at the end")
def tier_demo(keep: bool) -> None:
    """The active/active tier keeps answering while a controller loses power (./run demo active-active)."""
    lab = boot_tier()
    try:
        _say("2. The cluster runs: Galera (one promoted writer), RabbitMQ, memcached, the API service and HAProxy "
             "on every controller, the VIP on one:")
        click.echo(lab.hastack("status"))
        _say("3. Clients in the client namespace: MySQL writes and reads through the VIP (HAProxy -> the "
             "promoted Galera node), AMQP publishes with confirms to a quorum queue, HTTP GETs through HAProxy. "
             "Then the Galera writer's host loses power (link cut, every process killed); the cluster fences "
             "it through the power switch, which boots it again")
        run = Run(lab, 0, lab.directory, say=click.echo)
        report = run.go([Fault("power", "writer", 10.0)], settle_s=6.0)
        t0 = report.applied[0].at
        _say("4. What each client saw (times from the power loss):")
        show_outages(report, t0)
        rec = report.applied[0].recovered_s
        _say(f"5. h{report.applied[0].host} came back and rejoined (Galera by IST, RabbitMQ from its data): every "
             f"instance running and answering {rec:.1f} s after the {report.applied[0].fault.hold_s:.0f} s outage "
             f"ended" if rec is not None else "5. NOT rejoined in time")
        for line in summary(report)[:3]:
            click.echo(f"   {line}")
        click.echo(lab.hastack("status"))
        if not report.ok:
            raise LabError("the tier lost an acknowledged write or did not recover", hint=to_json(report))
    finally:
        if not keep:
            lab.down()
            click.echo("lab down")


@click.command()
@click.option("--faults", default=10, show_default=True, help="faults, one at a time, each healed and recovered from")
@click.option("--seed", default=None, type=int, help="repeat a run (default: random, printed)")
@click.option("--keep", is_flag=True, help="leave the lab running at the end")
def jepsen(faults: int, seed: int | None, keep: bool) -> None:
    """Clients write through the tier while controllers lose power, freeze and partition; at the end every
    acknowledged write and every confirmed message must be present exactly once."""
    if faults < 1:
        raise click.BadParameter("must be at least 1", param_hint="--faults")
    seed = seed if seed is not None else random.randrange(1 << 31)
    schedule = plan(seed, faults)
    click.echo(f"jepsen: seed {seed}; {faults} faults: " + "; ".join(f.describe() for f in schedule))
    lab = boot_tier()
    try:
        report = Run(lab, seed, lab.directory, say=click.echo).go(schedule)
        for line in summary(report):
            click.echo(line)
        times = [a.recovered_s for a in report.applied if a.recovered_s is not None]
        if times:
            click.echo(f"recovery after each heal: median {sorted(times)[len(times) // 2]:.1f} s, "
                       f"max {max(times):.1f} s")
        (TIER_DIR / "jepsen.json").write_text(to_json(report))
        if not report.ok:
            safe = len(report.verdicts) == 2 and all(v.ok for v in report.verdicts)
            raise LabError("the tier did not recover from a fault in time" if safe else
                           "an acknowledged write was lost or duplicated, the replicas disagree, or the final "
                           "state could not be read",
                           hint=f"see {TIER_DIR}/jepsen.json and {TIER_DIR}/tierload.events")
        click.echo("no acknowledged write lost, none duplicated; the Galera replicas agree")
    finally:
        if not keep:
            lab.down()
            click.echo("lab down")


__all__ = ["Applied", "jepsen", "tier_demo", "wait_back"]
