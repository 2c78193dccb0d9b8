"""The active/active tier on the lab's controllers: its configuration, each host's files, its secrets.

`start_tier` boots a lab (lab.cluster), writes what each host's disk needs
before the cluster starts anything there (Galera's my.cnf: the node's own
address and name), makes the lab's secrets (the Erlang cookie, the MySQL
password of the clients' account), loads examples/lab-tier.crm with them
and waits until the tier answers from the client namespace. What runs
where is the cluster's business (hastackd, the tier's agents); this module
only prepares and watches.

Secrets stay in files of mode 0600 in the lab directory (`secrets.json`,
`client.cnf` for the MySQL client): they go into the cluster's configuration
(the cookie: that is the agent's parameter) and never onto a command line,
into a log or into an error message.

Imports lab.cluster, lab.net, lab.tierload (to run it), errors.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from hastack.lab.cluster import Lab
from hastack.lab.net import LabError, Net

TIER_CONFIG = "lab-tier.crm"
CONFIG_SUBNET = "10.213.160"  # the addresses written in lab-tier.crm; a lab on another subnet gets its own
COOKIE_MARK = "@ERLANG_COOKIE@"
TIER_DIR = Path("/var/lib/hastack-tier")
TIER_NET = Net(prefix="hst", subnet=CONFIG_SUBNET)  # its own prefix: never clears the main lab's (hsl)
DB_USER = "tier"
QUEUE = "tier.jepsen"
API_PORT = 8080
MYSQL_PORT = 3306
REST_PORT = 7410

# A Galera node's settings for a small lab (the reference lab's, 16 MB pools), what differs per node as
# fields; tests/galerakit.py puts its own paths in front of the same block.
GALERA_CNF = """innodb_buffer_pool_size=16M
innodb_log_file_size=8M
performance_schema=OFF
max_connections=30
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_provider_options="gcache.size=16M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S"
wsrep_cluster_name={cluster}
wsrep_node_address={ip}
wsrep_node_name={name}
wsrep_sst_method=rsync
"""

# The tier's my.cnf per host: ocf:hastack:galera adds the cluster address, the paths and (durable=true)
# innodb_flush_log_at_trx_commit=1, sync_binlog=1.
MY_CNF = """[mysqld]
bind-address={ip}
skip-name-resolve
tmpdir=/run/disk/galera/tmp
""" + GALERA_CNF

# The clients' schema: `seq` numbers rows, `id` is what a client wrote -- not unique, so a write applied
# twice would show as two rows instead of being hidden by a key.
SCHEMA = ("CREATE DATABASE IF NOT EXISTS tier; "
          "CREATE TABLE IF NOT EXISTS tier.acks (seq BIGINT AUTO_INCREMENT PRIMARY KEY, id BIGINT NOT NULL, "
          "KEY (id)) ENGINE=InnoDB; ")


def config_path() -> Path:
    return Path(str(resources.files("hastack.examples").joinpath(TIER_CONFIG)))


def config_text(subnet: str, cookie: str) -> str:
    """lab-tier.crm for a lab on `subnet`, with the lab's cookie (pure)."""
    return config_path().read_text().replace(f"{CONFIG_SUBNET}.", f"{subnet}.").replace(COOKIE_MARK, cookie)


@dataclass(frozen=True)
class Secrets:
    cookie: str
    db_password: str

    @staticmethod
    def fresh() -> Secrets:
        # token_hex: printable, no quotes or spaces (the cookie sits in a crm string, the password in a cnf)
        return Secrets(cookie=secrets.token_hex(16).upper(), db_password=secrets.token_hex(12))

    def __repr__(self) -> str:  # never print them, even by accident
        return "Secrets(<hidden>)"


def _private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def save_secrets(directory: Path, s: Secrets, vip: str) -> None:
    _private(directory / "secrets.json", json.dumps({"cookie": s.cookie, "db_password": s.db_password}))
    _private(directory / "client.cnf", f"[client]\nuser={DB_USER}\npassword={s.db_password}\nhost={vip}\n"
                                       f"port={MYSQL_PORT}\n")


def load_secrets(directory: Path) -> Secrets:
    try:
        d = json.loads((directory / "secrets.json").read_text())
    except (OSError, ValueError):
        raise LabError(f"no tier secrets in {directory}", hint="start the tier with: hastack lab up --tier") from None
    return Secrets(cookie=d["cookie"], db_password=d["db_password"])


def prepare_disks(lab: Lab) -> None:
    """Each host's /run/disk/galera: its my.cnf and a private tmpdir, mysql's (the hosts share /tmp)."""
    mysql = pwd.getpwnam("mysql")
    for i in range(1, lab.hosts + 1):
        g = lab.host_dir(i) / "galera"
        (g / "tmp").mkdir(parents=True, exist_ok=True)
        (g / "my.cnf").write_text(MY_CNF.format(name=f"h{i}", ip=lab.net.host_ip(i), cluster=lab.net.prefix))
        for p in (g, g / "tmp"):
            os.chown(p, mysql.pw_uid, mysql.pw_gid)


