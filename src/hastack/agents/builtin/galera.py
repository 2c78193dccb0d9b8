"""ocf:hastack:galera — a MariaDB Galera cluster as a promotable clone: every started instance is a
synced member, the one Promoted instance is the single writer (where a VIP or HAProxy sends writes).

Actions:

* start: recover this node's position (grastate.dat, else `mariadbd --wsrep-recover`), publish it as
  the transient node attribute `galera-<resource>` (crm_attribute shim: the cluster store), then read
  the peers' reports until `galera_plan.decide` says bootstrap (only the most advanced node, with
  `--wsrep-new-cluster --wsrep-start-position=<its position>` and safe_to_bootstrap set in its
  grastate.dat alone), join (`gcomm://` every peer, with our position so IST can be used), or the
  deadline passes (rc 1, the reason says whom it waited for). Then wait until Synced and Primary.
* monitor: 7 not running; 0 a synced member of the primary component; 8 the same and promoted;
  1 when mariadbd runs but has not been Synced+Primary for `sync_grace` seconds (the cluster then
  stops and starts it: a start that joins again). Keeps the node's report and promotion score
  (100 when synced) current, writing only on change.
* promote: only a synced member becomes the writer (a marker file beside the pid file); demote drops it.
* node-gone (hastack's, not OCF's: daemon.departure): a peer hastack proved down is evicted at once
  (`evs.evict=<its gcomm UUID>`), so writes do not stall for evs.suspect_timeout.
* stop: SIGTERM (mariadbd's clean shutdown writes the real seqno into grastate.dat), SIGKILL at the
  deadline; the report and the promotion score are removed.

Durable by default: `--innodb-flush-log-at-trx-commit=1 --sync-binlog=1` on the command line
(`durable=false` leaves them to the configuration): a commit the writer acknowledged survives its
power loss, so recovery from the most advanced node loses no acknowledged row.

Why not ClusterLabs' ocf:heartbeat:galera (resource-agents 4.12, /usr/lib/ocf/resource.d/heartbeat/galera
here)? Read from the installed script and packages on this machine (it was not run against the lab):

* What blocks it: its Promoted role means "a running Galera member". start leaves mariadbd stopped
  (Unpromoted is only a position report), promote starts the server, and its header and example
  require `promoted-max` = the number of nodes. The Guide's single-writer routing needs Promoted to
  mean the one writer; with heartbeat's agent a colocation with the Promoted role matches every
  node, and promoted-max=1 would leave the other nodes' servers stopped.
* It starts `mysqld_safe` through `su - mysql` (mysql-common.sh's default binary; Debian 12 ships
  /usr/bin/mysqld_safe -> mariadbd-safe). That wrapper restarts a crashed mariadbd in its own loop,
  behind the cluster's back, and runs its own `--wsrep-recover` before every start; the pid the
  agent watches is the server's, the process tree is the wrapper's.
* Its bootstrap (galera_promote) passes `--wsrep-cluster-address=gcomm://` and leaves the start
  position to that wrapper; its waits are bounded only by the operation timeout.
  (Its other cluster calls, crm_attribute and crm_mon's XML, exist as hastack shims: not blockers.)

This agent decides in galera_plan (pure, table-tested), runs mariadbd itself (no wrapper: the
monitored pid is the server) and bounds every wait.

Imports nothing of hastack beyond agents.builtin; the peers' reports go through the crm_attribute
shim (HA_SBIN_DIR or PATH), as a shell agent's would.
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence

from hastack.agents.builtin import nodestate, procs
from hastack.agents.builtin.framework import (OCF_ERR_CONFIGURED, OCF_ERR_GENERIC, OCF_ERR_INSTALLED,
                                              OCF_NOT_RUNNING, OCF_SUCCESS, ActionDecl, AgentSpec, Context, Param,
                                              main)
from hastack.agents.builtin import galera_plan as plan

OCF_RUNNING_PROMOTED = 8
STATUS_SQL = ("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', 'wsrep_local_state_comment', "
              "'wsrep_cluster_status', 'wsrep_ready', 'wsrep_cluster_size', 'wsrep_cluster_state_uuid', "
              "'wsrep_last_committed')")
POLL_S = 1.0  # between two reads of the peers' reports (each read is a shim process per peer)


class Layout:
    """Where this instance's files are, and who the nodes are, from the parameters (validated)."""

    def __init__(self, ctx: Context, nodes: dict[str, str], me: str) -> None:
        p = ctx.params
        self.ctx = ctx
        self.nodes = nodes  # cluster node name -> Galera address, in wsrep_cluster_address order
        self.me = me
        self.binary, self.client, self.config = p["binary"], p["client_binary"], p["config"]
        self.datadir, self.socket, self.pid, self.log = p["datadir"], p["socket"], p["pid"], p["log"]
        self.user, self.group = p["user"], p["group"] or p["user"]
        self.attribute = f"galera-{ctx.instance.split(':')[0]}"
        # The agent's own files live beside the server's pid file: one server per pid file, so they
        # never collide, even for nodes that share /run (the namespace lab).
        self.run_dir = os.path.dirname(self.pid) or "."
        self.marker = os.path.join(self.run_dir, "hastack-galera.promoted")
        self.unhealthy = os.path.join(self.run_dir, "hastack-galera.unhealthy")
        self.published = os.path.join(self.run_dir, "hastack-galera.published")
        self.agent_pid = os.path.join(self.run_dir, "hastack-galera.pid")

    @property
    def grastate(self) -> str:
        return os.path.join(self.datadir, "grastate.dat")

    @property
    def peers(self) -> list[str]:
        return [n for n in self.nodes if n != self.me]

    def gcomm(self) -> str:
        return "gcomm://" + ",".join(self.nodes.values())


