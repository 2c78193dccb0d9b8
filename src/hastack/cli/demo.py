"""`hastack demo`: the OpenStack HA Guide's configuration, end to end, without a cluster.

Until the cluster runtime exists the demo shows the configuration half:
1. load the Guide's configuration (typos fixed, shipped as hastack/examples/guide.crm) and verify it;
2. print it back as canonical crm syntax;
3. explain the Guide's snippets exactly as printed: every mistake, located and with a fix;
4. if Pacemaker's tools are installed, check the exported CIB XML with crm_verify
   and run crm_simulate on it (both nodes online), printing its transition summary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from importlib import resources

import click

from hastack.crm import render
from hastack.errors import Severity
from hastack.validate import check_crm_sources, check_crm_text

SECTION = "# --- "


def _example(name: str) -> str:
    return resources.files("hastack.examples").joinpath(name).read_text(encoding="utf-8")


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


def _heading(title: str) -> None:
    click.echo()
    click.secho(f"== {title}", bold=True)


def _verbatim(fixed: str) -> None:
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
            click.echo(f"{name}: no errors")
            continue
        click.echo(f"{name}: {len(errors)} error{'s' if len(errors) != 1 else ''}")
        for d in errors:
            click.echo("  " + d.render().replace("\n", "\n  "))


def _simulate(xml: str, nodes: list[str]) -> None:
    exe = shutil.which("crm_simulate")
    if exe is None:
        click.echo("crm_simulate is not installed (Debian: pacemaker-cli-utils); skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "guide.xml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(xml)
        env = dict(os.environ, CIB_shadow_dir=tmp, LC_ALL="C")
        verify = shutil.which("crm_verify")
        if verify is not None:
            try:
                checked = subprocess.run([verify, "--xml-file", path, "-V"], capture_output=True, text=True,
                                         env=env, timeout=120)
                result = "accepted, no errors or warnings" if checked.returncode == 0 and not checked.stderr.strip() \
                    else f"exit {checked.returncode}\n{(checked.stdout + checked.stderr).strip()}"
                click.echo(f"$ crm_verify --xml-file guide.xml -V: {result}")
            except subprocess.TimeoutExpired:
                click.echo("crm_verify did not finish within 120 s")
        cmd = [exe, "-x", path, "-S"] + [arg for n in nodes for arg in ("-u", n)]
        click.echo("$ crm_simulate -x guide.xml -S " + " ".join(f"-u {n}" for n in nodes))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
        except subprocess.TimeoutExpired:
            click.echo("crm_simulate did not finish within 120 s; skipped")
            return
    lines = proc.stdout.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Transition Summary")), None)
    if proc.returncode != 0 or start is None:
        click.echo(f"crm_simulate exited with {proc.returncode}:\n{proc.stderr.strip()}")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    click.echo("\n".join(lines[start:end]).rstrip())
    click.echo("(g_mysql and g_rabbitmq wait for a promoted DRBD instance: the drbd agent sets the promotion\n"
               " scores at runtime, which a simulation without agents does not have.)")


@click.command()
def demo() -> None:
    """Walk through the OpenStack HA Guide's configuration: verify, show, explain its mistakes, simulate."""
    fixed = _example("guide.crm")
    _heading("1. The Guide's configuration (typos fixed): hastack configure verify")
    result = check_crm_text(fixed, "guide.crm")
    for d in result.diagnostics:
        click.echo(d.render())
    config = result.raise_if_errors()
    click.echo(f"guide.crm: no errors, {len(result.warnings)} warnings; {len(config.nodes)} nodes, "
               f"{len(config.resources)} resources, {len(config.constraints)} constraints")

    _heading("2. As hastack stores it: hastack configure show")
    click.echo(render(config), nl=False)

    _heading("3. The Guide's snippets exactly as printed, each pasted after the fixed ones before it")
    _verbatim(fixed)

    click.echo("Not found without the agents' meta-data: ocf:openstack:neutron-dhcp-agent does not exist (the\n"
               "Guide downloads neutron-agent-dhcp), and neutron-metadata-agent has agent_config, not plugin_config.\n"
               "guide.crm fixes both (see its # FIX: comments).")

    _heading("4. Pacemaker's own scheduler on hastack's CIB XML export")
    try:
        from hastack import cib
    except ImportError:
        click.echo("CIB XML export (hastack.cib) is not available yet; skipped")
        return
    _simulate(cib.to_xml(config), [n.uname for n in config.nodes])
