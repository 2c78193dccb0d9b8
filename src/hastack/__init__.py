"""hastack: a high-availability cluster manager with Pacemaker's semantics on etcd."""

__version__ = "0.1.0"