# --- validation --------------------------------------------------------------------------------------

def layout(ctx: Context) -> Layout | tuple[int, str]:
    """The instance's layout, or (rc, reason) saying what is wrong and how to fix it."""
    p = ctx.params
    addresses = plan.parse_gcomm(p["wsrep_cluster_address"])
    if addresses is None:
        return OCF_ERR_CONFIGURED, ("wsrep_cluster_address must be gcomm://host1,host2,... listing every "
                                    f"node, got {p['wsrep_cluster_address']!r}")
    host_map = plan.parse_host_map(p.get("cluster_host_map", ""))
    if host_map is None:
        return OCF_ERR_CONFIGURED, ("cluster_host_map must be node:address pairs separated by ';' "
                                    f"(each node once), got {p.get('cluster_host_map')!r}")
    nodes = plan.cluster_nodes(addresses, host_map)
    if isinstance(nodes, str):
        return OCF_ERR_CONFIGURED, nodes
    me = nodestate.local_node(ctx)
    if me not in nodes:
        return OCF_ERR_CONFIGURED, (f"this node ({me}) is not in the Galera cluster {', '.join(nodes)}: add it to "
                                    "wsrep_cluster_address/cluster_host_map, or keep the resource off this node "
                                    "with a location constraint")
    for name in ("sync_grace", "coordination_timeout", "gcomm_port"):
        value = p.get(name, "")
        if value and not nodestate.is_number(value):
            return OCF_ERR_CONFIGURED, f"{name} must be a number of seconds, got {value!r}"
    if p.get("check_passwd") and not p.get("check_user"):
        return OCF_ERR_CONFIGURED, "check_passwd is set but check_user is not: set both, or neither (root by socket)"
    return Layout(ctx, nodes, me)


