"""`hastack demo`: the OpenStack HA Guide's configuration, end to end, without a cluster.

1. load the Guide's configuration (typos fixed, shipped as hastack/examples/guide.crm) and verify it;
2. print it back as canonical crm syntax, passwords masked;
3. explain the Guide's snippets exactly as printed: every mistake, located and with a fix;
4. schedule it with hastack's own scheduler and, if Pacemaker's tools are installed, with
   crm_simulate on hastack's CIB XML export (both nodes up, nothing run yet), and compare;
5. play the cluster forward with hastack.simulate.execute: run the transition, let the drbd
   agent set its promotion scores, run until nothing is left to do, show the status;
6. what if node1 fails: the recovery transition (cross-checked with crm_simulate --node-fail),
   why the API group and MySQL run where they run, and the status after recovery.

Nothing the demo prints shows a password: every line goes through the mask.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib import resources
from types import MappingProxyType

import click

from hastack.crm import render
from hastack.errors import Severity
from hastack.model.config import Configuration, Group
from hastack.model.secrets import mask_text, masked_config, secret_values
from hastack.model.state import ClusterState
from hastack.scheduler import Transition, schedule
from hastack.simulate import inject
from hastack.simulate.execute import Result, Step, converge
from hastack.simulate.explain import explain
from hastack.simulate.status import observe, render_status
from hastack.validate import check_crm_sources, check_crm_text

SECTION = "# --- "
NOW = 1_798_761_600  # 2027-01-01T00:00:00Z: a fixed time, so every run prints the same
PROMOTION_SCORE = "10000"  # what the drbd agent sets (crm_master -l reboot) on an UpToDate node
DRBD_CLONES = ("p_drbd_mysql", "p_drbd_rabbitmq")


def _example(name: str) -> str:
    return resources.files("hastack.examples").joinpath(name).read_text(encoding="utf-8")


class Out:
    """Where the demo prints: every line is masked with the configuration's secret values."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self.secrets = tuple(secrets)

    def echo(self, text: str = "", nl: bool = True) -> None:
        click.echo(mask_text(text, self.secrets), nl=nl)

    def heading(self, title: str) -> None:
        click.echo()
        click.secho(mask_text(f"== {title}", self.secrets), bold=True)

    def sub(self, title: str) -> None:
        click.echo()
        click.secho(mask_text(f"-- {title}", self.secrets), bold=True)


def _verbatim_names() -> list[str]:
    folder = resources.files("hastack.examples").joinpath("guide-verbatim")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".crm"))


def fixed_sections(text: str) -> dict[str, str]:
    """The fixed Guide split at its `# --- NN-name` markers: name -> text (header lines kept blank)."""
    out: dict[str, str] = {}
    current = "header"
    for line in text.split("\n"):
        if line.startswith(SECTION):
            current = line[len(SECTION):].strip()
        out[current] = out.get(current, "") + line + "\n"
    return out


def _verbatim(out: Out, fixed: str) -> None:
    sections = fixed_sections(fixed)
    order = [k for k in sections if k != "header"]
    for name in _verbatim_names():
        key = name[:-4]
        before = "".join(sections[k] for k in order[:order.index(key)]) if key in order else ""
        text = _example(f"guide-verbatim/{name}")
        chunks = [(before, "guide.crm (earlier snippets, fixed)"), (text, name)]
        result = check_crm_sources(chunks)
        errors = [d for d in result.diagnostics if d.severity is Severity.ERROR and d.location
                  and d.location.file == name]
        if not errors:
            out.echo(f"{name}: no errors")
            continue
        out.echo(f"{name}: {len(errors)} error{'s' if len(errors) != 1 else ''}")
        for d in errors:
            out.echo("  " + d.render().replace("\n", "\n  "))


# --- Pacemaker's crm_simulate beside hastack -------------------------------------------------------

