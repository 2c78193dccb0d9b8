"""The lab's power switch: an HTTP service on the lab network that powers lab hosts off and on.

It plays a networked PDU or IPMI controller, the kind of device Pacemaker's
fence agents drive: it lives in its own namespace on the lab bridge
(`{prefix}-pdu`, address .5, port 8007) and acts on the hosts the way the lab
defines power (lab.cluster: link cut + SIGKILL of every process; power on =
boot). Its fence agent is stonith:fence_hastack_lab.

    GET /health            200
    GET /list              the hosts, one per line
    GET /status?plug=h2    on | off
    POST /off?plug=h2      powers h2 off (idempotent); 200 once it is off
    POST /on?plug=h2       powers h2 on (idempotent)

Imports lab.cluster.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from hastack.lab.cluster import Lab, load_lab

PORT = 8007


def make_handler(lab: Lab, log: Path) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, code: int, body: str) -> None:
            data = (body + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _host(self) -> int | None:
            plug = parse_qs(urlparse(self.path).query).get("plug", [""])[0]
            if plug.startswith("h") and plug[1:].isdigit() and 1 <= int(plug[1:]) <= lab.hosts:
                return int(plug[1:])
            return None

        def do_GET(self) -> None:  # noqa: N802 (http.server's names)
            route = urlparse(self.path).path
            if route == "/health":
                return self._answer(200, "ok")
            if route == "/list":
                return self._answer(200, "\n".join(f"h{i}" for i in range(1, lab.hosts + 1)))
            if route == "/status":
                i = self._host()
                if i is None:
                    return self._answer(404, "no such plug")
                return self._answer(200, "on" if lab.pids(i) else "off")
            return self._answer(404, "no such path")

        def do_POST(self) -> None:  # noqa: N802
            route = urlparse(self.path).path
            i = self._host()
            if i is None or route not in ("/off", "/on"):
                return self._answer(404, "no such plug or action")
            with lock:
                with open(log, "a") as f:
                    f.write(f"{time.time():.3f} {route[1:]} h{i}\n")
                if route == "/off":
                    if lab.pids(i):
                        lab.power_off(i)
                elif not lab.pids(i):
                    lab.power_on(i)
            return self._answer(200, route[1:])

        def log_message(self, fmt: str, *args: object) -> None:
            pass

    return Handler


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="lab-pdu")
    p.add_argument("--dir", type=Path, required=True)
    p.add_argument("--address", required=True)
    args = p.parse_args(argv)
    lab = load_lab(args.dir)
    server = ThreadingHTTPServer((args.address, PORT), make_handler(lab, args.dir / "pdu.log"))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
