"""What the lab tests share: a booted lab loaded with a configuration (moved onto the test's own subnet),
torn down after the module, and the copy of a lab's logs kept after a failure."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hastack.lab.cluster import Lab
from hastack.lab.net import Net


@contextmanager
def loaded_lab(directory: Path, net: Net, config: Path, ttl: int = 3) -> Iterator[Lab]:
    """A 3-host lab (TTL 3 unless said) on `net` running `config`, whose 10.213.90.x addresses become the net's."""
    lab = Lab(hosts=3, net=net, directory=directory, ttl=ttl)
    text = config.read_text().replace("10.213.90.", f"{net.subnet}.")  # (before the lab: nothing to stop)
    lab.up()
    try:
        crm = directory / "config.crm"
        crm.write_text(text)
        lab.hastack("cluster", "load", str(crm))
        yield lab
    finally:
        lab.down()


def keep_logs(directory: Path, dest: Path) -> Path:
    """Every host's logs and the lab's own, copied under `dest` (pytest's temporary directories rotate
    too fast for a post-mortem)."""
    for log in [*directory.glob("h*/*.log"), *directory.glob("*.log")]:
        target = dest / log.relative_to(directory)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, target)
    return dest