# Galera, RabbitMQ and their joins load the 2 shared CPUs (load average 20-30 measured while the tier
# formed): with the lab's usual 0.3 s heartbeat silence, hosts were fenced for being slow, not dead; at
# 1.5 s, a survivor whose hastackd stalled while another host was down was fenced too (the majority gone).
TIER_TTL = 5
TIER_SUSPECT_AFTER = 3.0


def start_tier(directory: Path = TIER_DIR, net: Net = TIER_NET) -> Lab:
    """A 3-controller lab running the tier's configuration (loaded; not yet necessarily answering)."""
    lab = Lab(hosts=3, net=net, directory=directory, ttl=TIER_TTL, suspect_after=TIER_SUSPECT_AFTER,
              ready_wait_s=120.0, ping_timeout_s=20.0)
    lab.up()
    try:
        prepare_disks(lab)
        s = Secrets.fresh()
        save_secrets(directory, s, net.vip())
        crm = directory / "config.crm"
        _private(crm, config_text(net.subnet, s.cookie))
        lab.hastack("cluster", "load", str(crm))
    except BaseException:
        lab.down()
        raise
    return lab


# --- watching it from the client namespace ----------------------------------------------------------

def client_cmd(lab: Lab, *args: str) -> list[str]:
    """A lab.tierload command line, run in the lab's client namespace."""
    nodes = ",".join(lab.net.host_ip(i) for i in range(1, lab.hosts + 1))
    return ["ip", "netns", "exec", lab.net.client, sys.executable, "-m", "hastack.lab.tierload",
            "--cnf", str(lab.directory / "client.cnf"), "--vip", lab.net.vip(), "--nodes", nodes, *args]


def client_json(lab: Lab, *args: str, timeout: float = 60) -> dict[str, object]:
    proc = subprocess.run(client_cmd(lab, *args), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise LabError(f"tier client {args[0]} failed: {proc.stderr.strip()[-300:]}")
    doc = json.loads(proc.stdout)
    return doc if isinstance(doc, dict) else {}


def writer(lab: Lab) -> int | None:
    """The host whose hastackd says the Galera clone is promoted there, if exactly one does."""
    doc = client_json(lab, "probe", timeout=30)
    promoted = doc.get("promoted")
    return promoted[0] if isinstance(promoted, list) and len(promoted) == 1 else None


def create_account(lab: Lab, host: int, s: Secrets) -> None:
    """The clients' database and account, made on the writer over its local socket as root (replicated)."""
    sock = lab.host_dir(host) / "galera" / "mysqld.sock"
    sql = SCHEMA + (f"CREATE USER IF NOT EXISTS '{DB_USER}'@'%' IDENTIFIED BY '{s.db_password}'; "
                    f"GRANT ALL ON tier.* TO '{DB_USER}'@'%';")
    # the statement holds the password: it goes on stdin, never on a command line others can read
    proc = subprocess.run(["mariadb", "--no-defaults", f"--socket={sock}", "-N", "-B"], input=sql,
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise LabError(f"h{host}: creating the tier's database failed: "
                       f"{proc.stderr.replace(s.db_password, '<hidden>').strip()[-200:]}")


def wait_ready(lab: Lab, timeout: float, say: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    """Until MySQL (through the VIP), AMQP (a confirmed publish) and HTTP (through the VIP) all answer;
    the clients' account is made as soon as a writer is promoted. Returns the last probe."""
    deadline = time.monotonic() + timeout
    account = False
    last: dict[str, object] = {}
    shown = ""
    while time.monotonic() < deadline:
        try:
            last = client_json(lab, "probe", timeout=30)
        except (LabError, subprocess.TimeoutExpired, ValueError):
            time.sleep(1)
            continue
        promoted = last.get("promoted")
        if not account and isinstance(promoted, list) and len(promoted) == 1:
            try:
                create_account(lab, int(promoted[0]), load_secrets(lab.directory))
                account = True
            except (LabError, subprocess.TimeoutExpired) as err:  # a writer demoted meanwhile: next round
                say(f"   not yet: {err}")
            continue
        summary = ", ".join(f"{k} {'ok' if last.get(k) is True else 'not yet'}" for k in ("mysql", "amqp", "http"))
        if summary != shown:
            say(f"   {time.strftime('%H:%M:%S')} writer {promoted or 'none'}; {summary}")
            shown = summary
        if all(last.get(k) is True for k in ("mysql", "amqp", "http")):
            return last
        time.sleep(1)
    raise LabError(f"the tier did not answer within {timeout:.0f} s (last probe: {last})",
                   hint=f"see {lab.directory}/h*/hastackd.log and hastack lab status")
