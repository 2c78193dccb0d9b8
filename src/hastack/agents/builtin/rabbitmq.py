"""ocf:hastack:rabbitmq — one RabbitMQ node per cluster node, run as a clone; the instances form one
RabbitMQ cluster with quorum queues as the default queue type and pause_minority partition handling.

Actions:

* start: write the Erlang cookie (from the `erlang_cookie` parameter, a secret: it goes into
  $HOME/.erlang.cookie with mode 0400, never onto a command line, into a log or an exit reason) and
  rabbitmq.conf, then read the peers' reports (the permanent node attribute `rabbitmq-<resource>`,
  through the crm_attribute shim: the cluster store) until `rabbitmq_plan.decide` says form, start,
  join, rejoin or reset-and-join, or the deadline passes (rc 1, the reason says whom it waited for).
  Then run the broker (`rabbitmq-server` in a session of its own), `join_cluster` when told to, and
  wait until the node is a running member. The node that forms a new cluster makes quorum the
  default queue type of the vhost and sets the Guide's `ha-mode: all` policy where the installed
  RabbitMQ still has classic mirroring (3.x; 4.0 removed it).
* monitor: 7 not running; 0 a running member of a cluster that holds every configured node whose
  broker answers; 1 when the node runs but has been paused, partitioned or outside its peers'
  cluster for longer than `partition_grace` seconds. Keeps the node's report current.
* node-gone (hastack's, not OCF's: daemon.departure): a peer hastack proved down is disconnected at
  once (`erlang:disconnect_node`, through erl_call), so its queues fail over without waiting for net_ticktime.
* stop: `rabbitmqctl stop`, then SIGTERM/SIGKILL of the process group at the deadline; the report
  says `stopped` (and keeps the members: the node was one, and holds their data).

Node names: `<nodename_prefix>@<address>` from `nodes`. Addresses with a dot (IPs, FQDNs) make
Erlang long names (RABBITMQ_USE_LONGNAME): nothing to resolve, which is what works in the namespace
lab, where the namespaces share the host's /etc/hosts (`ip netns exec` bind-mounts /etc/netns/NS/hosts,
but a process entering with setns does not get it). Bare host names give short names, which must
resolve on every node.

Every rabbitmqctl call has a timeout; every wait has a deadline derived from the operation's.

Why not ClusterLabs' ocf:heartbeat:rabbitmq-cluster or rabbitmq-server-ha (resource-agents 4.12,
/usr/lib/ocf/resource.d/heartbeat/ here)? Read, not run against the lab:

* Both run the Debian wrappers /usr/sbin/rabbitmq-server and rabbitmqctl, which `su rabbitmq` and
  cd to /var/lib/rabbitmq: one data directory (/var/lib/rabbitmq/mnesia), one cookie file and one
  pid file per machine (rabbitmq-cluster hard-codes them), so two nodes cannot share a filesystem
  as the lab's hosts do. Node names come from the host name (`rabbit@$(hostname)`), which every
  lab namespace shares (`vm`).
* rabbitmq-cluster takes no cookie (the operator copies the file, as the Guide does) and wipes the
  node's data before every join and before forming (rmq_wipe_data): a restarted node loses its
  quorum-queue replicas instead of rejoining with them.
* rabbitmq-server-ha is a promotable agent whose promoted node is the one others join, and which
  fences clients with iptables (no iptables/nft on this machine).

This agent decides in rabbitmq_plan (pure, table-tested), rejoins with the node's own data when its
peers still know it, and resets only a node they forgot.

Imports nothing of hastack beyond agents.builtin; the peers' reports go through the crm_attribute
shim (HA_SBIN_DIR or PATH), as a shell agent's would.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time

from hastack.agents.builtin import nodestate, procs
from hastack.agents.builtin import rabbitmq_plan as plan
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_SUCCESS, ActionDecl, AgentSpec, Context, Param, main)

POLL_S = 1.0  # between two reads of the peers' reports (each read is a shim process per peer)
PROBE_S = 0.5  # connect timeout of a peer's AMQP port


class Layout:
    """Where this instance's files are and who the nodes are, from the parameters (validated)."""

    def __init__(self, ctx: Context, nodes: dict[str, str], me: str, longnames: bool) -> None:
        p = ctx.params
        self.ctx = ctx
        self.nodes = nodes  # cluster node name -> address, in the order given
        self.me = me
        self.longnames = longnames
        prefix = p["nodename_prefix"]
        self.erlang = {n: plan.erlang_name(prefix, a) for n, a in nodes.items()}
        self.by_erlang = {e: n for n, e in self.erlang.items()}
        self.node = self.erlang[me]
        self.bin_dir, self.data_dir, self.log_dir, self.pid = p["bin_dir"], p["data_dir"], p["log_dir"], p["pid"]
        self.port = int(p["amqp_port"])
        self.attribute = f"rabbitmq-{ctx.instance.split(':')[0]}"
        self.mnesia = os.path.join(self.data_dir, "mnesia")
        self.config = os.path.join(self.data_dir, "hastack-rabbitmq.conf")
        self.plugins = os.path.join(self.data_dir, "hastack-enabled-plugins")
        self.cookie = os.path.join(self.data_dir, ".erlang.cookie")
        # The agent's own files live beside the broker's pid file (one broker per pid file).
        self.run_dir = os.path.dirname(self.pid) or "."
        self.agent_pid = os.path.join(self.run_dir, "hastack-rabbitmq.pid")
        self.unhealthy = os.path.join(self.run_dir, "hastack-rabbitmq.unhealthy")
        self.published = os.path.join(self.run_dir, "hastack-rabbitmq.published")
        self.server_log = os.path.join(self.log_dir, "hastack-rabbitmq-server.out")

    @property
    def peers(self) -> list[str]:
        return [n for n in self.nodes if n != self.me]

    def tool(self, name: str) -> str:
        return os.path.join(self.bin_dir, name)

    def env(self) -> dict[str, str]:
        """The environment of the broker and of every CLI call: HOME holds the cookie file."""
        p = self.ctx.params
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "OCF_RESKEY_"))}
        address = self.nodes[self.me]
        env.update({"HOME": self.data_dir, "RABBITMQ_NODENAME": self.node,
                    "RABBITMQ_USE_LONGNAME": "true" if self.longnames else "false",
                    "RABBITMQ_MNESIA_BASE": self.mnesia, "RABBITMQ_LOG_BASE": self.log_dir,
                    "RABBITMQ_PID_FILE": self.pid, "RABBITMQ_CONFIG_FILE": self.config,
                    "RABBITMQ_ENABLED_PLUGINS_FILE": self.plugins,
                    "RABBITMQ_CONF_ENV_FILE": os.devnull,  # the parameters, not /etc/rabbitmq, say who this is
                    "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": f"-kernel net_ticktime {int(float(p['net_ticktime']))} "
                                                          f"{p.get('erl_args', '')}".strip()})
        if _is_ip(address):
            env["RABBITMQ_NODE_IP_ADDRESS"] = address
        return env


