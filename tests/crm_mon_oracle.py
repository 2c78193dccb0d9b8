"""Pacemaker's own crm_mon as the status tests' oracle, run on a CIB file with no cluster.

`crm_mon_on(path, *args)` runs the installed `crm_mon -1` (Debian's pacemaker-cli-utils;
the test is skipped without it) on a CIB file; `api_schema()` is Pacemaker's API schema of
crm_mon's XML (Debian's pacemaker-common); `comparable_xml(text)` drops from crm_mon's
XML what hastack states differently or not at all -- the summary (stack, DC version, times),
bans, each node's feature set, the request's command line -- so the rest compares
byte for byte.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from hastack.status.xml import API_VERSION

SCHEMA = Path("/usr/share/pacemaker/api") / f"api-result-{API_VERSION}.rng"


def api_schema() -> etree.RelaxNG:
    """The crm_mon API schema hastack's XML follows (the calling test is skipped without it)."""
    if not SCHEMA.exists():
        pytest.skip(f"{SCHEMA} is not installed (Debian package pacemaker-common)")
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def crm_mon_on(path: str | os.PathLike[str], *args: str) -> str:
    """`crm_mon -1 ARGS` on the CIB file at `path` (the calling test is skipped without crm_mon)."""
    if shutil.which("crm_mon") is None:
        pytest.skip("crm_mon is not installed (Debian package pacemaker-cli-utils)")
    run = subprocess.run(["crm_mon", "-1", *args], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, LC_ALL="C", CIB_file=os.fspath(path)))
    return run.stdout


def comparable_xml(text: str) -> str:
    """crm_mon's XML (or hastack's) without the parts that are not compared."""
    root = etree.fromstring(text.encode())
    for tag in ("summary", "bans"):
        for el in root.findall(tag):
            root.remove(el)
    for node in root.iter("node"):
        node.attrib.pop("feature_set", None)
    if root.tag == "pacemaker-result":
        root.set("request", "")
    return str(etree.tostring(root, pretty_print=True, encoding="unicode"))
