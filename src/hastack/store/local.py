"""The local configuration store: one CIB XML file, replaced atomically by compare-and-swap.

Until the etcd runtime exists, the configuration lives in
`state_dir()/cib.xml`. A commit names the digest of the version it was made
against (None: "there was no configuration"); if the stored file changed
since, the commit is refused, never merged — the same contract the etcd
store will keep with revisions. Writes go to a temporary file in the same
directory, are fsynced and renamed over the old file, under an exclusive
lock, so a reader sees the old or the new configuration, never half of one.

Imports nothing of hastack but errors and store.paths.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hastack.errors import HastackError, StaleCommit
from hastack.store.paths import state_dir

CIB_FILE = "cib.xml"


@dataclass(frozen=True)
class Stored:
    text: str
    digest: str
    path: Path


def digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LocalStore:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else state_dir()
        self.path = self.directory / CIB_FILE

    def read(self) -> Stored | None:
        """The stored configuration and its digest, or None when nothing was ever committed."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return Stored(text, digest_of(text), self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / (CIB_FILE + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def commit(self, text: str, based_on: str | None) -> str:
        """Replace the configuration if it is still at `based_on`; return the new digest."""
        with self._locked():
            current = self.read()
            current_digest = current.digest if current else None
            if current_digest != based_on:
                raise StaleCommit(
                    "the stored configuration changed since it was read; nothing was changed",
                    hint="read it again (hastack configure show) and redo the change")
            fd, tmp = tempfile.mkstemp(prefix=".cib-", suffix=".xml", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
            dir_fd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return digest_of(text)
