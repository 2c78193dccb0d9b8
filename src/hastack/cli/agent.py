"""`hastack agent`: list, describe and run resource agents on this node.

    hastack agent list [CLASS[:PROVIDER]]
    hastack agent info CLASS:PROVIDER:TYPE
    hastack agent run CLASS:PROVIDER:TYPE ACTION [name=value ...] [--timeout 20s] [--interval 0] [--role R]

`run` checks the parameters against the agent's meta-data first (unknown
or missing required ones are refused, with a did-you-mean), prints rc,
its meaning, Pacemaker's reading of it and the exit reason, and exits
with the agent's own exit code, as `crm_resource --force-start` /
`--force-check` do (a monitor of a stopped resource exits 7, even where the
cluster expects that); an action that timed out exits 124 (Pacemaker's
CRM_EX_TIMEOUT), one that could not run 1. Secret parameter values never
appear in output.

Imports hastack.agents, model, errors.
"""

from __future__ import annotations

import os
import sys

import click

from hastack.agents.action import ActionRequest
from hastack.agents.classes import SUPPORTED_CLASSES, list_agents
from hastack.agents.codes import ExecStatus, rc_meaning, rc_name
from hastack.agents.executor import Executor, local_host
from hastack.errors import AgentError, HastackError, ValueSyntaxError
from hastack.model.durations import format_ms, parse_ms
from hastack.model.secrets import MASK
from hastack.model.values import AgentRef, Role


def _executor(netns: str | None = None) -> Executor:
    # One action per command: a fork server would cost more to start than it saves.
    return Executor(local_host(netns=netns), use_forkserver=False)


def _agent(text: str) -> AgentRef:
    ref = AgentRef.parse(text)
    if ref.cls not in SUPPORTED_CLASSES:
        from hastack.didyoumean import did_you_mean
        hint = did_you_mean(ref.cls, list(SUPPORTED_CLASSES)) or f"classes: {', '.join(SUPPORTED_CLASSES)}"
        raise AgentError(f"unsupported resource agent class {ref.cls!r} in {text!r}", hint=hint)
    return ref


@click.group("agent")
def agent() -> None:
    """List, describe and run resource agents (OCF, LSB, systemd, service, stonith, built-in ocf:hastack)."""


@agent.command("list")
@click.argument("spec", required=False, default="ocf")
def list_cmd(spec: str) -> None:
    """List installed agents of CLASS (default ocf), optionally of one OCF PROVIDER: ocf:heartbeat."""
    cls, _, provider = spec.partition(":")
    names = list_agents(cls.lower(), provider or None, local_host())
    for name in names:
        click.echo(name)
    if not names:
        click.echo(f"no {spec} agents installed", err=True)


@agent.command("info")
@click.argument("spec")
def info_cmd(spec: str) -> None:
    """Show an agent's parameters and actions from its meta-data."""
    ref = _agent(spec)
    meta = _executor().metadata(ref)
    click.echo(f"{ref} - {meta.shortdesc}" if meta.shortdesc else str(ref))
    if meta.longdesc and meta.longdesc != meta.shortdesc:
        click.echo(f"\n{meta.longdesc}")
    click.echo(f"\nOCF API {meta.ocf_version}{'' if meta.has_dtd else ' (no DTD)'}\n\nParameters:")
    if not meta.parameters:
        click.echo("  (none)")
    for p in meta.parameters:
        flags = [p.type]
        if p.required:
            flags.append("required")
        if p.unique:
            flags.append("unique")
        if p.reloadable:
            flags.append("reloadable")
        if p.deprecated:
            flags.append("deprecated")
        default = "" if p.default in (None, "") else f" [default: {MASK if p.secret else p.default}]"
        click.echo(f"  {p.name} ({', '.join(flags)}){default}")
        if p.shortdesc:
            click.echo(f"      {p.shortdesc}")
    click.echo("\nActions:")
    for a in meta.actions:
        parts = [f"timeout={format_ms(a.timeout_ms)}" if a.timeout_ms is not None else ""]
        if a.interval_ms:
            parts.append(f"interval={format_ms(a.interval_ms)}")
        if a.role:
            parts.append(f"role={a.role}")
        if a.depth not in (None, "0"):
            parts.append(f"depth={a.depth}")
        click.echo(f"  {a.name:<14} {' '.join(p for p in parts if p)}".rstrip())


