"""The tier's clients, run in the lab's client namespace: MySQL through the VIP, AMQP, HTTP through the VIP.

    python -m hastack.lab.tierload --cnf CNF --vip VIP --nodes A,B,C probe
        one JSON object: which hosts' hastackd say Galera is promoted there (GET /promoted/ms_galera),
        and whether MySQL (through HAProxy), AMQP (a confirmed publish) and HTTP (through HAProxy) answer
    ... run --seconds S --first-id N [--stop-file F]
        three clients at once until S seconds pass or F exists, one JSON line per operation:
        {"t": wall clock, "kind": "mysql-write"|"mysql-read"|"amqp"|"http", "id": n, "ok": bool, "err": text}
        A write or publish is acknowledged only when "ok" is true (the server said COMMIT succeeded / the
        broker confirmed); any other outcome is indeterminate: it may or may not have happened.
    ... drain
        {"mysql": {id: rows}, "amqp": {id: messages}} -- every row of tier.acks, every message of the queue
        (consumed and acknowledged)

The MySQL client is Debian's `mariadb` (one process per statement, autocommit: its exit status 0 is the
server's acknowledgement of that one transaction); the account's password is only in the 0600 option file
CNF. AMQP is pika with publisher confirms to a quorum queue, failing over between the nodes as
oslo.messaging does with a list of hosts. HTTP is urllib.

Imports nothing of hastack but lab.tier's names (stdlib and pika otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

from hastack.lab.tier import API_PORT, QUEUE, REST_PORT

PROBE_QUEUE = "tier.probe"
CLUSTERED = ("ms_galera", "cl_rabbit")  # whose instances must all be back before a host counts as rejoined
OP_TIMEOUT_S = 8.0
PERIOD_S = 0.2  # each client's pause between operations: ~5 per second each, gentle on 2 shared CPUs


def _pika() -> Any:
    try:
        import pika  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit("the AMQP client needs pika (in the venv's test extras): run ./scripts/bootstrap.sh") from None
    return pika


class Clients:
    def __init__(self, cnf: str, vip: str, nodes: list[str]) -> None:
        self.cnf, self.vip, self.nodes = cnf, vip, nodes
        self._lock = threading.Lock()
        self._conn: Any = None
        self._channel: Any = None
        self._next_node = 0

    # --- MySQL ----------------------------------------------------------------------------------
    def sql(self, statement: str) -> tuple[bool, str]:
        cmd = ["mariadb", f"--defaults-extra-file={self.cnf}", "--connect-timeout=3", "-N", "-B", "-e", statement]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=OP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return False, f"no answer in {OP_TIMEOUT_S:.0f} s"
        if proc.returncode != 0:
            return False, (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1][:160]
        return True, proc.stdout.strip()

    # --- AMQP -----------------------------------------------------------------------------------
    def _channel_open(self) -> Any:
        pika = _pika()

        if self._channel is not None and self._channel.is_open:
            return self._channel
        self.close_amqp()
        creds = pika.PlainCredentials("guest", "guest")  # RabbitMQ's default account (loopback_users = none)
        # every node, starting after the last one tried: a dead node is skipped at the next connect
        order = self.nodes[self._next_node:] + self.nodes[:self._next_node]
        self._next_node = (self._next_node + 1) % len(self.nodes)
        params = [pika.ConnectionParameters(n, credentials=creds, socket_timeout=3, connection_attempts=1,
                                            heartbeat=4, blocked_connection_timeout=8,
                                            stack_timeout=6) for n in order]
        self._conn = pika.BlockingConnection(params)
        ch = self._conn.channel()
        ch.confirm_delivery()
        ch.queue_declare(QUEUE, durable=True, arguments={"x-queue-type": "quorum"})
        self._channel = ch
        return ch

    def close_amqp(self) -> None:
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except Exception:  # a dead connection may fail any way while closing: it is dropped either way
            pass
        self._conn = self._channel = None

    def publish(self, queue: str, body: bytes) -> tuple[bool, str]:
        pika = _pika()

        try:
            ch = self._channel_open()
            if queue != QUEUE:
                ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum", "x-max-length": 10})
            # mandatory + confirms: returns only once the broker confirmed (quorum: a majority has it)
            ch.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2), mandatory=True)
            return True, ""
        except Exception as err:  # pika raises many kinds; every one means "not confirmed"
            self.close_amqp()
            return False, f"{type(err).__name__}: {str(err)[:120]}"

    def consume_all(self) -> Counter[int]:
        ch = self._channel_open()
        got: Counter[int] = Counter()
        while True:
            method, _, body = ch.basic_get(QUEUE)
            if method is None:
                return got
            got[int(body)] += 1
            ch.basic_ack(method.delivery_tag)

    # --- HTTP -----------------------------------------------------------------------------------
    @staticmethod
    def get(url: str, timeout: float = 3.0) -> tuple[bool, str]:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                return True, r.read().decode(errors="replace").strip()[:80]
        except urllib.error.HTTPError as err:
            return False, f"HTTP {err.code}"
        except (OSError, ValueError) as err:
            return False, str(err)[:120]


def hosts_where(c: Clients, question: str) -> list[int]:
    """The hosts whose hastackd answers 200 to GET /<question> (its own view: /promoted/R, /active/R)."""
    return [k for k, n in enumerate(c.nodes, 1) if c.get(f"http://{n}:{REST_PORT}/{question}", 2.0)[0]]


def probe(c: Clients) -> dict[str, object]:
    promoted = hosts_where(c, "promoted/ms_galera")
    active = {rsc: hosts_where(c, f"active/{rsc}") for rsc in CLUSTERED}
    mysql, _ = c.sql("SELECT COUNT(*) FROM tier.acks")
    amqp, _ = c.publish(PROBE_QUEUE, b"0")
    http, body = c.get(f"http://{c.vip}:{API_PORT}/")
    c.close_amqp()
    return {"promoted": promoted, "active": active, "mysql": mysql, "amqp": amqp, "http": http, "served_by": body if http else None}


def run(c: Clients, seconds: float, first_id: int, stop_file: str) -> None:
    out = threading.Lock()
    deadline = time.monotonic() + seconds

    def emit(kind: str, ident: int, ok: bool, err: str) -> None:
        with out:
            sys.stdout.write(json.dumps({"t": round(time.time(), 3), "kind": kind, "id": ident, "ok": ok,
                                         "err": "" if ok else err}) + "\n")
            sys.stdout.flush()

    def going() -> bool:
        return time.monotonic() < deadline and not (stop_file and os.path.exists(stop_file))

    def loop(step: Callable[[int], None]) -> None:
        k = first_id
        while going():
            step(k)
            k += 1
            time.sleep(PERIOD_S)

    def mysql(k: int) -> None:
        ok, msg = c.sql(f"INSERT INTO tier.acks (id) VALUES ({k})")  # one autocommit transaction
        emit("mysql-write", k, ok, msg)
        ok, msg = c.sql("SELECT COUNT(*) FROM tier.acks")
        emit("mysql-read", k, ok, msg)

    def amqp(k: int) -> None:
        ok, msg = c.publish(QUEUE, str(k).encode())
        emit("amqp", k, ok, msg)

    def http(k: int) -> None:
        ok, msg = c.get(f"http://{c.vip}:{API_PORT}/")
        emit("http", k, ok, msg)

    threads = [threading.Thread(target=loop, args=(f,)) for f in (mysql, amqp, http)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.close_amqp()


def drain(c: Clients) -> dict[str, object]:
    ok, rows = c.sql("SELECT id FROM tier.acks")
    if not ok:
        raise SystemExit(f"reading tier.acks failed: {rows}")
    mysql = Counter(int(x) for x in rows.split())
    amqp = c.consume_all()
    c.close_amqp()
    return {"mysql": {str(k): v for k, v in mysql.items()}, "amqp": {str(k): v for k, v in amqp.items()}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tierload")
    p.add_argument("--cnf", required=True)
    p.add_argument("--vip", required=True)
    p.add_argument("--nodes", required=True)
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("probe")
    r = sub.add_parser("run")
    r.add_argument("--seconds", type=float, required=True)
    r.add_argument("--first-id", type=int, default=1)
    r.add_argument("--stop-file", default="")
    sub.add_parser("drain")
    args = p.parse_args(argv)
    c = Clients(args.cnf, args.vip, args.nodes.split(","))
    if args.action == "probe":
        print(json.dumps(probe(c)))
    elif args.action == "run":
        run(c, args.seconds, args.first_id, args.stop_file)
    else:
        print(json.dumps(drain(c)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