def _is_ip(text: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)
        return True
    except OSError:
        return False


# --- validation --------------------------------------------------------------------------------------

def layout(ctx: Context) -> Layout | tuple[int, str]:
    """The instance's layout, or (rc, reason) saying what is wrong and how to fix it (never the cookie)."""
    p = ctx.params
    nodes = plan.parse_nodes(p["nodes"])
    if nodes is None:
        return OCF_ERR_CONFIGURED, ("nodes must be node:address pairs separated by ';' (each node once), "
                                    f"got {p['nodes']!r}")
    me = nodestate.local_node(ctx)
    if me not in nodes:
        return OCF_ERR_CONFIGURED, (f"this node ({me}) is not in nodes ({', '.join(nodes)}): add it, or keep the "
                                    "resource off this node with a location constraint")
    longnames = plan.use_longnames(list(nodes.values()))
    if longnames is None:
        return OCF_ERR_CONFIGURED, ("nodes mixes bare host names and dotted addresses: use IPs or FQDNs for all "
                                    "(Erlang long names) or bare host names for all (short names)")
    problem = plan.check_cookie(p["erlang_cookie"])
    if problem:
        return OCF_ERR_CONFIGURED, problem
    for name in ("partition_grace", "net_ticktime", "cli_timeout", "coordination_timeout", "amqp_port"):
        value = p.get(name, "")
        if value and not nodestate.is_number(value):
            return OCF_ERR_CONFIGURED, f"{name} must be a non-negative number, got {value!r}"
    if float(p["net_ticktime"]) < 1:
        return OCF_ERR_CONFIGURED, f"net_ticktime must be at least 1 s, got {p['net_ticktime']!r}"
    if p["default_queue_type"] not in plan.QUEUE_TYPES:
        return OCF_ERR_CONFIGURED, (f"default_queue_type must be one of {', '.join(plan.QUEUE_TYPES)}, "
                                    f"got {p['default_queue_type']!r}")
    return Layout(ctx, nodes, me, longnames)


