"""The clients of bench/active_active.py: one operation at a time against one service, each success's
completion time printed (CLOCK_MONOTONIC, which every namespace shares), until SECONDS pass.

    stall_clients.py mysql SOCKET SECONDS          INSERT one row per operation (autocommit: each one a
                                                   replicated commit), on one connection (mariadb -n)
    stall_clients.py amqp HOST QUEUE SECONDS       publish one persistent message with publisher confirms
                                                   (a quorum queue: the vhost's default), on one channel
    stall_clients.py http URL SECONDS              GET every 50 ms, each on a new connection and thread
                                                   (many clients behind HAProxy)

Output: `ok T` per success, `err T what` per failure (then the client carries on: mysql and amqp
reconnect), so the bench sees both the longest gap between successes and the errors. The first line
is `ready T` once connected.

Stdlib and pika only; imports nothing of hastack.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request


def say(what: str, detail: str = "") -> None:
    print(f"{what} {time.monotonic():.4f} {detail}".rstrip(), flush=True)


def mysql(socket: str, seconds: float) -> None:
    """The mariadb client reading statements from a pipe, unbuffered: one connection for the whole run.
    `SELECT k` after each INSERT is the line that says the commit returned."""
    proc = subprocess.Popen(["mariadb", "--no-defaults", f"--socket={socket}", "-n", "-N", "-B", "--force"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("CREATE DATABASE IF NOT EXISTS bench; CREATE TABLE IF NOT EXISTS bench.w "
                     "(id INT AUTO_INCREMENT PRIMARY KEY, at DOUBLE); SELECT 'ready';\n")
    proc.stdin.flush()
    while proc.stdout.readline().strip() != "ready":
        pass
    say("ready")
    end = time.monotonic() + seconds
    k = 0
    while time.monotonic() < end:
        k += 1
        proc.stdin.write(f"INSERT INTO bench.w (at) VALUES ({time.monotonic()}); SELECT {k};\n")
        proc.stdin.flush()
        line = proc.stdout.readline().strip()
        if line == str(k):
            say("ok")
        else:
            say("err", line[:120])
            proc.stdout.readline()  # the SELECT's line after the failed INSERT's error (--force goes on)
        time.sleep(0.02)
    proc.stdin.close()
    proc.wait(10)


def amqp(host: str, queue: str, seconds: float) -> None:
    import pika  # the amqp client only

    params = pika.ConnectionParameters(host, credentials=pika.PlainCredentials("guest", "guest"),
                                       socket_timeout=5, blocked_connection_timeout=120, heartbeat=0)
    end = time.monotonic() + seconds
    first = True
    while time.monotonic() < end:
        try:
            conn = pika.BlockingConnection(params)
            ch = conn.channel()
            ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
            ch.confirm_delivery()  # basic_publish returns when the broker confirmed (quorum: a majority has it)
            if first:
                say("ready")
                first = False
            while time.monotonic() < end:
                ch.basic_publish("", queue, b"x", pika.BasicProperties(delivery_mode=2), mandatory=True)
                say("ok")
                time.sleep(0.02)
            conn.close()
        except Exception as err:  # noqa: BLE001 -- a client: every failure is an 'err' line, then reconnect
            say("err", type(err).__name__)
            time.sleep(0.1)


def http(url: str, seconds: float) -> None:
    """A new request every 50 ms, each on a thread of its own (many users behind HAProxy, not one waiting
    for the last answer): a request stuck on the dead server does not hold the next ones back."""
    import threading

    def one() -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                r.read()
            say("ok")
        except (urllib.error.URLError, OSError) as err:
            say("err", type(err).__name__)

    say("ready")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        threading.Thread(target=one, daemon=True).start()
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    kind = argv[1]
    if kind == "mysql":
        mysql(argv[2], float(argv[3]))
    elif kind == "amqp":
        amqp(argv[2], argv[3], float(argv[4]))
    elif kind == "http":
        http(argv[2], float(argv[3]))
    else:
        print(f"unknown client {kind}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
