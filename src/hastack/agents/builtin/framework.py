"""The skeleton every built-in agent shares: parameters, meta-data, dispatch, exit reasons.

An agent is an `AgentSpec` (its parameters and actions, from which the
meta-data XML is generated) plus one handler per action. `run(spec, argv,
environ)` does what an OCF shell agent does with ocf-shellfuncs: read
OCF_RESKEY_* with defaults, refuse a missing required parameter with rc 6
(rc 7 for a probe or stop, so a misconfigured resource that is not running
is not declared failed), print usage and return 3 for unknown actions, and
write `ocf-exit-reason:` lines.

Stdlib only, and only cheap modules (no dataclasses, no xml): every action starts a
interpreter, so import time is monitor latency. Imports nothing of hastack.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TextIO

# where built-in agents keep what lasts one boot only (pid files, state, sockets), as resource-agents' do
RUN_DIR = "/run/resource-agents"


def run_file(ctx: Context, param: str, agent: str, suffix: str) -> str:
    """The file parameter `param`, else this instance's default: RUN_DIR/<agent>-<instance>.<suffix>."""
    return ctx.params.get(param) or f"{RUN_DIR}/{agent}-{ctx.instance.replace(':', '-')}.{suffix}"


def escape(text: str) -> str:
    """XML text escaping (xml.sax.saxutils would pull in urllib and cost ~90 ms per agent start)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    return '"' + escape(text).replace('"', "&quot;") + '"'


OCF_SUCCESS, OCF_ERR_GENERIC, OCF_ERR_ARGS, OCF_ERR_UNIMPLEMENTED = 0, 1, 2, 3
OCF_ERR_PERM, OCF_ERR_INSTALLED, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = 4, 5, 6, 7


class Param(NamedTuple):
    name: str
    shortdesc: str
    longdesc: str = ""
    type: str = "string"
    required: bool = False
    unique: bool = False
    default: str | None = None
    reloadable: bool = False


class ActionDecl(NamedTuple):
    name: str
    timeout: str = "20s"
    interval: str | None = None
    depth: str | None = None


class Context:
    """What a handler sees: parameters (defaults applied), op facts, and output helpers."""

    def __init__(self, instance: str, params: dict[str, str], interval_ms: int, timeout_ms: int,
                 environ: Mapping[str, str], err: Any = None) -> None:
        self.instance = instance
        self.params = params
        self.interval_ms = interval_ms
        self.timeout_ms = timeout_ms
        self.environ = environ
        self.err = err if err is not None else sys.stderr

    @property
    def is_probe(self) -> bool:
        return self.interval_ms == 0

    @property
    def departed(self) -> str:
        """The peer a node-gone / node-back action is about (hastackd's notifier passes it as the meta
        attribute departed_uname: daemon.departure); "" when absent."""
        return self.environ.get("OCF_RESKEY_CRM_meta_departed_uname", "").strip()

    def reason(self, text: str) -> None:
        """Exit reason shown by the cluster (one line)."""
        print(f"{self.environ.get('OCF_EXIT_REASON_PREFIX', 'ocf-exit-reason:')}{text}", file=self.err)  # type: ignore[arg-type]

    def log(self, text: str) -> None:
        print(f"{self.instance}: {text}", file=self.err)  # type: ignore[arg-type]

    def flag(self, name: str) -> bool:
        return self.params.get(name, "").strip().lower() in ("1", "true", "yes", "on", "y")

    def number(self, name: str, default: float) -> float:
        try:
            return float(self.params.get(name) or default)
        except ValueError:
            return default


Handler = Callable[[Context], int]


class AgentSpec(NamedTuple):
    name: str
    shortdesc: str
    longdesc: str
    params: tuple[Param, ...]
    actions: tuple[ActionDecl, ...]
    handlers: Mapping[str, Handler]
    version: str = "1.0"

    def metadata(self) -> str:
        # OCF 1.1 content that also validates against OCF 1.0's ra-api-1.dtd (as ocf-tester checks).
        out = ['<?xml version="1.0"?>', '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">', f'<resource-agent name="{self.name}" version="{self.version}">',
               "<version>1.1</version>", f'<longdesc lang="en">{escape(self.longdesc)}</longdesc>',
               f'<shortdesc lang="en">{escape(self.shortdesc)}</shortdesc>', "<parameters>"]
        for p in self.params:
            extra = ' reloadable="1"' if p.reloadable else ""
            out.append(f'<parameter name="{p.name}" unique="{int(p.unique)}" required="{int(p.required)}"{extra}>')
            out.append(f'<longdesc lang="en">{escape(p.longdesc or p.shortdesc)}</longdesc>')
            out.append(f'<shortdesc lang="en">{escape(p.shortdesc)}</shortdesc>')
            default = f" default={quoteattr(p.default)}" if p.default is not None else ""
            out.append(f'<content type="{p.type}"{default}/>')
            out.append("</parameter>")
        out += ["</parameters>", "<actions>"]
        for a in self.actions:
            attrs = f' timeout="{a.timeout}"'
            if a.interval:
                attrs += f' interval="{a.interval}"'
            if a.depth:
                attrs += f' depth="{a.depth}"'
            out.append(f'<action name="{a.name}"{attrs}/>')
        out += ["</actions>", "</resource-agent>"]
        return "\n".join(out) + "\n"

    def usage(self) -> str:
        names = " ".join(a.name for a in self.actions)
        return f"usage: {self.name} {{{names}}}\n"


def context(spec: AgentSpec, environ: Mapping[str, str], err: TextIO | None = None) -> Context:
    params = {p.name: p.default for p in spec.params if p.default is not None}
    for key, value in environ.items():
        if key.startswith("OCF_RESKEY_") and not key.startswith("OCF_RESKEY_CRM_meta_"):
            params[key[len("OCF_RESKEY_"):]] = value

    def ms(name: str, default: int) -> int:
        try:
            return int(environ.get(f"OCF_RESKEY_CRM_meta_{name}", default))
        except ValueError:
            return default
    return Context(instance=environ.get("OCF_RESOURCE_INSTANCE", spec.name), params=params,
                   interval_ms=ms("interval", 0), timeout_ms=ms("timeout", 20_000), environ=environ, err=err)


def run(spec: AgentSpec, argv: list[str], environ: Mapping[str, str] | None = None,
        out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Dispatch one action as the agent process would; `out`/`err` default to sys.stdout/sys.stderr
    (hastackd's in-process monitors pass buffers and read them afterwards)."""
    env = os.environ if environ is None else environ
    stdout = sys.stdout if out is None else out
    stderr = sys.stderr if err is None else err
    if len(argv) < 2:
        stderr.write(spec.usage())
        return OCF_ERR_ARGS
    action = argv[1]
    if action == "meta-data":
        try:
            stdout.write(spec.metadata())
            stdout.flush()
        except BrokenPipeError:  # the reader went away (e.g. `| head`): not our failure
            pass
        return OCF_SUCCESS
    if action in ("usage", "help"):
        stdout.write(spec.usage())
        return OCF_SUCCESS
    if action == "status":
        action = "monitor"
    handler = spec.handlers.get(action)
    if handler is None:
        stderr.write(spec.usage())
        return OCF_ERR_UNIMPLEMENTED
    ctx = context(spec, env, stderr)
    missing = [p.name for p in spec.params if p.required and not ctx.params.get(p.name)]
    if missing:
        if action == "stop" or (action == "monitor" and ctx.is_probe):
            return OCF_SUCCESS if action == "stop" else OCF_NOT_RUNNING
        ctx.reason(f"missing required parameter(s): {', '.join(missing)}")
        return OCF_ERR_CONFIGURED
    try:
        return handler(ctx)
    except KeyboardInterrupt:
        return OCF_ERR_GENERIC


def main(spec: AgentSpec) -> None:
    sys.exit(run(spec, sys.argv))
