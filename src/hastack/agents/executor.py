"""The executor: run one action of one resource on this node and report what happened.

`Executor.execute(request)` = find the agent (classes), build its
invocation, run it with its timeout (process), map the class's codes to
OCF, pick the exit reason, mask secret parameter values in everything it
returns, and wrap it all as an ActionResult that carries Pacemaker's
interpretation (codes.interpret). Failures to find or start the agent are
results too (status not-installed / error), never exceptions, so a daemon
can record them; `resolve()` raises AgentError for callers (the CLI) that
want to refuse bad input up front.

Where an action runs: the monitor (probe or recurring) of a built-in agent
that has an in-process one (builtin/inprocess.py) in a worker thread of
this process inside the host's network namespace (nsthreads.py), with the
action's timeout — no process at all; other built-in actions fork from the
fork server; everything else is exec'd. When the worker threads refuse
(cannot enter the namespace, all stuck in checks that overran) the monitor
is forked after all.

Imports nothing of hastack beyond errors, model, agents.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from hastack.agents.action import ActionRequest, ActionResult
from hastack.agents.builtin import inprocess
from hastack.agents.classes import BUILTIN_OCF_ROOT, Host, Invocation, invocation, systemd_running
from hastack.agents.codes import ExecStatus, OcfRc
from hastack.agents.environment import EXIT_REASON_PREFIX, OCF_ROOT
from hastack.agents.forkserver import BUILTIN_PACKAGE, ForkServer, builtin_outcome
from hastack.agents.metadata import AgentMetadata, parse_metadata, validate_params
from hastack.agents.nsthreads import Finished, NamespaceThreads, Overdue, Refused
from hastack.agents.process import ProcessOutcome, run
from hastack.errors import AgentError, ConfigError, Diagnostic, Severity
from hastack.model.secrets import is_secret, mask_text
from hastack.model.values import AgentRef

METADATA_TIMEOUT_MS = 10_000
log = logging.getLogger("hastack.executor")


def local_host(node: str | None = None, state_dir: str | None = None, netns: str | None = None) -> Host:
    """The Host this process runs on: node name, interpreter, whether systemd is PID 1."""
    from hastack.store.paths import state_dir as default_state_dir  # the dir the shims use too

    name = node or os.environ.get("HASTACK_NODE") or socket.gethostname().split(".")[0]
    # $HASTACK_OCF_ROOTS: extra OCF roots (each with resource.d/<provider>/), searched first.
    extra = tuple(Path(p) for p in os.environ.get("HASTACK_OCF_ROOTS", "").split(":") if p)
    return Host(node=name, python=sys.executable, systemd_running=systemd_running(),
                state_dir=state_dir or str(default_state_dir()), netns=netns,
                provider_roots=(*extra, BUILTIN_OCF_ROOT, Path(OCF_ROOT)))


def exit_reason(stderr: str, stdout: str = "") -> str:
    """The last `ocf-exit-reason:` line (stderr first, as Pacemaker reads it)."""
    for text in (stderr, stdout):
        reasons = [line[len(EXIT_REASON_PREFIX):].strip() for line in text.splitlines()
                   if line.startswith(EXIT_REASON_PREFIX)]
        if reasons:
            return reasons[-1]
    return ""


def secret_values(req: ActionRequest, extra_names: frozenset[str] = frozenset()) -> list[str]:
    names = req.secret_names | extra_names
    return [v for k, v in (*req.params, *req.op_params) if is_secret(k, names)]


def _run_fence(fence: Callable[[list[str], str], tuple[int, str, str]], stdin: str,
               _tools: inprocess.WorkerTools) -> tuple[int, str, str]:
    return fence([], stdin)


@dataclass
class Executor:
    """Runs actions on one host; safe to share between threads.

    Holds a meta-data cache and, once a built-in agent ran, the fork server
    and the worker threads of in-process actions (call close() when done, or
    let them end with this process).
    """

    host: Host
    use_forkserver: bool = True  # built-in agents fork from a preloaded server (forkserver.py)
    in_process: bool = True  # built-in agents' cheap actions run in this process (builtin/inprocess.py)
    worker_threads: int = 16  # at most this many worker threads for them (nsthreads.py)
    _meta_cache: dict[tuple[str, str], AgentMetadata] = field(default_factory=dict)
    _forkserver: ForkServer | None = None
    _workers: NamespaceThreads[inprocess.WorkerTools] | None = None
    _refusal: str = ""  # why in-process actions last fell back to a process (logged when it changes)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    processes_started: int = 0  # actions this executor ran as a process (fork server or exec)

    def close(self) -> None:
        """Stop the fork server and the worker threads, if started (both also end with this process)."""
        if self._forkserver is not None:
            self._forkserver.close()
            self._forkserver = None
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    @property
    def forkserver_pid(self) -> int | None:
        return self._forkserver.pid if self._forkserver else None

    def _builtin_module(self, inv: Invocation) -> str | None:
        """`vip` for `python -m hastack.agents.builtin.vip ACTION` as classes builds it, else None."""
        argv = inv.argv
        if (len(argv) == 4 and argv[0] == self.host.python and argv[1] == "-m"
                and argv[2].startswith(BUILTIN_PACKAGE + ".") and inv.stdin is None):
            return argv[2][len(BUILTIN_PACKAGE) + 1:]
        return None

    def _run(self, inv: Invocation, timeout_s: float) -> ProcessOutcome:
        argv = inv.argv
        module = self._builtin_module(inv)
        job: Callable[[inprocess.WorkerTools], tuple[int, str, str]] | None = None
        if module and self.in_process and inprocess.runs_in_process(module, argv[3]):
            job = functools.partial(inprocess.run_action, module, argv[3], inv.env)
        elif self.in_process and len(argv) == 1 and inv.stdin is not None and (fence := inprocess.fence_agent(argv[0])):
            job = functools.partial(_run_fence, fence, inv.stdin.decode(errors="replace"))
        if job is not None:
            answered = self._run_in_process(job, timeout_s)
            if answered is not None:
                return answered
        with self._lock:
            self.processes_started += 1
        if module and self.use_forkserver:
            with self._lock:
                if self._forkserver is None:
                    self._forkserver = ForkServer(self.host.python, self.host.netns)
                server = self._forkserver
            return builtin_outcome(server, argv, inv.env, timeout_s)
        if self.host.netns:
            argv = ("ip", "netns", "exec", self.host.netns, *argv)
        return run(argv, inv.env, timeout_s, stdin_data=inv.stdin)

    def _run_in_process(self, job: Callable[[inprocess.WorkerTools], tuple[int, str, str]],
                        timeout_s: float) -> ProcessOutcome | None:
        """The action's outcome from a worker thread in the host's namespace; None: fork it instead."""
        threads = self._worker_threads()
        got = threads.call(job, timeout_s) \
            if isinstance(threads, NamespaceThreads) else Refused(threads)
        if isinstance(got, Finished):
            if self._refusal:
                log.info("in-process actions run again")
                self._refusal = ""
            rc, stdout, stderr = got.value
            return ProcessOutcome(rc, stdout, stderr, duration_ms=int(got.wall_s * 1000),
                                  cpu_ms=int(got.cpu_s * 1000), in_process=True)
        if isinstance(got, Overdue):
            return ProcessOutcome(OcfRc.ERR_GENERIC, "", "", duration_ms=int(timeout_s * 1000), cpu_ms=0,
                                  timed_out=True, in_process=True)
        with self._lock:
            changed, self._refusal = got.reason != self._refusal, got.reason
        if changed:  # once per reason, not once per monitor
            log.warning("in-process actions refused (%s): forking the agents instead", got.reason)
        return None

    def _worker_threads(self) -> NamespaceThreads[inprocess.WorkerTools] | str:
        """The worker threads of the host's namespace, (re)started when it is new or was re-created;
        why not, when they cannot be."""
        with self._lock:
            current = self._workers
            if current is not None and current.is_current():
                return current
            if current is not None:
                current.close()
                self._workers = None
            try:
                self._workers = NamespaceThreads(self.host.netns, inprocess.WorkerTools,
                                                 inprocess.WorkerTools.close, self.worker_threads)
            except OSError as err:
                return f"network namespace {self.host.netns}: {err.strerror or err}"
            return self._workers

    def resolve(self, req: ActionRequest) -> Invocation:
        return invocation(req, self.host)

    def execute(self, req: ActionRequest) -> ActionResult:
        started = time.time()
        try:
            inv = self.resolve(req)
        except AgentError as err:
            status = ExecStatus.NOT_INSTALLED if "unknown" in err.message or "does not exist" in err.message \
                else ExecStatus.ERROR
            rc: int = OcfRc.ERR_INSTALLED if status is ExecStatus.NOT_INSTALLED else OcfRc.ERR_GENERIC
            return ActionResult(req, rc, status,
                                exit_reason=err.message, started_at=started, detail=err.render())
        secrets = secret_values(req)
        if inv.immediate is not None:
            rc, reason = inv.immediate
            # The class answered without running anything (e.g. rc 3 for an action it lacks): a
            # completed action, which classify() reads as Pacemaker does (one-shot 3 is hard).
            return ActionResult(req, rc, ExecStatus.DONE, exit_reason=reason, started_at=started)
        out = self._run(inv, req.timeout_ms / 1000.0)
        if out.returncode is None:
            detail = f"cannot execute {inv.argv[0]}: {out.start_error}"
            return ActionResult(req, OcfRc.ERR_GENERIC, ExecStatus.ERROR, exit_reason=detail, started_at=started, detail=detail)
        stdout, stderr = mask_text(out.stdout, secrets), mask_text(out.stderr, secrets)
        reason = mask_text(exit_reason(out.stderr, out.stdout), secrets)
        if out.timed_out:
            detail = f"{req.action} timed out after {req.timeout_ms}ms; " + (
                "abandoned its in-process check (a thread cannot be killed; it is counted as stuck until the "
                "check returns)" if out.in_process else "killed its process group")
            return ActionResult(req, OcfRc.ERR_GENERIC, ExecStatus.TIMEOUT, exit_reason=reason, stdout=stdout, stderr=stderr,
                                duration_ms=out.duration_ms, cpu_ms=out.cpu_ms, started_at=started, detail=detail)
        rc = out.returncode
        if rc < 0:  # killed by a signal we did not send
            detail = f"agent killed by signal {-rc}"
            return ActionResult(req, OcfRc.ERR_GENERIC, ExecStatus.ERROR, exit_reason=reason or detail, stdout=stdout,
                                stderr=stderr, duration_ms=out.duration_ms, cpu_ms=out.cpu_ms,
                                started_at=started, detail=detail)
        rc, class_reason = inv.map_rc(rc, out.stdout)
        return ActionResult(req, rc, ExecStatus.DONE, exit_reason=reason or class_reason, stdout=stdout,
                            stderr=stderr, duration_ms=out.duration_ms, cpu_ms=out.cpu_ms, started_at=started)

    # --- meta-data and parameter checks -------------------------------------------------

    def metadata(self, agent: AgentRef) -> AgentMetadata:
        """The agent's parsed meta-data (cached per agent); AgentError when it has none."""
        key = (str(agent), self.host.node)
        if key in self._meta_cache:
            return self._meta_cache[key]
        req = ActionRequest(agent, "meta-data", timeout_ms=METADATA_TIMEOUT_MS)
        inv = self.resolve(req)
        if inv.immediate is not None and agent.cls in ("lsb", "service"):
            from hastack.agents.classes import lsb_metadata
            xml = lsb_metadata(self.host.init_d / agent.type)
        elif inv.immediate is not None:
            xml = (f'<resource-agent name="{agent.type}"><version>1.0</version><parameters/>'
                   '<actions><action name="start" timeout="100s"/><action name="stop" timeout="100s"/>'
                   '<action name="monitor" timeout="100s" interval="60s"/></actions></resource-agent>')
        else:
            result = self.execute(req)
            if result.status is not ExecStatus.DONE or result.rc != OcfRc.OK:
                raise AgentError(f"{agent}: meta-data failed: {result.summary()}",
                                 hint=(result.stderr.strip().splitlines() or [""])[-1])
            xml = result.stdout
        meta = parse_metadata(xml, str(agent))
        self._meta_cache[key] = meta
        return meta

    def check_params(self, agent: AgentRef, params: Mapping[str, str]) -> list[Diagnostic]:
        return validate_params(str(agent), self.metadata(agent), params, stonith=agent.cls == "stonith")

    def prepare(self, req: ActionRequest, *, strict: bool = True) -> ActionRequest:
        """Check req's parameters against the agent's meta-data and add its secret names.

        Raises ConfigError when strict and a parameter is unknown or a required one missing
        (meta-data needs none).
        """
        if req.action in ("meta-data", "metadata"):
            return req
        try:
            meta = self.metadata(req.agent)
        except AgentError:
            if strict:
                raise
            return req  # unchecked run of an agent without usable meta-data
        diags = validate_params(str(req.agent), meta, dict(req.params), stonith=req.agent.cls == "stonith")
        if strict and any(d.severity is Severity.ERROR for d in diags):
            raise ConfigError(diags)
        return replace(req, secret_names=req.secret_names | meta.secret_names)


def validate_agent_params(agent: AgentRef | str, params: Mapping[str, str],
                          executor: Executor | None = None) -> list[Diagnostic]:
    """Configure-time check of a resource's parameters against its agent's meta-data.

    Errors for unknown parameters (with a did-you-mean) and missing required
    ones, warnings for type mismatches and deprecated parameters; an agent
    that is not installed (or has no meta-data) is one error saying so.
    """
    ref = AgentRef.parse(agent) if isinstance(agent, str) else agent
    ex = executor or Executor(local_host(), use_forkserver=False)
    try:
        return ex.check_params(ref, params)
    except AgentError as err:
        return [Diagnostic(err.message, hint=err.hint)]
