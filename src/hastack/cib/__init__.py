"""Pacemaker CIB XML <-> hastack model (configuration and status sections).

Public API (others depend on these names):

- `parse_cib(data, source)` -> `Cib(config, state)`: a full `<cib>` document or a
  bare `<configuration>`; every problem found is reported in one ConfigError
  with file:line:column.
- `load_cib_file(path)` -> `Cib`.
- `to_xml(config, state=None)` -> a full, pretty-printed `<cib>` document that
  Pacemaker 2.1.5's crm_verify and crm_simulate accept.

What the import decides (so that import -> export -> import is the identity):
ids written as id-ref are expanded as Pacemaker expands them -- an nvpair takes
the referenced name/value, a rule or resource_set becomes a copy of the one named
(the export writes the id-ref again), an attribute set keeps `id_ref`, an nvpair
and <operations> keep the reference too; an nvpair keeps its id only when it is
not one the export would make up (`<set>-<name>`) or a reference names it; an
nvpair without a value is ignored (as by Pacemaker) and kept by name for
export; bundles, ACLs (schema 2.0 and later) and alerts are read whole; node type "normal" reads as
member; a colocation without score has score 0; a <cib> without have-quorum has
no quorum (as in Pacemaker); Pacemaker 1.1's ACL form is refused. Everything accepted
with a doubt is in `Cib.warnings`. Roles are written as the document's schema
spells them (Master/Slave before pacemaker-3.7).

Module map: `source` (parsing, locations, typed values), `rules`, `nvsets`,
`read_resources`, `read_constraints`, `read_config`, `read_status`, `acls`,
`alerts` (both ways), `ids`, `write_resources`, `write_constraints`,
`write_status`, `write`. Imports nothing of hastack but the
model and errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lxml import etree

from hastack.cib.read_config import read_configuration
from hastack.cib.read_status import StatusReading, read_header
from hastack.cib.source import ElementStream, Reader, document_bytes, elements, parse_xml
from hastack.errors import Diagnostic, HastackError
from hastack.bulkwork import paused_gc
from hastack.model.config import Configuration
from hastack.model.state import ClusterState

__all__ = ["Cib", "load_cib_file", "parse_cib", "to_xml"]


@dataclass(frozen=True)
class Cib:
    """An imported CIB: the configuration, the cluster state, and what was accepted with a warning."""

    config: Configuration
    state: ClusterState
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False, repr=False)


def parse_cib(data: str | bytes, source: str = "<cib>", running: bool = False) -> Cib:
    """Import a CIB document; raises ConfigError listing every problem with its line:column.

    `running`: the CIB of a running cluster, to decide on as Pacemaker does: a malformed value
    that Pacemaker's scheduler tolerates (cib.tolerance) is a warning and Pacemaker's default.
    """
    with paused_gc():  # hundreds of thousands of small acyclic objects: see hastack.bulkwork
        return _parse(data, source, running)


def _parse(data: str | bytes, source: str, running: bool) -> Cib:
    r = Reader.for_document(data, source)
    raw = document_bytes(data, source)
    try:
        root, streamed = _stream_status(r, raw)
    except (ValueError, etree.LxmlError):
        # Malformed input: the whole-document parse reports it (line:column and all) as before.
        root, streamed = parse_xml(data, source), []
    r.tolerant = running
    r.schema_checked = root.get("validate-with") != "none"
    state = ClusterState()
    if root.tag == "cib":
        sections = {str(c.tag): c for c in elements(root)}
        for child in elements(root):
            if child.tag not in ("configuration", "status"):
                r.error(child, f"unexpected <{child.tag}> inside <cib>", hint="a cib holds <configuration> and <status>")
        conf_el = sections.get("configuration")
        if conf_el is None:
            r.error(root, "<cib> has no <configuration> section", hint="add <configuration> with the cluster's setup")
            config = Configuration()
        else:
            config = read_configuration(r, conf_el)
        have_quorum, dc_uuid, execution_date, header = read_header(r, root)
        # As before streaming: only the last <status> counts, its children read in document order.
        status_el = sections.get("status")
        reading = next((reading for el, reading in streamed if el is status_el), None)
        if reading is None:
            reading = StatusReading(r.with_own_diagnostics())
        if status_el is not None:
            for child in elements(status_el):
                reading.add(child)
        r.diag.diagnostics.extend(reading.r.diag.diagnostics)
        state = ClusterState(nodes=reading.nodes, have_quorum=have_quorum, dc_uuid=dc_uuid,
                             execution_date=execution_date, header=header,
                             tickets=tuple(reading.tickets.values()))
    elif root.tag == "configuration":
        config = read_configuration(r, root)
    else:
        r.error(root, f"expected a <cib> or <configuration> document, not <{root.tag}>",
                hint="give a Pacemaker CIB, e.g. the output of `cibadmin --query`")
        config = Configuration()
    r.diag.raise_if_errors()
    return Cib(config, state, tuple(r.diag.warnings))


def _stream_status(r: Reader, raw: bytes) -> tuple[etree._Element, list[tuple[etree._Element, StatusReading]]]:
    """Parse raw, reading each node_state of <cib><status> and freeing its tree as soon as it ends.

    The operation history is nearly all of a big CIB, and its lxml tree takes ten times the
    memory of its text: the rest of the document (the configuration) is kept as a tree. The
    children of a <status> that come before a node_state are read just before it (document
    order); the ones after the last node_state are left for the caller. Returns the root and
    the reading of each <status> streamed through, its diagnostics kept apart.
    """
    streamed: list[tuple[etree._Element, StatusReading]] = []
    stream = ElementStream(raw, "node_state")
    for el in stream:
        status = el.getparent()
        if status is None or status.tag != "status":
            continue
        cib = status.getparent()
        if cib is None or cib.tag != "cib" or cib.getparent() is not None:
            continue
        if not streamed or streamed[-1][0] is not status:
            streamed.append((status, StatusReading(r.with_own_diagnostics())))
        reading = streamed[-1][1]
        # The parser reads ahead: later children may be complete already, or half read.
        done = []
        for child in elements(status):  # the ones before el, and el
            reading.add(child)
            done.append(child)
            if child is el:
                break
        for child in done:
            child.clear()  # frees the subtree at once (no proxies left in it); removing moves it first
            status.remove(child)
    if stream.root is None:
        raise ValueError("no root element")  # parse_xml reports it
    return stream.root, streamed


def load_cib_file(path: str | os.PathLike[str], running: bool = False) -> Cib:
    """Read and import a CIB file; an unreadable file is a HastackError naming it. `running`: as
    parse_cib's (the CIB of a running cluster: what Pacemaker tolerates is a warning)."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise HastackError(f"CIB file {name!r} does not exist", hint="check the path") from None
    except IsADirectoryError:
        raise HastackError(f"{name!r} is a directory, not a CIB file", hint="give the path of an XML file") from None
    except OSError as exc:
        raise HastackError(f"cannot read CIB file {name!r}: {exc.strerror or exc}",
                           hint="check the file's permissions") from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise HastackError(f"cannot open CIB file {name!r}: {exc}", hint="check the path") from None
    return parse_cib(data, name, running)


def to_xml(config: Configuration, state: ClusterState | None = None) -> str:
    """The whole `<cib>` document for config (and state), pretty-printed."""
    from hastack.cib.write import write_cib  # imported here: readers need not load the writer

    return write_cib(config, state)

