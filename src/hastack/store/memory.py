"""Two adapters of the store port on one document: in memory (tests, simulation) and in a file (one machine).

The document holds the facts every adapter keeps (store.records): the
configuration as CIB XML with its revision, members, histories, transient
attributes, the DC, and the store revision, bumped by every change. The
file adapter keeps it as one JSON file replaced atomically (temporary file,
fsync, rename) under an exclusive flock, so concurrent processes (the CLI, the
agent shims) never lose each other's change; it watches by polling.

Imports the model, cib, errors, store.port and store.records.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hastack.cib import parse_cib, to_xml
from hastack.model.config import Configuration
from hastack.model.state import ResourceHistory
from hastack.store.port import Snapshot, StaleCommit, StoreError
from hastack.store.records import assemble_state, history_from_json, history_to_json


@dataclass
class Document:
    revision: int = 0
    config_revision: int = 0
    config_xml: str = ""
    members: dict[str, str] = field(default_factory=dict)
    histories: dict[str, dict[str, str]] = field(default_factory=dict)  # node -> history id -> JSON
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    dc: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls(**json.loads(text))

    def snapshot(self) -> Snapshot:
        config = parse_cib(self.config_xml, "<store>").config if self.config_xml else Configuration()
        hist = {n: {k: history_from_json(v) for k, v in hs.items()} for n, hs in self.histories.items()}
        state = assemble_state(config, self.members, hist, self.attributes, self.dc)
        return Snapshot(config, state, self.revision, self.config_revision, dict(self.members), self.dc)

    # --- changes: each returns nothing; the caller bumps the revision ---------------------------
    def commit(self, configuration: Configuration, based_on: int) -> None:
        if based_on != self.config_revision:
            raise StaleCommit()
        self.config_xml = to_xml(configuration)
        self.config_revision = self.revision + 1  # the revision this change is about to get

    def record(self, node: str, history: ResourceHistory) -> None:
        self.histories.setdefault(node, {})[history.id] = history_to_json(history)

    def forget(self, node: str, history_id: str | None) -> None:
        if history_id is None:
            self.histories.pop(node, None)
        else:
            self.histories.get(node, {}).pop(history_id, None)

    def set_attribute(self, node: str, name: str, value: str | None) -> None:
        attrs = self.attributes.setdefault(node, {})
        if value is None:
            attrs.pop(name, None)
        else:
            attrs[name] = value

    def set_member(self, node: str, node_id: str | None) -> None:
        if node_id is None:
            self.members.pop(node, None)
        else:
            self.members[node] = node_id


class _DocumentStore:
    """The port over a Document; subclasses say how the document is kept."""

    def _change(self, fn: Callable[[Document], None]) -> int:
        raise NotImplementedError

    def _read(self) -> Document:
        raise NotImplementedError

    def snapshot(self) -> Snapshot:
        return self._read().snapshot()

    def commit(self, configuration: Configuration, based_on: int) -> int:
        self._change(lambda d: d.commit(configuration, based_on))
        return self._read().config_revision

    def record_result(self, node: str, history: ResourceHistory) -> int:
        return self._change(lambda d: d.record(node, history))

    def forget_history(self, node: str, history_id: str | None = None) -> int:
        return self._change(lambda d: d.forget(node, history_id))

    def set_node_attribute(self, node: str, name: str, value: str | None) -> int:
        return self._change(lambda d: d.set_attribute(node, name, value))

    def node_attributes(self, node: str) -> Mapping[str, str]:
        return dict(self._read().attributes.get(node, {}))

    def set_member(self, node: str, node_id: str | None) -> int:
        """Mark `node` a member (None: not a member). The cluster adapter derives this from leases."""
        return self._change(lambda d: d.set_member(node, node_id))

    def set_dc(self, node: str | None) -> int:
        def put(d: Document) -> None:
            d.dc = node
        return self._change(put)


class MemoryStore(_DocumentStore):
    def __init__(self) -> None:
        self._doc = Document()
        self._cond = threading.Condition()

    def _read(self) -> Document:
        with self._cond:
            return Document.from_json(self._doc.to_json())

    def _change(self, fn: Callable[[Document], None]) -> int:
        with self._cond:
            work = Document.from_json(self._doc.to_json())
            fn(work)  # raises before anything is changed
            work.revision = self._doc.revision + 1
            self._doc = work
            self._cond.notify_all()
            return work.revision

    def watch(self, after: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._doc.revision <= after:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._doc.revision


class FileStore(_DocumentStore):
    """The document in `directory/cluster.json` (store.paths.state_dir() by default)."""

    FILE = "cluster.json"
    POLL = 0.05

    def __init__(self, directory: Path) -> None:
        self.path = directory / self.FILE

    def _read(self) -> Document:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Document()
        except OSError as err:
            raise StoreError(f"cannot read {self.path}: {err.strerror}") from None
        try:
            return Document.from_json(text)
        except (ValueError, TypeError) as err:
            raise StoreError(f"{self.path}: not a hastack store file ({err})",
                             hint="move it away to start from an empty store") from None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _change(self, fn: Callable[[Document], None]) -> int:
        with self._locked():
            doc = self._read()
            before = doc.revision
            fn(doc)
            doc.revision = before + 1
            self._write(doc)
            return doc.revision

    def _write(self, doc: Document) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".cluster-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(doc.to_json())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def watch(self, after: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while True:
            rev = self._read().revision
            if rev > after or time.monotonic() >= deadline:
                return rev
            time.sleep(min(self.POLL, max(0.0, deadline - time.monotonic())))