def pacemaker_summary(stdout: str) -> list[str] | None:
    """crm_simulate's Transition Summary, one action a line, normalized as hastack prints it."""
    lines = stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Transition Summary")), None)
    if start is None:
        return None
    out = []
    for line in lines[start + 1:]:
        if not line.strip() or not line[0].isspace():
            break
        text = " ".join(line.strip().lstrip("*").split()).replace("( ", "(").replace(" )", ")")
        out.append(text.replace("ocf::", "ocf:"))
    return out


class Pacemaker:
    """crm_simulate and crm_verify on hastack's CIB XML export, in a private scratch directory."""

    def __init__(self, out: Out, tmp: str) -> None:
        self.out = out
        self.tmp = tmp
        self.exe = shutil.which("crm_simulate")
        self.env = dict(os.environ, CIB_shadow_dir=tmp, LC_ALL="C")
        self.count = 0

    def _write(self, config: Configuration, state: ClusterState) -> str:
        from hastack import cib

        self.count += 1
        path = os.path.join(self.tmp, f"cib-{self.count}.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(cib.to_xml(config, state))
        return path

    def verify(self, config: Configuration, state: ClusterState) -> None:
        exe = shutil.which("crm_verify")
        if exe is None:
            return
        path = self._write(config, state)
        try:
            checked = subprocess.run([exe, "--xml-file", path, "-V"], capture_output=True, text=True,
                                     env=self.env, timeout=120)
        except subprocess.TimeoutExpired:
            self.out.echo("crm_verify did not finish within 120 s")
            return
        ok = checked.returncode == 0 and not checked.stderr.strip()
        result = "accepted, no errors or warnings" if ok else \
            f"exit {checked.returncode}\n{(checked.stdout + checked.stderr).strip()}"
        self.out.echo(f"$ crm_verify --xml-file guide.xml -V: {result}")

    def summary(self, config: Configuration, state: ClusterState, args: Sequence[str] = ()) -> list[str] | None:
        """The Transition Summary crm_simulate prints for this state (None when it is not installed)."""
        if self.exe is None:
            return None
        path = self._write(config, state)
        try:
            proc = subprocess.run([self.exe, "-x", path, "-S", *args], capture_output=True, text=True,
                                  env=self.env, timeout=120)
        except subprocess.TimeoutExpired:
            self.out.echo("crm_simulate did not finish within 120 s")
            return None
        lines = pacemaker_summary(proc.stdout)
        if lines is None:
            self.out.echo(f"crm_simulate exited with {proc.returncode}:\n{proc.stderr.strip()}")
        return lines


def _summary(out: Out, lines: Sequence[str], empty: str = "(nothing to do)") -> None:
    out.echo("Transition Summary:")
    for line in lines:
        out.echo(f"  * {line}")
    if not lines:
        out.echo(f"  {empty}")


def _compare(out: Out, ours: Sequence[str], theirs: Sequence[str] | None, what: str) -> bool | None:
    """Print crm_simulate's summary and whether it agrees with hastack's."""
    if theirs is None:
        out.echo("crm_simulate is not installed (Debian: pacemaker-cli-utils): no cross-check")
        return None
    out.echo(f"Pacemaker's crm_simulate, {what}:")
    _summary(out, theirs)
    if sorted(ours) == sorted(theirs):
        out.echo(f"=> hastack and Pacemaker agree: the same {len(ours)} action{'s' if len(ours) != 1 else ''}.")
        return True
    out.echo("=> hastack and Pacemaker DISAGREE:")
    for line in sorted(set(ours) - set(theirs)):
        out.echo(f"   only hastack:   {line}")
    for line in sorted(set(theirs) - set(ours)):
        out.echo(f"   only Pacemaker: {line}")
    return False


# --- playing the cluster forward --------------------------------------------------------------------

def _tally(results: Iterable[Result]) -> str:
    words: Counter[str] = Counter()
    for r in results:
        a = r.action
        if a.task == "monitor":
            words["probes (not running)" if a.interval_ms == 0 else "recurring monitors"] += 1
        else:
            words[f"{a.task}s" if a.task != "stonith" else "fencing"] += 1
    return ", ".join(f"{n} {w}" for w, n in sorted(words.items(), key=lambda kv: -kv[1]))


def _steps(out: Out, steps: Sequence[Step], first: int, lines: bool = True) -> None:
    for k, step in enumerate(steps, first):
        out.echo(f"Transition {k}: {len(step.transition.summary)} changes; executed {_tally(step.executed.results)}")
        for line in step.transition.summary if lines else ():
            out.echo(f"  * {line}")
        for r in step.executed.failed:
            out.echo(f"  ! {r.describe()}")


def with_promotion_scores(state: ClusterState, score: str = PROMOTION_SCORE) -> ClusterState:
    """What the drbd agent does on each node where DRBD runs: crm_master -l reboot -v SCORE,
    i.e. the transient node attribute master-<primitive> (gone when the node leaves)."""
    nodes = dict(state.nodes)
    for nid, ns in nodes.items():
        if not any(h.id.split(":")[0] in DRBD_CLONES for h in ns.resources):
            continue
        attrs = dict(ns.attributes)
        for prim in DRBD_CLONES:
            attrs[f"master-{prim}"] = score
        nodes[nid] = replace(ns, attributes=MappingProxyType(attrs))
    return replace(state, nodes=MappingProxyType(nodes))


def _first_block(text: str) -> str:
    """The first resource of an explanation and the planned actions (a group's members follow it)."""
    blocks = text.strip("\n").split("\n\n")
    planned = [b for b in blocks if b.startswith("Planned")]
    return "\n\n".join(blocks[:1] + planned) + "\n"


def _play(out: Out, pcmk: Pacemaker, config: Configuration, state: ClusterState) -> ClusterState:
    out.heading("5. Playing the cluster forward: hastack's scheduler + hastack.simulate.execute")
    out.echo("Every action of a transition is executed as crm_simulate -S executes it (all succeed; a\n"
             "probe finds nothing running) and recorded in the nodes' operation history; then the\n"
             "scheduler runs again on the new state, until it has nothing left to do.")
    state, steps, _ = converge(config, state, NOW)
    _steps(out, steps, 1, lines=False)
    out.echo("(its changes are the summary of section 4)")
    out.echo()
    out.echo("DRBD now runs on both nodes, unpromoted: no instance has a promotion score, so g_mysql and\n"
             "g_rabbitmq (colocated with the Promoted DRBD instance) cannot start. On a real cluster the drbd\n"
             "agent sets those scores itself once DRBD is up to date (crm_master -l reboot). We do it for it:\n"
             f"transient node attributes {', '.join(f'master-{p}={PROMOTION_SCORE}' for p in DRBD_CLONES)}\n"
             "on node1 and node2.")
    state = with_promotion_scores(state)
    promoting = schedule(config, state, NOW)
    theirs = pcmk.summary(config, state)
    state, steps, idle = converge(config, state, NOW)
    _steps(out, steps, 2)
    out.echo()
    _compare(out, promoting.summary, theirs, "on the same state (transition 2)")
    out.echo("The API group moves to node2 once MySQL and RabbitMQ start on node1: the Guide sets no\n"
             "resource-stickiness, so Pacemaker spreads the groups over the nodes (fewest resources first).")
    _settled(out, idle)
    out.sub("Status: hastack simulate's view of the cluster")
    out.echo(render_status(observe(config, state)), nl=False)
    return state


def _settled(out: Out, idle: Transition) -> None:
    if idle.summary:
        out.echo("Still wanted but blocked:")
        _summary(out, idle.summary)
    else:
        out.echo("Converged: scheduling again gives an empty transition.")


def _failover(out: Out, pcmk: Pacemaker, config: Configuration, state: ClusterState) -> None:
    out.heading("6. What if node1 fails?")
    out.echo("node1 drops out of the cluster without a goodbye (hastack simulate --node-fail node1). The Guide\n"
             "disables fencing, so node2 takes over at once; with fencing, node1 would be fenced first.")
    failed = inject.node_fail(config, state, "node1")
    recovery = schedule(config, failed, NOW)
    out.sub("The recovery transition, by hastack's scheduler")
    _summary(out, recovery.summary)
    _compare(out, recovery.summary, pcmk.summary(config, state, ["--node-fail", "node1"]),
             "crm_simulate --node-fail node1 on the same state")
    for rsc in ("g_services_api", "p_mysql"):
        out.sub(f"Why {rsc} runs where it runs, once node1 has failed (hastack explain {rsc})")
        text = explain(config, recovery, rsc)
        if rsc == "g_services_api":
            text = _first_block(text)
            out.echo(text, nl=False)
            out.echo("(The other members of the group follow p_api-ip: each runs where the member before it runs.)")
        else:
            out.echo(text, nl=False)
    final, steps, idle = converge(config, failed, NOW)
    out.sub("Executing the recovery")
    _steps(out, steps, 1, lines=False)
    _settled(out, idle)
    out.echo("Where each group ran before node1 failed, and where it runs now:")
    before, after = group_nodes(config, state), group_nodes(config, final)
    for group in before:
        was, now = before[group] or "nowhere", after.get(group) or "nowhere"
        out.echo(f"  {group}: {was} -> {now}" if was != now else f"  {group}: stays on {now}")
    out.sub("Status after the failover")
    out.echo(render_status(observe(config, final)), nl=False)


def group_nodes(config: Configuration, state: ClusterState) -> dict[str, str | None]:
    """Each group's node: where its first member is active (None: stopped)."""
    view = observe(config, state)
    out: dict[str, str | None] = {}
    for r in config.top_level:
        if isinstance(r, Group) and r.members:
            active = view.active(r.members[0])
            out[r.id] = active[0].node if active else None
    return out


def _both_schedulers(out: Out, pcmk: Pacemaker, config: Configuration, state: ClusterState) -> None:
    out.heading("4. Two schedulers, one configuration: both nodes up, nothing run yet")
    pcmk.verify(config, state)
    first = schedule(config, state, NOW)
    out.echo("hastack's own scheduler (hastack simulate --crm guide.crm):")
    _summary(out, first.summary)
    _compare(out, first.summary, pcmk.summary(config, state),
             "on hastack's CIB XML export (crm_simulate -x guide.xml -S)")
    out.echo("(g_mysql and g_rabbitmq wait for a promoted DRBD instance: the drbd agent sets the promotion\n"
             " scores at runtime; section 5 plays that part.)")


def starting_state(config: Configuration) -> ClusterState:
    """Both nodes up with no history, at the demo's fixed time."""
    state = inject.set_time(ClusterState(), NOW)
    for node in config.nodes:
        state = inject.node_up(config, state, node.uname)
    return state


@click.command()
def demo() -> None:
    """Walk through the OpenStack HA Guide's configuration: verify, show, explain its mistakes, schedule,
    run it forward and fail a node -- with hastack's scheduler, cross-checked with Pacemaker's."""
    fixed = _example("guide.crm")
    result = check_crm_text(fixed, "guide.crm")
    config = result.raise_if_errors()
    out = Out(secret_values(config))
    out.heading("1. The Guide's configuration (typos fixed): hastack configure verify")
    for d in result.diagnostics:
        out.echo(d.render())
    out.echo(f"guide.crm: no errors, {len(result.warnings)} warnings; {len(config.nodes)} nodes, "
             f"{len(config.resources)} resources, {len(config.constraints)} constraints")

    out.heading("2. As hastack stores it: hastack configure show (passwords masked)")
    out.echo(render(masked_config(config)), nl=False)

    out.heading("3. The Guide's snippets exactly as printed, each pasted after the fixed ones before it")
    _verbatim(out, fixed)
    out.echo("Not found without the agents' meta-data: ocf:openstack:neutron-dhcp-agent does not exist (the\n"
             "Guide downloads neutron-agent-dhcp), and neutron-metadata-agent has agent_config, not plugin_config.\n"
             "guide.crm fixes both (see its # FIX: comments).")

    state = starting_state(config)
    with tempfile.TemporaryDirectory() as tmp:
        pcmk = Pacemaker(out, tmp)
        _both_schedulers(out, pcmk, config, state)
        state = _play(out, pcmk, config, state)
        _failover(out, pcmk, config, state)
