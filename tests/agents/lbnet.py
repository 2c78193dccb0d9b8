"""Namespaces for the active/active agents' tests (haproxy, memcached): a lab network of `hosts` hosts and a
client on a private subnet (hastack.lab.net.Net) under a prefix unique to this test process, agents run
inside a host's namespace as the executor runs them, and sockets opened from inside a namespace.

Everything started is recorded by pid and killed at the end; the namespaces (and stale ones of the same
prefix) are deleted.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from hastack.agents.nsthreads import enter_netns
from hastack.lab.net import Net

T = TypeVar("T")


class Lab:
    def __init__(self, subnet: str, hosts: int) -> None:
        self.net = Net(prefix=f"hlb{os.getpid() % 10000}", subnet=subnet)
        self.hosts = hosts
        self.procs: list[subprocess.Popen[bytes]] = []

    def ip(self, i: int) -> str:
        return self.net.host_ip(i)

    def agent(self, i: int, module: str, action: str, params: dict[str, str], instance: str,
              timeout_s: float = 20.0) -> tuple[int, str]:
        """Run one action of built-in agent `module` in host i's namespace: (rc, stderr)."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OCF_ROOT": "/usr/lib/ocf",
               "OCF_RESOURCE_INSTANCE": instance, "OCF_RESKEY_CRM_meta_timeout": str(int(timeout_s * 1000)),
               **{f"OCF_RESKEY_{k}": v for k, v in params.items()}}
        proc = subprocess.run(["ip", "netns", "exec", self.net.host_ns(i), sys.executable, "-m",
                               f"hastack.agents.builtin.{module}", action], env=env, capture_output=True,
                              text=True, timeout=timeout_s + 5)
        return proc.returncode, proc.stderr

    def spawn(self, ns: str, *argv: str) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(["ip", "netns", "exec", ns, *argv], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)

    def close(self) -> None:
        for p in self.procs:
            self.kill(p)
        self.net.destroy()  # also kills whatever still runs in our namespaces (HAProxy, memcached)


@contextmanager
def lab(subnet: str, hosts: int) -> Iterator[Lab]:
    lb = Lab(subnet, hosts)
    lb.net.build(hosts)
    try:
        yield lb
    finally:
        lb.close()


def in_netns(ns: str, job: Callable[[], T]) -> T:
    """Run `job` on a thread that entered network namespace `ns` (sockets it opens stay in that namespace
    and can be used from any thread afterwards)."""
    box: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
        try:
            enter_netns(fd)
            box.append(job())
        except BaseException as err:  # handed to the caller
            errors.append(err)
        finally:
            os.close(fd)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return box[0]


def connect(ns: str, host: str, port: int, timeout_s: float = 2.0) -> socket.socket:
    return in_netns(ns, lambda: socket.create_connection((host, port), timeout=timeout_s))