def _duration(text: str, what: str) -> int:
    try:
        return parse_ms(text)
    except ValueSyntaxError as err:
        raise HastackError(f"--{what}: {err.message}", err.hint) from None


def _params(items: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise HastackError(f"parameter {item!r} is not name=value", hint="write e.g. ip=192.168.42.101")
        out.append((name, value))
    return tuple(out)


@agent.command("run", context_settings={"ignore_unknown_options": False})
@click.argument("spec")
@click.argument("action")
@click.argument("params", nargs=-1)
@click.option("--timeout", "timeout", default="20s", show_default=True, help="action timeout (30s, 2min, ...)")
@click.option("--interval", "interval", default="0", show_default=True,
              help="monitor interval; 0 = probe / one-shot")
@click.option("--role", "role", default=None, help="role of a role-specific monitor (Promoted, Unpromoted)")
@click.option("--resource", "resource", default=None, help="resource id (OCF_RESOURCE_INSTANCE); default: TYPE")
@click.option("--meta", "meta", multiple=True, help="resource meta attribute name=value (repeatable)")
@click.option("--no-check", is_flag=True, help="skip the parameter check against the agent's meta-data")
@click.option("--netns", default=None, help="run the agent inside this network namespace")
@click.option("-v", "--verbose", is_flag=True, help="show the agent's stdout and stderr (masked)")
def run_cmd(spec: str, action: str, params: tuple[str, ...], timeout: str, interval: str, role: str | None,
            resource: str | None, meta: tuple[str, ...], no_check: bool, netns: str | None, verbose: bool) -> None:
    """Run ACTION of the agent once on this node with name=value parameters."""
    ref = _agent(spec)
    role_value = None
    if role:
        try:
            role_value = Role.parse(role)
        except ValueSyntaxError as err:
            raise HastackError(f"--role: {err.message}", err.hint) from None
    target_rc = 8 if role_value is Role.PROMOTED and action == "monitor" else None
    req = ActionRequest(ref, action, resource or ref.type, _params(params), _params(meta),
                        interval_ms=_duration(interval, "interval"), timeout_ms=_duration(timeout, "timeout"),
                        role=role_value, target_rc=target_rc, node=local_host().node)
    executor = _executor(netns)
    executor.resolve(req)  # unknown agent / class / not executable: a clean error before anything runs
    req = executor.prepare(req, strict=not no_check)
    result = executor.execute(req)
    if action in ("meta-data", "metadata") and result.ok:
        click.echo(result.stdout, nl=False)
        return
    if verbose or not result.ok:
        for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                click.echo(f"--- agent {stream} ---\n{text.rstrip()}", err=True)
    click.echo(f"rc={result.rc} {rc_name(result.rc)} ({rc_meaning(result.rc)})")
    if result.status is not ExecStatus.DONE:
        click.echo(f"status: {result.status.label}" + (f" - {result.detail}" if result.detail else ""))
    if result.exit_reason:
        click.echo(f"exit reason: {result.exit_reason}")
    click.echo(f"outcome: {result.outcome.sentence()} ({result.duration_ms}ms)")
    sys.exit(exit_code(result.rc, result.status))


def exit_code(rc: int, status: ExecStatus) -> int:
    """What `agent run` exits with: the agent's rc when it ran to its end, as crm_resource does."""
    if status is ExecStatus.DONE:
        return rc if 0 <= rc <= 255 else 1
    return TIMEOUT_EXIT if status is ExecStatus.TIMEOUT else 1


TIMEOUT_EXIT = 124  # Pacemaker's CRM_EX_TIMEOUT


if __name__ == "__main__":  # pragma: no cover
    agent(prog_name=os.path.basename(sys.argv[0]))