def validate_installation(lay: Layout) -> tuple[int, str] | None:
    for name in ("rabbitmq-server", "rabbitmqctl"):
        path = lay.tool(name)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return OCF_ERR_INSTALLED, (f"{path} is not an executable file on this node (apt-get install "
                                       "rabbitmq-server, or set bin_dir)")
    return None


def _prepared(ctx: Context, installed: bool = False) -> Layout | int:
    """The layout (and, with `installed`, the broker's scripts checked), or the rc after writing the reason."""
    lay = layout(ctx)
    problem = lay if isinstance(lay, tuple) else validate_installation(lay) if installed else None
    if problem:
        ctx.reason(problem[1])
        return problem[0]
    assert not isinstance(lay, tuple)
    return lay


# --- files the broker reads ------------------------------------------------------------------------------

def write_files(lay: Layout) -> None:
    for d in (lay.data_dir, lay.mnesia, lay.log_dir, lay.run_dir):
        os.makedirs(d, mode=0o755, exist_ok=True)
    # The cookie: Erlang refuses a file others can read; rewritten only when it differs.
    cookie = lay.ctx.params["erlang_cookie"]
    try:
        with open(lay.cookie, encoding="ascii") as f:
            same = f.read() == cookie
    except (OSError, UnicodeDecodeError):
        same = False
    if not same:
        tmp = f"{lay.cookie}.tmp"
        nodestate.unlink(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(cookie)
        os.replace(tmp, lay.cookie)
    address = lay.nodes[lay.me]
    listener = f"{address}:{lay.port}" if _is_ip(address) and ":" not in address else str(lay.port)
    conf = [f"listeners.tcp.default = {listener}",
            "cluster_partition_handling = pause_minority",
            f"cluster_name = {lay.attribute}",
            *lay.ctx.params.get("additional_config", "").replace("\\n", "\n").splitlines()]
    nodestate.write(lay.config, "\n".join(line.strip() for line in conf if line.strip()) + "\n")
    plugins = [x.strip() for x in lay.ctx.params.get("plugins", "").split(",") if x.strip()]
    nodestate.write(lay.plugins, f"[{','.join(plugins)}].\n")


def node_data(lay: Layout) -> list[str]:
    """This node's files in the mnesia base (its database, feature flags, expanded plugins)."""
    try:
        return [os.path.join(lay.mnesia, e) for e in os.listdir(lay.mnesia) if e.startswith(lay.node)]
    except FileNotFoundError:
        return []


def has_data(lay: Layout) -> bool:
    db = os.path.join(lay.mnesia, lay.node)
    return os.path.isdir(db) and bool(os.listdir(db))


# --- the broker and rabbitmqctl ------------------------------------------------------------------------

def server_pid(lay: Layout) -> int | None:
    return procs.running_pid(lay.pid, "beam.smp")


def ctl(lay: Layout, *args: str, tool: str = "rabbitmqctl", timeout_s: float | None = None,
        node: str = "") -> tuple[int, str]:
    """(rc, output) of one CLI call to this node (or `node`), bounded; rc 124 when it timed out or could not run."""
    limit = timeout_s if timeout_s is not None else lay.ctx.number("cli_timeout", 20)
    cmd = [lay.tool(tool), "-n", node or lay.node, *(["--longnames"] if lay.longnames else []), "-q", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=limit, env=lay.env(), cwd=lay.data_dir)
    except subprocess.TimeoutExpired:
        return 124, f"{tool} {args[0]} did not answer within {limit:g} s"
    except OSError as err:
        return 124, f"{tool} {args[0]}: {err.strerror or err}"
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def cluster_view(lay: Layout, timeout_s: float | None = None, node: str = "") -> plan.View | str:
    rc, out = ctl(lay, "cluster_status", "--formatter", "json", timeout_s=timeout_s, node=node)
    if rc == 0:
        try:
            view = plan.parse_view(json.loads(out[out.find("{"):]))
        except ValueError:
            view = None
        return view if view is not None else plan.UNREACHABLE
    return plan.classify_failure(out)


def amqp_answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=PROBE_S):
            return True
    except OSError:
        return False


