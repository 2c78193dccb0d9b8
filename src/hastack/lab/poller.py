"""The lab's client: GET the VIP every `interval` and log each answer with CLOCK_MONOTONIC times.

Open loop, as the failover anchors' poller: a new request every 25 ms, 200 ms
connect timeout, 1 s read timeout; each line of the output is
`start end ok body`. CLOCK_MONOTONIC is the same clock in every namespace,
so the lab can compare these times with its own T0. With --not-from NAME it
stops --done-after seconds after the first success answered by another host
than NAME (a trial ends soon after the failover instead of at --seconds).

Imports nothing of hastack.
"""

from __future__ import annotations

import argparse
import http.client
import sys
import threading
import time


def one(host: str, port: int, out: list[str], lock: threading.Lock, other: threading.Event, victim: str) -> None:
    t0 = time.monotonic()
    body, ok = "", False
    try:
        conn = http.client.HTTPConnection(host, port, timeout=0.2)
        conn.connect()
        conn.sock.settimeout(1.0)
        conn.request("GET", "/")
        resp = conn.getresponse()
        body = resp.read().decode(errors="replace").strip()
        ok = resp.status == 200
        conn.close()
    except OSError:
        pass
    with lock:
        out.append(f"{t0:.6f} {time.monotonic():.6f} {int(ok)} {body or '-'}")
    if ok and victim and body != victim:
        other.set()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--interval", type=float, default=0.025)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--out", required=True)
    p.add_argument("--not-from", default="", help="the host whose answers do not end the run early")
    p.add_argument("--done-after", type=float, default=2.0)
    a = p.parse_args()
    lines: list[str] = []
    lock = threading.Lock()
    other = threading.Event()
    end = time.monotonic() + a.seconds
    nxt = time.monotonic()
    while time.monotonic() < end:
        if other.is_set():
            end = min(end, time.monotonic() + a.done_after)
            other.clear()
        threading.Thread(target=one, args=(a.host, a.port, lines, lock, other, a.not_from), daemon=True).start()
        nxt += a.interval
        time.sleep(max(0.0, nxt - time.monotonic()))
    time.sleep(1.3)
    with lock, open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
