"""The node's watchdog: petted after every lease renewal with the instant the node must be stopped by.

DESIGN safety rule 1: a node that cannot renew stops its resources itself;
"where a watchdog is configured, [it] lets it reset the machine if stopping
hangs" -- or if the node hangs as a whole (frozen, swapped to death), when no
thread of hastackd can act at all. The watchdog lives outside hastackd:

- `FileWatchdog` writes the deadline (CLOCK_MONOTONIC seconds, the same clock
  in every namespace) to a file; the lab's watchdog process (lab.watchdog),
  outside the host's processes, resets the host when the deadline passed plus
  the stop budget -- before etcd can expire the lease (daemon.timing).
- A hardware or softdog device (/dev/watchdog) is the production form: pet it
  while the lease is held and it resets the machine when the petting stops.

Imports nothing of hastack.
"""

from __future__ import annotations

import os
from pathlib import Path


class FileWatchdog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def pet(self, deadline: float) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{deadline:.6f}\n")
        os.replace(tmp, self.path)

    def disarm(self) -> None:
        """A clean exit: the node stopped its resources itself, nothing to reset."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def read_deadline(path: Path) -> float | None:
    try:
        return float(path.read_text().strip())
    except (OSError, ValueError):
        return None
