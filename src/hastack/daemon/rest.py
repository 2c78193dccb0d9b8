"""hastackd's REST health listener: serves daemon.health's answers over HTTP, and keeps the configuration's
topology those answers need.

The HTTP server is the standard library's ThreadingHTTPServer: hastack depends
on no HTTP server library (httpx is a client), and these endpoints are five
GETs answered from memory -- a framework and an ASGI server would add two
dependencies and an event loop to the daemon for nothing. Each request gets
its own thread and a socket deadline on each read and write (`deadline`,
2 s by default), so a client that connects and says nothing, or stops
reading, holds one thread that long and never the lease or the self-fence
guard: those
run on their own threads, and an answer only reads the facts the local
resource manager and the membership keep in memory, under locks held for a
copy (no etcd call, no agent run while answering).

The topology (which primitives a clone or group stands for) comes from the
configuration in etcd; a thread of its own re-reads it when the
configuration key changes, with a deadline on every call. Until it was read
once, a resource name is matched as it is written.

Imports store, daemon.health, errors.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from hastack.daemon.health import NodeFacts, Topology, answer, topology
from hastack.errors import HastackError
from hastack.store.etcd import EtcdStore
from hastack.store.port import StoreError

log = logging.getLogger("hastack.rest")

DEFAULT_PORT = 7410


def parse_rest_address(text: str, address: str | None) -> tuple[str, int] | None:
    """`--rest-address`: HOST:PORT, :PORT or PORT (host: the node's --address, else every address),
    `off` for no listener; empty means the default port."""
    text = text.strip()
    if text.lower() in ("off", "no", "none", "false", "0"):
        return None
    host, sep, port = text.rpartition(":") if ":" in text else ("", "", text)
    host = host.strip("[]") or address or "0.0.0.0"
    port = port or str(DEFAULT_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise HastackError(f"--rest-address {text!r}: the port must be a number from 1 to 65535",
                           hint=f"write HOST:PORT (e.g. 10.0.0.11:{DEFAULT_PORT}), :PORT, or off")
    return host, int(port)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request thread never keeps hastackd from exiting
    allow_reuse_address = True
    request_queue_size = 128  # the listen backlog (socketserver's 5 made the 6th simultaneous check wait ~1 s)

    def __init__(self, address: tuple[str, int], facts: Callable[[], NodeFacts], deadline: float) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.facts = facts
        self.deadline = deadline
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: a check never keeps a thread waiting
    server_version = "hastackd"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.deadline)  # the deadline of each read of the request and write

    def _reply(self, body: bool) -> None:
        reply = answer(self.server.facts(), self.path)
        data = (json.dumps(reply.body, sort_keys=True) + "\n").encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) if body else 0))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._reply(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._reply(body=False)

    def do_OPTIONS(self) -> None:  # noqa: N802 - HAProxy's plain `option httpchk` sends OPTIONS /
        self._reply(body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        log.debug("%s %s", self.address_string(), format % args)  # checks come every second or so: not INFO


class TopologyWatch:
    """The configuration's topology, re-read when the configuration key changes."""

    def __init__(self, store: EtcdStore, wait: float = 5.0) -> None:
        self.store = store
        self.wait = wait
        self.topology = Topology()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rest-topology", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.wait + 1)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                config, rev = self.store.configuration()
                if rev != self.topology.revision or rev == 0:
                    self.topology = topology(config, rev)  # one reference swap: readers see old or new
                self.store.client.wait_for_change(self.store.key("config"), rev, self.wait)
            except StoreError as err:
                log.warning("REST endpoints: configuration not read: %s", err)
                self._stop.wait(1.0)
            except HastackError as err:  # a configuration that does not parse: keep the last topology
                log.warning("REST endpoints: configuration not understood: %s", err.message)
                self._stop.wait(self.wait)


class RestListener:
    """The HTTP listener on its thread; `facts` gives the node's facts at the instant of each request."""

    def __init__(self, address: tuple[str, int], facts: Callable[[], NodeFacts], deadline: float = 2.0) -> None:
        try:
            self._server = _Server(address, facts, deadline)
        except OSError as err:
            raise HastackError(f"REST listener: cannot listen on {address[0]}:{address[1]}: "
                               f"{err.strerror or err}",
                               hint="choose another --rest-address HOST:PORT, or --rest-address off") from err
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="rest", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()
        log.info("REST health endpoints on %s:%d", *self.address)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)