def strangers(lay: Layout, view: plan.View | str) -> list[str]:
    """Configured peers outside the view's running nodes whose broker answers anyway."""
    if isinstance(view, str):
        return []
    return [lay.erlang[n] for n in lay.peers
            if lay.erlang[n] not in view.running and amqp_answers(lay.nodes[n], lay.port)]


# --- node attributes through the shims -------------------------------------------------------------

def peer_reports(lay: Layout) -> dict[str, plan.Report | None]:
    """Every peer's report (read in parallel through the shim)."""
    return {n: plan.parse_report(text) for n, text in
            nodestate.read_attributes(lay.ctx, lay.peers, lay.attribute, "forever").items()}


def publish(lay: Layout, report: plan.Report, force: bool) -> None:
    """Make the node's report this one; skip the write when it was already written."""
    text = plan.encode_report(report)
    try:
        with open(lay.published, encoding="utf-8") as f:
            if f.read() == text and not force:
                return
    except OSError:
        pass
    ok = nodestate.set_attribute(lay.ctx, lay.me, "forever", ["-n", lay.attribute, "-v", text])
    try:
        if ok:
            nodestate.write(lay.published, text)
        else:
            nodestate.unlink(lay.published)  # unknown: write again next time
    except OSError:  # no run dir yet (a probe before any start)
        pass


def last_members(lay: Layout) -> tuple[str, ...]:
    try:
        with open(lay.published, encoding="utf-8") as f:
            report = plan.parse_report(f.read())
    except OSError:
        report = None
    return report.members if report else ()


# --- actions -----------------------------------------------------------------------------------------