def validate_installation(lay: Layout) -> tuple[int, str] | None:
    for what, path in (("binary", lay.binary), ("client_binary", lay.client)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return OCF_ERR_INSTALLED, f"{what} {path} is not an executable file on this node (apt-get install mariadb-server)"
    if not os.path.isfile(lay.config):
        return OCF_ERR_INSTALLED, f"config {lay.config} does not exist on this node"
    try:
        pwd.getpwnam(lay.user)
    except KeyError:
        return OCF_ERR_INSTALLED, f"user {lay.user} does not exist on this node"
    if not has_database(lay) and not lay.ctx.flag("enable_creation"):
        return OCF_ERR_CONFIGURED, (f"datadir {lay.datadir} holds no database: run mariadb-install-db there, "
                                    "or set enable_creation=true")
    return None


def has_database(lay: Layout) -> bool:
    return os.path.isdir(os.path.join(lay.datadir, "mysql"))


def _prepared(ctx: Context) -> Layout | int:
    """The layout, or the rc after writing the reason."""
    lay = layout(ctx)
    if isinstance(lay, tuple):
        ctx.reason(lay[1])
        return lay[0]
    return lay


# --- the server process and its status -------------------------------------------------------------

def server_pid(lay: Layout) -> int | None:
    for pidfile in (lay.agent_pid, lay.pid):
        pid = procs.running_pid(pidfile, lay.binary)
        if pid is not None:
            return pid
    return None


def client_env(lay: Layout) -> dict[str, str]:
    # The password travels in the client's environment, never on a command line or in a log.
    env = {k: v for k, v in os.environ.items() if k != "MYSQL_PWD"}
    if lay.ctx.params.get("check_passwd"):
        env["MYSQL_PWD"] = lay.ctx.params["check_passwd"]
    return env


def sql(lay: Layout, query: str, timeout_s: float) -> tuple[int, str]:
    """(rc, output) of one statement over the local socket, as check_user (root by default); rc 124 on timeout."""
    cmd = [lay.client, "--no-defaults", f"--socket={lay.socket}", "--connect-timeout=2", "-N", "-B"]
    if lay.ctx.params.get("check_user"):
        cmd.append(f"--user={lay.ctx.params['check_user']}")
    try:
        proc = subprocess.run([*cmd, "-e", query], capture_output=True, text=True, timeout=timeout_s,
                              env=client_env(lay))
    except subprocess.TimeoutExpired:
        return 124, f"no answer within {timeout_s:g} s"
    except OSError as err:
        return 124, str(err.strerror or err)
    return proc.returncode, (proc.stdout if proc.returncode == 0 else proc.stderr).strip()


def query_status(lay: Layout, timeout_s: float = 5.0) -> plan.Status | None:
    rc, out = sql(lay, STATUS_SQL, timeout_s)
    return plan.parse_status(out) if rc == 0 else None


def server_command(lay: Layout, extra: Sequence[str]) -> list[str]:
    # --defaults-file must come first; the rest overrides the file, so the agent's paths win.
    cmd = [lay.binary, f"--defaults-file={lay.config}", f"--user={lay.user}", f"--datadir={lay.datadir}",
           f"--socket={lay.socket}", f"--pid-file={lay.pid}", f"--log-error={lay.log}"]
    if lay.ctx.flag("durable"):
        cmd += ["--innodb-flush-log-at-trx-commit=1", "--sync-binlog=1"]
    return [*cmd, *extra, *shlex.split(lay.ctx.params.get("additional_parameters", ""))]


def prepare_dirs(lay: Layout) -> None:
    """Nothing recreates /run/mysqld without systemd: make the socket and pid dirs (and datadir) mysql's."""
    entry = pwd.getpwnam(lay.user)
    for d in {os.path.dirname(lay.socket), os.path.dirname(lay.pid), os.path.dirname(lay.log), lay.datadir}:
        if d and not os.path.isdir(d):
            os.makedirs(d, mode=0o755, exist_ok=True)
            os.chown(d, entry.pw_uid, entry.pw_gid)


def install_database(lay: Layout, timeout_s: float) -> str | None:
    tool = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db") or "/usr/bin/mariadb-install-db"
    # wsrep off: the bootstrap server must not check the SST settings the agent completes at start.
    cmd = [tool, f"--defaults-file={lay.config}", f"--user={lay.user}", f"--datadir={lay.datadir}", "--skip-test-db",
           "--wsrep-on=OFF"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{os.path.basename(tool)} failed: {err}"
    if proc.returncode != 0:
        return f"{os.path.basename(tool)} exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-200:]}"
    return None


def read_grastate(lay: Layout) -> tuple[plan.GraState | None, str]:
    try:
        with open(lay.grastate, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return None, ""
    return plan.parse_grastate(text), text


def recover_position(lay: Layout, timeout_s: float) -> plan.Position | None:
    """Run `mariadbd --wsrep-recover` (InnoDB recovery, no networking, exits at once) and parse its log."""
    log = os.path.join(lay.run_dir, "wsrep-recover.log")
    nodestate.unlink(log)
    text = ""
    cmd = [lay.binary, f"--defaults-file={lay.config}", f"--user={lay.user}", f"--datadir={lay.datadir}",
           f"--socket={lay.socket}.recover", f"--pid-file={lay.pid}.recover", "--wsrep-recover",
           f"--log-error={log}",
           # the server checks the SST settings even to recover (rsync needs a cluster address)
           f"--wsrep-cluster-address={lay.gcomm()}"]
    try:
        text = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s).stderr
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except (OSError, subprocess.TimeoutExpired) as err:
        text = text if isinstance(err, FileNotFoundError) and err.filename == log else str(err)
    position = plan.parse_recovered(text)
    if position is None:
        last = [line for line in text.splitlines() if "ERROR" in line][-1:] or text.splitlines()[-1:]
        lay.ctx.log(f"--wsrep-recover found no position: {last[0] if last else 'no output'} (see {log})")
    return position


# --- node attributes through the shims -------------------------------------------------------------

def set_attribute(lay: Layout, args: Sequence[str]) -> bool:
    return nodestate.set_attribute(lay.ctx, lay.me, "reboot", args)


def peer_reports(lay: Layout) -> dict[str, plan.Report | None]:
    """Every peer's report (read in parallel through the shim)."""
    return {n: plan.parse_report(text) for n, text in
            nodestate.read_attributes(lay.ctx, lay.peers, lay.attribute, "reboot").items()}


def galera_port_answers(lay: Layout, node: str) -> bool:
    host, _, port = lay.nodes[node].partition(":")
    try:
        with socket.create_connection((host, int(port or lay.ctx.number("gcomm_port", 4567))), timeout=0.5):
            return True
    except OSError:
        return False


def publish(lay: Layout, report: plan.Report | None, score: int | None, force: bool) -> None:
    """Make the node's report and promotion score these (None: absent); skip what was already written."""
    want = {"report": plan.encode_report(report) if report else None, "score": score}
    try:
        with open(lay.published, encoding="utf-8") as f:
            have = json.load(f)
    except (OSError, ValueError):
        have = {}
    ok = True
    if force or have.get("report", "?") != want["report"]:
        ok &= set_attribute(lay, ["-n", lay.attribute, *(["-v", want["report"]] if want["report"] else ["-D"])])
    if force or have.get("score", "?") != want["score"]:
        ok &= set_attribute(lay, ["--promotion", *(["-v", str(score)] if score is not None else ["-D"])])
    try:
        if ok:
            nodestate.write(lay.published, json.dumps(want))
        else:
            nodestate.unlink(lay.published)  # unknown: write again next time
    except OSError:  # no run dir yet (a probe before any start): nothing to remember
        pass


# --- actions -----------------------------------------------------------------------------------------

def monitor(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    alive = server_pid(lay) is not None
    status = query_status(lay) if alive else None
    since = nodestate.read_since(lay.unhealthy)
    verdict = plan.monitor_verdict(alive, status, os.path.exists(lay.marker), since, time.monotonic(),
                                   ctx.number("sync_grace", 30))
    nodestate.keep_since(lay.unhealthy, since, verdict.unhealthy_since)
    if not alive:
        publish(lay, None, None, force=ctx.is_probe)
    elif status is not None and plan.is_member(status):
        publish(lay, plan.Report(plan.PRIMARY, status.position),
                plan.promotion_score(status, writer=os.path.exists(lay.marker)), force=ctx.is_probe)
    else:
        joining = plan.Report(plan.JOINING, status.position if status else plan.UNKNOWN)
        publish(lay, joining, None, force=ctx.is_probe)
    if verdict.reason:
        ctx.reason(verdict.reason)
    return verdict.rc


def _installed(ctx: Context) -> Layout | int:
    """This instance's layout when its parameters and the installation are usable, else the OCF rc (with
    the reason said)."""
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    problem = validate_installation(lay)
    if problem:
        ctx.reason(problem[1])
        return problem[0]
    return lay


def start(ctx: Context) -> int:
    began = time.monotonic()
    lay = _installed(ctx)
    if isinstance(lay, int):
        return lay
    deadline = began + max(5.0, ctx.timeout_ms / 1000.0 - 3.0)  # leave time to answer before the op timeout
    if server_pid(lay) is not None:
        return wait_until_synced(lay, deadline, "already running")
    nodestate.unlink(lay.marker)
    nodestate.unlink(lay.unhealthy)
    prepare_dirs(lay)
    if has_database(lay):
        mine = own_report(lay, deadline)
    else:
        failure = install_database(lay, deadline - time.monotonic())
        if failure:
            ctx.reason(failure)
            return OCF_ERR_GENERIC
        mine = plan.Report(plan.RECOVERED, plan.UNKNOWN)  # just created: no history to recover
    publish(lay, mine, None, force=True)
    ctx.log(f"position {mine.position} safe_to_bootstrap={int(mine.safe_to_bootstrap)} after "
            f"{time.monotonic() - began:.1f} s; coordinating")
    coordination = ctx.number("coordination_timeout", 0) or (deadline - began) / 2
    decision = coordinate(lay, mine, min(deadline, began + coordination))
    if decision.verdict == plan.WAIT:
        ctx.reason(f"gave up after {time.monotonic() - began:.0f} s: {decision.reason}")
        return OCF_ERR_GENERIC
    ctx.log(f"{decision.verdict}: {decision.reason} (after {time.monotonic() - began:.1f} s)")
    rc = launch(lay, mine, decision, deadline)
    if rc == OCF_SUCCESS:
        ctx.log(f"synced after {time.monotonic() - began:.1f} s")
    return rc


def own_report(lay: Layout, deadline: float) -> plan.Report:
    grastate, _ = read_grastate(lay)
    recovered = None
    if plan.needs_recovery(grastate, has_database(lay)):
        recovered = recover_position(lay, max(5.0, min(120.0, deadline - time.monotonic() - 5)))
    position = plan.position_to_start_from(grastate, recovered)
    return plan.Report(plan.RECOVERED, position, bool(grastate and grastate.safe_to_bootstrap))


def coordinate(lay: Layout, mine: plan.Report, deadline: float) -> plan.Decision:
    """Read the peers and decide, again every POLL_S, until the decision is not WAIT or time is up."""
    while True:
        reports = peer_reports(lay)
        peers = [plan.Peer(n, r, r is not None and r.phase == plan.PRIMARY and galera_port_answers(lay, n))
                 for n, r in reports.items()]
        decision = plan.decide(lay.me, mine, peers)
        if decision.verdict != plan.WAIT or time.monotonic() + POLL_S > deadline:
            return decision
        time.sleep(POLL_S)


def launch(lay: Layout, mine: plan.Report, decision: plan.Decision, deadline: float) -> int:
    extra = [f"--wsrep-cluster-address={lay.gcomm()}"]
    if mine.position.known:
        extra.append(f"--wsrep-start-position={mine.position}")  # else a new history UUID (forces SST)
    # gvwstate.dat would let pc.recovery re-form an old primary component on its own, behind the
    # decision just taken; the decision replaces it.
    nodestate.unlink(os.path.join(lay.datadir, "gvwstate.dat"))
    if decision.verdict == plan.BOOTSTRAP:
        extra.append("--wsrep-new-cluster")
        grastate, text = read_grastate(lay)
        if grastate is not None and not grastate.safe_to_bootstrap:
            with open(lay.grastate, "w", encoding="utf-8") as f:  # in place: the file stays mysql's
                f.write(plan.grastate_safe_to_bootstrap(text))
                f.flush()
                os.fsync(f.fileno())
        publish(lay, mine._replace(phase=plan.BOOTSTRAPPING), None, force=True)
    else:
        publish(lay, mine._replace(phase=plan.JOINING), None, force=True)
    try:
        procs.spawn(server_command(lay, extra), lay.agent_pid, None, None, lay.datadir)
    except OSError as err:
        lay.ctx.reason(f"cannot start {lay.binary}: {err.strerror or err}")
        return OCF_ERR_GENERIC
    return wait_until_synced(lay, deadline, decision.verdict)


def wait_until_synced(lay: Layout, deadline: float, how: str) -> int:
    while True:
        alive = server_pid(lay) is not None
        if not alive:
            # Looked again before giving up: under hastackd in the lab (load average 23) one look found no
            # server while mariadbd ran on, synced, for minutes after -- and the start was failed for it.
            time.sleep(1.0)
            alive = server_pid(lay) is not None
        status = query_status(lay) if alive else None
        if not alive:
            lay.ctx.reason(f"mariadbd exited during start ({how}); see {lay.log}")
            publish(lay, None, None, force=True)
            return OCF_ERR_GENERIC
        if plan.is_member(status) and status is not None and status.local_state == plan.SYNCED_STATE:
            publish(lay, plan.Report(plan.PRIMARY, status.position), plan.promotion_score(status), force=True)
            return OCF_SUCCESS
        if time.monotonic() > deadline:
            lay.ctx.reason(f"mariadbd is still {plan.describe(status)} at the start deadline ({how}); see {lay.log}")
            return OCF_ERR_GENERIC
        time.sleep(0.3)


def stop(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    pid = server_pid(lay)
    if pid is not None:
        grace = max(2.0, ctx.timeout_ms / 1000.0 * 0.8 - 1)
        if not procs.terminate(pid, grace):  # SIGTERM: a clean shutdown that saves the seqno
            ctx.reason(f"mariadbd (pid {pid}) survived SIGKILL")
            return OCF_ERR_GENERIC
    for path in (lay.marker, lay.unhealthy, lay.agent_pid):
        nodestate.unlink(path)
    publish(lay, None, None, force=True)
    return OCF_SUCCESS


def promote(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    status = query_status(lay) if server_pid(lay) is not None else None
    if plan.promotion_score(status) is None:
        ctx.reason(f"cannot become the writer: mariadbd is {plan.describe(status) if status else 'not running'}")
        return OCF_ERR_GENERIC
    nodestate.write(lay.marker, f"{lay.me}\n")
    assert status is not None  # promotion_score gave a score
    publish(lay, plan.Report(plan.PRIMARY, status.position), plan.promotion_score(status, writer=True), force=False)
    return OCF_SUCCESS


def demote(ctx: Context) -> int:
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    nodestate.unlink(lay.marker)
    return OCF_SUCCESS if server_pid(lay) is not None else OCF_NOT_RUNNING


MEMBERS_SQL = "SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members"


def node_gone(ctx: Context) -> int:
    """hastack proved the peer `departed` down (fenced, or its lease ran out past its self-fence deadline):
    evict it (`evs.evict=<its gcomm UUID>`) so that this member installs a primary view without it now,
    instead of stalling every commit for evs.suspect_timeout. Only ever on a proven death (daemon.departure):
    an evicted live member is cut off until it restarts. A server that is not running has nothing to do."""
    lay = _prepared(ctx)
    if isinstance(lay, int):
        return lay
    node = nodestate.departed_peer(ctx, lay.peers)
    if node is None or server_pid(lay) is None:  # no server here: nothing to tell
        return OCF_ERR_CONFIGURED if node is None else OCF_SUCCESS
    limit = max(1.0, ctx.timeout_ms / 1000.0 / 3)
    rc, out = sql(lay, f"{MEMBERS_SQL}; SHOW GLOBAL STATUS LIKE 'wsrep_gcomm_uuid'", limit)
    if rc != 0:
        ctx.reason(f"cannot read the Galera members to evict {node}: {out[-200:]}")
        return OCF_ERR_GENERIC
    own = next((line.split("\t")[1] for line in out.splitlines() if line.startswith("wsrep_gcomm_uuid\t")), "")
    member = plan.member_to_evict(plan.parse_members(out), node, lay.nodes[node], own)
    if member is None:
        ctx.log(f"node-gone {node}: not a member of this node's view (already evicted, or never joined)")
        return OCF_SUCCESS
    # a UUID (checked by parse_members) is all that goes into the statement
    rc, out = sql(lay, f"SET GLOBAL wsrep_provider_options='evs.evict={member.uuid}'", limit)
    if rc != 0:
        ctx.reason(f"evs.evict of {node} ({member.uuid}) failed: {out[-200:]}")
        return OCF_ERR_GENERIC
    ctx.log(f"node-gone {node}: evicted member {member.uuid} ({member.incoming})")
    return OCF_SUCCESS


def validate_all(ctx: Context) -> int:
    lay = _installed(ctx)
    return lay if isinstance(lay, int) else OCF_SUCCESS


SPEC = AgentSpec(
    name="galera",
    shortdesc="MariaDB Galera cluster member; the promoted instance is the single writer",
    longdesc="Runs mariadbd as a Galera node in a promotable clone. Started instances are synced members; "
             "the one Promoted instance is where writes go. After a full outage the nodes publish their "
             "recovered positions as node attributes and only the most advanced node bootstraps, with its "
             "recorded position; the others join by IST. Run it with promoted-max=1.",
    params=(
        Param("wsrep_cluster_address", "Galera addresses of all nodes", "gcomm://addr1,addr2,addr3: every node of "
              "the Galera cluster (one per clone instance).", required=True),
        Param("cluster_host_map", "Cluster node name to Galera address map", "node1:addr1;node2:addr2 when the "
              "cluster's node names are not the addresses of wsrep_cluster_address."),
        Param("config", "Server configuration file", "my.cnf with the wsrep settings (provider, cluster name, "
              "node address, SST method).", default="/etc/mysql/my.cnf"),
        Param("binary", "mariadbd", default="/usr/sbin/mariadbd"),
        Param("client_binary", "mariadb client", default="/usr/bin/mariadb"),
        Param("datadir", "Data directory", default="/var/lib/mysql"),
        Param("socket", "Server socket", default="/run/mysqld/mysqld.sock"),
        Param("pid", "Server pid file", default="/run/mysqld/mysqld.pid"),
        Param("log", "Server error log", default="/var/log/mysql/error.log"),
        Param("user", "Unix user mariadbd runs as", default="mysql"),
        Param("group", "Unix group of the data and run directories", default="mysql"),
        Param("check_user", "Database user for the status query", "Default: root over the unix socket."),
        Param("check_passwd", "Password of check_user", "Passed to the client in its environment, never logged."),
        Param("enable_creation", "Create the database when datadir has none", type="boolean", default="false"),
        Param("durable", "Flush every commit", "innodb_flush_log_at_trx_commit=1 and sync_binlog=1 on the "
              "command line.", type="boolean", default="true"),
        Param("sync_grace", "Seconds a running server may be out of Synced+Primary before monitor fails",
              type="integer", default="30"),
        Param("coordination_timeout", "Seconds start waits for the peers' positions",
              "Default: half of the start timeout.", type="integer"),
        Param("gcomm_port", "Galera replication port of the peers", type="integer", default="4567"),
        Param("additional_parameters", "Extra mariadbd options"),
    ),
    actions=(ActionDecl("start", "300s"), ActionDecl("stop", "120s"), ActionDecl("promote", "30s"),
             ActionDecl("demote", "30s"), ActionDecl("monitor", "30s", "20s", "0"),
             ActionDecl("monitor", "30s", "10s", "0"), ActionDecl("node-gone", "20s"), ActionDecl("meta-data", "5s"),
             ActionDecl("validate-all")),
    handlers={"start": start, "stop": stop, "monitor": monitor, "promote": promote, "demote": demote,
              "node-gone": node_gone, "validate-all": validate_all},
)

if __name__ == "__main__":
    main(SPEC)
