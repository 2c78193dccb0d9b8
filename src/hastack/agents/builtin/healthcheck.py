"""ocf:hastack:HealthCheck — an HTTP or TCP endpoint as a cluster resource.

Nothing is started: `start` checks the endpoint once and records that the
check is active on this node (a state file, like ocf:pacemaker:Dummy);
`stop` removes the record; `monitor` returns 7 when not active, else 0 if
the endpoint answers in `check_timeout` seconds as expected and 1 with the
reason otherwise. Give `url` (http/https, expected status codes in
`expect_status`, e.g. `200,3xx`, optional `expect_body` substring) or
`host` + `port` for a plain TCP connect.

Imports nothing of hastack beyond agents.builtin.
"""

from __future__ import annotations

from pathlib import Path

from hastack.agents.builtin import procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_NOT_RUNNING, OCF_SUCCESS,
                                              ActionDecl, AgentSpec, Context, Param, main)

RUN_DIR = "/run/resource-agents"


def state_file(ctx: Context) -> Path:
    return Path(ctx.params.get("state") or f"{RUN_DIR}/HealthCheck-{ctx.instance.replace(':', '-')}.state")


def validate(ctx: Context) -> int:
    url, host, port = ctx.params.get("url", ""), ctx.params.get("host", ""), ctx.params.get("port", "")
    if bool(url) == bool(host or port):
        ctx.reason("give either url= or host= and port=")
        return OCF_ERR_CONFIGURED
    if url and not url.startswith(("http://", "https://")):
        ctx.reason(f"url must start with http:// or https://, got {url!r}")
        return OCF_ERR_CONFIGURED
    if not url and not (host and port.isdigit() and 0 < int(port) < 65536):
        ctx.reason(f"invalid host/port {host!r}:{port!r}")
        return OCF_ERR_CONFIGURED
    return OCF_SUCCESS


def probe_endpoint(ctx: Context) -> str | None:
    timeout = ctx.number("check_timeout", 5)
    if ctx.params.get("url"):
        return procs.check_http(ctx.params["url"], timeout, ctx.params.get("expect_status", ""),
                                ctx.params.get("expect_body", ""))
    return procs.check_tcp(ctx.params["host"], int(ctx.params["port"]), timeout)


def monitor(ctx: Context) -> int:
    if not state_file(ctx).exists():
        return OCF_NOT_RUNNING
    if validate(ctx) != OCF_SUCCESS:
        return OCF_ERR_CONFIGURED
    problem = probe_endpoint(ctx)
    if problem:
        ctx.reason(problem)
        return OCF_ERR_GENERIC
    return OCF_SUCCESS


def start(ctx: Context) -> int:
    rc = validate(ctx)
    if rc != OCF_SUCCESS:
        return rc
    problem = probe_endpoint(ctx)
    if problem:
        ctx.reason(problem)
        return OCF_ERR_GENERIC
    path = state_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("active\n")
    return OCF_SUCCESS


def stop(ctx: Context) -> int:
    state_file(ctx).unlink(missing_ok=True)
    return OCF_SUCCESS


SPEC = AgentSpec(
    name="HealthCheck",
    shortdesc="HTTP/TCP endpoint health check",
    longdesc="Monitors an HTTP(S) URL or a TCP port; fails the resource when the endpoint does not answer "
             "as expected within check_timeout.",
    params=(
        Param("url", "URL to check", "http:// or https:// URL."),
        Param("expect_status", "Expected HTTP status", "Comma-separated codes or classes (200,3xx); "
              "default: any status below 500."),
        Param("expect_body", "Expected body text", "A substring the response body must contain."),
        Param("host", "TCP host", "Host for a TCP connect check (with port)."),
        Param("port", "TCP port", "Port for a TCP connect check.", type="integer"),
        Param("check_timeout", "Check timeout (s)", "Seconds to wait for an answer.", type="integer", default="5"),
        Param("state", "State file", f"Default: {RUN_DIR}/HealthCheck-<resource>.state", unique=True),
    ),
    actions=(ActionDecl("start"), ActionDecl("stop"), ActionDecl("monitor", "20s", "10s", "0"),
             ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "validate-all": validate},
)

if __name__ == "__main__":
    main(SPEC)