def monitor(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    alive = server_pid(lay) is not None
    view: plan.View | str = cluster_view(lay) if alive else plan.UNREACHABLE
    problem = plan.problems(view, lay.node, strangers(lay, view)) if alive else ""
    since = nodestate.read_since(lay.unhealthy)
    verdict = plan.monitor_verdict(alive, problem, since, time.monotonic(), ctx.number("partition_grace", 30))
    nodestate.keep_since(lay.unhealthy, since, verdict.unhealthy_since)
    if alive and not problem and isinstance(view, plan.View):
        publish(lay, plan.Report(plan.RUNNING, plan.members(view, lay.by_erlang)), force=ctx.is_probe)
    if verdict.reason:
        ctx.reason(verdict.reason)
    elif problem:
        ctx.log(f"unhealthy, within the grace: {problem}")
    return verdict.rc


def start(ctx: Context) -> int:
    began = time.monotonic()
    lay = _prepared(ctx, installed=True)
    if isinstance(lay, int):
        return lay
    deadline = began + max(10.0, ctx.timeout_ms / 1000.0 - 3.0)  # leave time to answer before the op timeout
    if server_pid(lay) is not None:
        return wait_until_member(lay, "", deadline, "already running")
    nodestate.unlink(lay.unhealthy)
    write_files(lay)
    coordination = ctx.number("coordination_timeout", 0) or (deadline - began) / 2
    decision = coordinate(lay, min(deadline, began + coordination))
    if decision.verdict == plan.WAIT:
        ctx.reason(f"gave up after {time.monotonic() - began:.0f} s: {decision.reason}")
        return OCF_ERR_GENERIC
    ctx.log(f"{decision.verdict}: {decision.reason} (after {time.monotonic() - began:.1f} s)")
    if decision.verdict == plan.RESET_JOIN:
        for path in node_data(lay):  # what `rabbitmqctl reset` removes, without a running node
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                nodestate.unlink(path)
    rc = launch(lay, deadline)
    if rc != OCF_SUCCESS:
        return rc
    target = lay.erlang[decision.target] if decision.target else ""
    if decision.verdict in (plan.JOIN, plan.RESET_JOIN):
        rc = join(lay, target, deadline)
        if rc != OCF_SUCCESS:
            return rc
    rc = wait_until_member(lay, target, deadline, decision.verdict)
    if rc == OCF_SUCCESS:
        if decision.verdict == plan.FORM:
            configure_new_cluster(lay)
        else:
            # A node is a member only of the quorum queues declared while it was in the cluster (RabbitMQ
            # 3.x never adds members by itself): a queue declared while the cluster formed kept its one
            # member and refused publishes for 51 s when that node lost power; after a reset,
            # forget_cluster_node took the node out of every queue. Every start that ends in a cluster
            # puts it back into all of them (grow adds only where it is missing).
            grown, out = ctl(lay, "grow", lay.node, "all", tool="rabbitmq-queues")
            ctx.log(f"rabbitmq-queues grow: {'done' if grown == 0 else out[-200:]}")
        ctx.log(f"a running member after {time.monotonic() - began:.1f} s")
    return rc


def coordinate(lay: Layout, deadline: float) -> plan.Decision:
    """Read the peers and decide, again every POLL_S, until the decision is not WAIT or time is up."""
    data = has_data(lay)
    while True:
        reports = peer_reports(lay)
        peers = [plan.Peer(n, r, r is not None and r.phase == plan.RUNNING
                           and amqp_answers(lay.nodes[n], lay.port)) for n, r in reports.items()]
        decision = plan.decide(lay.me, data, peers, list(lay.nodes))
        if decision.verdict in (plan.REJOIN, plan.RESET_JOIN):
            # Rejoin or reset hangs on the members the target lists; its report is only as fresh as its
            # last monitor (a forget_cluster_node since then is not in it), so ask the target itself.
            view = cluster_view(lay, node=lay.erlang[decision.target])
            if isinstance(view, plan.View):
                live = plan.Report(plan.RUNNING, plan.members(view, lay.by_erlang))
                peers = [p._replace(report=live) if p.name == decision.target else p for p in peers]
                decision = plan.decide(lay.me, data, peers, list(lay.nodes))
        if decision.verdict != plan.WAIT or time.monotonic() + POLL_S > deadline:
            return decision
        time.sleep(POLL_S)


def launch(lay: Layout, deadline: float) -> int:
    """Start the broker and wait until its AMQP listener answers (the rabbit application runs)."""
    try:
        procs.spawn([lay.tool("rabbitmq-server")], lay.agent_pid, lay.server_log, None, lay.data_dir, lay.env())
    except OSError as err:
        lay.ctx.reason(f"cannot start {lay.tool('rabbitmq-server')}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    address = lay.nodes[lay.me] if _is_ip(lay.nodes[lay.me]) else "127.0.0.1"
    while not amqp_answers(address, lay.port):
        if procs.running_pid(lay.agent_pid) is None:
            lay.ctx.reason(f"rabbitmq-server exited during start; see {lay.server_log} and {lay.log_dir}")
            return OCF_ERR_GENERIC
        if time.monotonic() > deadline:
            lay.ctx.reason(f"the broker did not open its AMQP port by the start deadline; see {lay.log_dir}")
            return OCF_ERR_GENERIC
        time.sleep(0.3)
    return OCF_SUCCESS


def join(lay: Layout, target: str, deadline: float) -> int:
    for step in (("stop_app",), ("join_cluster", target), ("start_app",)):
        left = deadline - time.monotonic()
        if left < 1:
            lay.ctx.reason(f"no time left to {step[0]} (joining {target})")
            return OCF_ERR_GENERIC
        rc, out = ctl(lay, *step, timeout_s=min(left, max(lay.ctx.number("cli_timeout", 20), 60)))
        if rc != 0:
            last = out.splitlines()[-1] if out else f"rc {rc}"
            lay.ctx.reason(f"rabbitmqctl {step[0]} failed while joining {target}: {last[:200]}")
            return OCF_ERR_GENERIC
    return OCF_SUCCESS


def wait_until_member(lay: Layout, target: str, deadline: float, how: str) -> int:
    """Until the node runs, is clustered (with `target` when given) and healthy, or the deadline."""
    while True:
        if server_pid(lay) is None and procs.running_pid(lay.agent_pid) is None:
            lay.ctx.reason(f"rabbitmq-server exited during start ({how}); see {lay.log_dir}")
            return OCF_ERR_GENERIC
        view = cluster_view(lay, timeout_s=max(1.0, min(deadline - time.monotonic(), 15)))
        problem = plan.problems(view, lay.node, [])
        if not problem and isinstance(view, plan.View) and (not target or target in view.running):
            publish(lay, plan.Report(plan.RUNNING, plan.members(view, lay.by_erlang)), force=True)
            return OCF_SUCCESS
        if time.monotonic() > deadline:
            lay.ctx.reason(f"not a running member at the start deadline ({how}"
                           f"{', with ' + target if target else ''}): {problem or 'not clustered yet'}")
            return OCF_ERR_GENERIC
        time.sleep(0.5)


def configure_new_cluster(lay: Layout) -> None:
    """The first node of a new cluster: the vhost's default queue type and the Guide's mirroring policy."""
    p = lay.ctx.params
    vhost, qtype = p["vhost"], p["default_queue_type"]
    rc, out = ctl(lay, "list_vhosts", "name", "default_queue_type", "--no-table-headers")
    current = {line.split("\t")[0]: line.split("\t")[-1] for line in out.splitlines() if "\t" in line}
    if rc == 0 and current.get(vhost) != qtype:
        if vhost in current:
            # 3.10 cannot change an existing vhost's default queue type (update_vhost_metadata is 3.11+);
            # the cluster was formed a moment ago, so the vhost is empty: re-create it, keeping its grants.
            _, grants = ctl(lay, "list_permissions", "-p", vhost, "--no-table-headers")
            ctl(lay, "delete_vhost", vhost)
            ctl(lay, "add_vhost", vhost, "--default-queue-type", qtype)
            for line in grants.splitlines():
                fields = line.split("\t")
                if len(fields) == 4:
                    ctl(lay, "set_permissions", "-p", vhost, *fields)
        else:
            ctl(lay, "add_vhost", vhost, "--default-queue-type", qtype)
        lay.ctx.log(f"vhost {vhost}: default queue type {qtype}")
    pattern = p.get("mirror_policy", "")
    if not pattern:
        return
    view = ctl(lay, "version")
    if view[0] == 0 and plan.mirroring_supported(view[1]):
        rc, out = ctl(lay, "set_policy", "-p", vhost, "HA", pattern, '{"ha-mode": "all"}', "--apply-to", "queues")
        lay.ctx.log(f"policy HA {pattern} ha-mode=all: {'set' if rc == 0 else out[-200:]}")
    else:
        lay.ctx.log(f"RabbitMQ {view[1] or '?'} has no classic mirroring: policy HA not set (quorum queues replicate)")


def stop(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    grace = max(3.0, ctx.timeout_ms / 1000.0 * 0.8 - 2)
    began = time.monotonic()
    pid = server_pid(lay)
    if pid is not None:
        ctl(lay, "stop", timeout_s=grace / 2)  # a clean shutdown: the node tells its peers it leaves
        while procs.process_alive(pid) and time.monotonic() - began < grace / 2:
            time.sleep(0.1)
    for left in (pid, procs.running_pid(lay.agent_pid)):
        if left is not None and procs.process_alive(left):
            if not procs.terminate(left, max(1.0, grace - (time.monotonic() - began))):
                ctx.reason(f"the broker (pid {left}) survived SIGKILL")
                return OCF_ERR_GENERIC
    for path in (lay.unhealthy, lay.agent_pid):
        nodestate.unlink(path)
    members = last_members(lay)
    if members:
        publish(lay, plan.Report(plan.STOPPED, members), force=False)
    return OCF_SUCCESS


ERL_CALL = "/usr/lib/erlang/bin/erl_call"  # erlang-base ships it (a C distribution client: no VM to boot)


def disconnect(lay: Layout, erlang: str, timeout_s: float) -> tuple[int, str]:
    """Have the local broker drop its connection to node `erlang`. Through erl_call, which answers in ~0.3 s
    where `rabbitmqctl eval` boots an Erlang VM first (48 s once on this loaded 2-CPU machine: later than
    net_ticktime itself); rabbitmqctl only where erl_call is not installed. Both read the cookie from HOME."""
    if not os.access(ERL_CALL, os.X_OK):
        return ctl(lay, "eval", f"erlang:disconnect_node('{erlang}').", timeout_s=timeout_s)
    cmd = [ERL_CALL, "-name" if lay.longnames else "-sname", lay.node, "-a", f"erlang disconnect_node ['{erlang}']"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=lay.env(), cwd=lay.data_dir)
    except subprocess.TimeoutExpired:
        return 124, f"erl_call did not answer within {timeout_s:g} s"
    except OSError as err:
        return 124, f"erl_call: {err.strerror or err}"
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def node_gone(ctx: Context) -> int:
    """hastack proved the peer `departed` down (fenced, or its lease ran out past its self-fence deadline):
    drop this node's Erlang distribution connection to it, so that its processes see `nodedown` now -- the
    quorum queues it led elect a new leader, mnesia and pause_minority count it out -- instead of after
    net_ticktime (61 s at RabbitMQ's default, ~10 s at 10). Only ever on a proven death
    (daemon.departure): a disconnected live node reconnects, after a partition its peers would have to
    heal. A broker that is not running has nothing to do."""
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    node = nodestate.departed_peer(ctx, lay.peers)
    if node is None or server_pid(lay) is None:  # no server here: nothing to tell
        return OCF_ERR_CONFIGURED if node is None else OCF_SUCCESS
    erlang = lay.erlang[node]
    if not plan.quotable_atom(erlang):
        ctx.reason(f"the Erlang node name {erlang!r} cannot be quoted as an atom: check nodename_prefix")
        return OCF_ERR_CONFIGURED
    rc, out = disconnect(lay, erlang, max(2.0, ctx.timeout_ms / 1000.0 - 2))
    if rc != 0:
        ctx.reason(f"disconnecting {erlang} failed: {out.splitlines()[-1][:200] if out else f'rc {rc}'}")
        return OCF_ERR_GENERIC
    # true: it was connected and is not now; false: it was not connected (already down here)
    ctx.log(f"node-gone {node}: erlang:disconnect_node({erlang}) -> {out.strip().splitlines()[-1] if out else '?'}")
    return OCF_SUCCESS


def validate_all(ctx: Context) -> int:
    lay = _prepared(ctx, installed=True)
    return lay if isinstance(lay, int) else OCF_SUCCESS


SPEC = AgentSpec(
    name="rabbitmq",
    shortdesc="RabbitMQ cluster node (run as a clone): quorum queues by default, pause_minority",
    longdesc="Runs one RabbitMQ node per cluster node. The instances coordinate through node attributes: the "
             "first node of a new cluster forms it, the others join a running peer; a restarted node rejoins "
             "with its own data, a node its peers forgot is reset and joins. Quorum is the vhost's default "
             "queue type; the Guide's ha-mode=all policy is set where classic mirroring exists (3.x).",
    params=(
        Param("nodes", "Cluster node to RabbitMQ address map", "n1:addr1;n2:addr2;n3:addr3: every node of the "
              "RabbitMQ cluster. Erlang node names are <nodename_prefix>@<address>: long names for IPs and "
              "FQDNs, short names for bare host names (they must resolve everywhere).", required=True),
        Param("erlang_cookie", "Erlang cookie shared by the nodes (secret)", "Written to <data_dir>/.erlang.cookie "
              "with mode 0400; never logged.", required=True),
        Param("nodename_prefix", "Erlang node name before the @", default="rabbit"),
        Param("data_dir", "HOME of the broker and the CLI: cookie, configuration, mnesia/",
              default="/var/lib/rabbitmq"),
        Param("log_dir", "Log directory", default="/var/log/rabbitmq"),
        Param("pid", "Broker pid file", default="/run/rabbitmq/rabbitmq.pid"),
        Param("bin_dir", "Directory of rabbitmq-server and rabbitmqctl", "The real scripts, not the /usr/sbin "
              "wrappers (they su to rabbitmq and force /var/lib/rabbitmq).", default="/usr/lib/rabbitmq/bin"),
        Param("amqp_port", "AMQP port (distribution: this + 20000)", type="integer", default="5672"),
        Param("net_ticktime", "Erlang net_ticktime in seconds", "How long a silent peer (host death, link cut) "
              "takes to be declared down: 61 s at RabbitMQ's default 60, 10.4 s at 10 (measured).",
              type="integer", default="10"),
        Param("default_queue_type", "Default queue type of the vhost (quorum, classic, stream)", default="quorum"),
        Param("vhost", "Virtual host the cluster's policies apply to", default="/"),
        Param("mirror_policy", "Queue name pattern of the Guide's ha-mode=all policy (empty: none)",
              "Set only where classic mirroring exists (RabbitMQ 3.x); it mirrors classic queues, quorum queues "
              "replicate by themselves.", default=r"^(?!amq\.).*"),
        Param("partition_grace", "Seconds a running node may be paused, partitioned or unclustered before "
              "monitor fails", type="integer", default="30"),
        Param("coordination_timeout", "Seconds start waits for the peers", "Default: half of the start timeout.",
              type="integer"),
        Param("cli_timeout", "Seconds one rabbitmqctl call may take", type="integer", default="20"),
        Param("plugins", "Comma-separated plugins to enable", default=""),
        Param("erl_args", "Extra Erlang VM arguments", "For example +sbwt none to stop schedulers busy-waiting."),
        Param("additional_config", "Extra rabbitmq.conf lines (\\n separates lines)"),
    ),
    actions=(ActionDecl("start", "240s"), ActionDecl("stop", "120s"), ActionDecl("monitor", "40s", "20s", "0"),
             ActionDecl("node-gone", "20s"), ActionDecl("meta-data", "5s"), ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "node-gone": node_gone, "validate-all": validate_all},
)

if __name__ == "__main__":
    main(SPEC)
