"""A controller's services as HAProxy sees them, for tests/agents/test_agent_haproxy.py; run inside a host
namespace as `python lb_backend.py NAME ADDRESS WRITER_FILE`:

- hastackd's real REST listener on ADDRESS:7410, answering for `ms_galera` (a promotable clone of
  `galera`): promoted when WRITER_FILE names this node, else running unpromoted;
- a "galera" on ADDRESS:3306: says NAME on connect, then echoes every line (a long-lived client session);
- a "keystone" on ADDRESS:5000: HTTP 200 with NAME as the body.
"""

from __future__ import annotations

import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import MappingProxyType

from hastack.daemon.health import PROMOTED, STARTED, NodeFacts, Topology
from hastack.daemon.rest import RestListener


def main() -> None:
    name, address, writer_file = sys.argv[1:4]
    topo = Topology(MappingProxyType({"ms_galera": frozenset({"galera"}), "galera": frozenset({"galera"})}),
                    frozenset({"galera"}), 1)

    def facts() -> NodeFacts:
        writer = Path(writer_file).read_text().strip()
        return NodeFacts(name, True, {"galera": PROMOTED if writer == name else STARTED}, topo)

    RestListener((address, 7410), facts).start()

    class Echo(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(f"{name}\n".encode())
            for line in self.rfile:
                self.wfile.write(line)

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = name.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.daemon_threads = True
    galera = socketserver.ThreadingTCPServer((address, 3306), Echo)
    threading.Thread(target=galera.serve_forever, daemon=True).start()
    ThreadingHTTPServer((address, 5000), Api).serve_forever()


if __name__ == "__main__":
    main()
