"""Cluster-wide statements: node, property, rsc_defaults, op_defaults, fencing_topology, tag.

    node      ::= 'node' [ ID ':' | '$id=' ID ] UNAME [ ':' TYPE ] [description=TEXT]
                  { NVPAIR } [ 'attributes' attr_list ] [ 'utilization' attr_list ]
    property  ::= ('property' | 'rsc_defaults' | 'op_defaults') [ SETID ':' | '$id=' ID ] [rule] NVPAIR {NVPAIR}
    fencing_topology ::= ('fencing_topology' | 'fencing-topology') ( DEVS {DEVS} | { TARGET DEVS {DEVS} } )
    TARGET    ::= NODE ':' | 'attr:' NAME '=' VALUE | 'pattern:' REGEX
    tag       ::= 'tag' ID [':'] RSC {RSC}

Imports nothing of hastack but errors, the model and the crm lexer/stream/attrs.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hastack.crm import ids
from hastack.crm.attrs import is_pair, parse_attr_list
from hastack.crm.lexer import Token
from hastack.didyoumean import did_you_mean
from hastack.crm.stream import Stream, check_id, error_at, split_pair
from hastack.model.config import AttrSet, FencingLevel, Node, Tag

NODE_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
NODE_TYPES = ("member", "remote", "ping")
DEFAULT_SET = {"property": ids.PROPERTY_SET, "rsc_defaults": ids.RSC_DEFAULTS_SET,
               "op_defaults": ids.OP_DEFAULTS_SET}


def _retext(tok: Token, text: str, shift: int = 0) -> Token:
    return Token(text, tok.raw, tok.source, tok.line, tok.column + shift, tok.line_text, tok.quoted)


def _node_id(tok: Token) -> str:
    """Node ids are often Corosync's numbers (`node 101: n2`), so a leading digit is fine here."""
    if not NODE_ID_RE.match(tok.text):
        raise error_at(tok, f"{tok.text!r} is not a valid node id", "use letters, digits, `_`, `.` and `-`")
    return tok.text


def parse_node(st: Stream, keyword: Token) -> Node:
    first = st.next("a node name")
    node_id: str | None = None
    pair = split_pair(first)
    if pair and pair[0] == "$id":
        node_id = _node_id(_retext(first, pair[1]))
        first = st.next("a node name after $id=")
    elif first.text.endswith(":") and len(first.text) > 1:
        node_id = _node_id(_retext(first, first.text[:-1]))
        first = st.next("a node name after the node id")
    uname, _, node_type = first.text.partition(":")
    if not NODE_ID_RE.match(uname):
        st.fail(first, f"{uname!r} is not a valid node name", "use letters, digits, `_`, `.` and `-`")
    node_type = node_type.lower() or "member"
    if node_type not in NODE_TYPES:
        st.fail(first, f"invalid node type {node_type!r}", did_you_mean(node_type, NODE_TYPES, "use member or remote"))
    node_id = node_id or uname
    description = None
    tok = st.peek()
    pair = split_pair(tok) if tok is not None else None
    if pair and pair[0] == "description":
        st.pos += 1
        description = pair[1]
    attributes: list[AttrSet] = []
    utilization: list[AttrSet] = []
    while not st.at_end:
        tok = st.peek()
        assert tok is not None
        word = st.peek_word()
        if word in ("attributes", "utilization"):
            st.pos += 1
            target = attributes if word == "attributes" else utilization
            target.append(parse_attr_list(st, ids.node_set(node_id, word, len(target)), f"{word} of node {uname}"))
        elif is_pair(tok) and not attributes and not utilization:
            attributes.append(parse_attr_list(st, ids.node_set(node_id, "attributes", 0), f"attributes of {uname}"))
        else:
            st.fail(tok, f"unexpected {tok.raw!r} in node {uname}",
                    did_you_mean(word, ("attributes", "utilization"), "expected attributes or utilization"))
    return Node(node_id, uname, node_type, description, tuple(attributes), tuple(utilization), location=first.loc)


def parse_property(st: Stream, keyword: Token) -> AttrSet:
    command = keyword.text.lower()
    set_id = DEFAULT_SET[command]
    tok = st.peek()
    named = False
    if tok is not None and not tok.quoted and tok.text.endswith(":") and "=" not in tok.text and len(tok.text) > 1:
        st.pos += 1
        set_id = check_id(_retext(tok, tok.text[:-1]), "set id")
        named = True
    attr_set = parse_attr_list(st, set_id, command, allow_score=False, named=named)
    st.expect_end("name=value")
    return replace(attr_set, location=keyword.loc)


def parse_fencing_topology(st: Stream, keyword: Token, first_index: int) -> list[FencingLevel]:
    """Levels in order; a level with no target (target fields all None) applies to every node."""
    levels: list[FencingLevel] = []
    target: dict[str, str | None] = {}
    index = 0
    if st.at_end:
        st.fail_end("fencing_topology needs at least one device")
    while not st.at_end:
        tok = st.next("a target or devices")
        low = tok.text.lower()
        if low.startswith("attr:"):
            name, sep, value = tok.text[5:].partition("=")
            if not sep or not name:
                st.fail(tok, "a target attribute is written attr:NAME=VALUE", "e.g. attr:rack=1")
            target, index = {"target_attribute": name, "target_value": value}, 0
        elif low.startswith("pattern:"):
            target, index = {"target_pattern": tok.text[8:]}, 0
        elif tok.text.endswith(":") and len(tok.text) > 1:
            target, index = {"target": _node_id(_retext(tok, tok.text[:-1]))}, 0
        else:
            devices = tuple(tok.text.split(","))
            for d in devices:
                check_id(_retext(tok, d), "fence device id")
            index += 1
            levels.append(FencingLevel(ids.fencing_level(first_index + len(levels)), index, devices,
                                       location=tok.loc, **target))
    mixed = {bool(lv.target or lv.target_pattern or lv.target_attribute) for lv in levels}
    if len(mixed) > 1:
        st.fail(keyword, "fencing_topology mixes levels with and without a target",
                "give every level a target (node1: dev1 dev2 node2: dev3) or none at all")
    return levels


def parse_tag(st: Stream, keyword: Token) -> Tag:
    id_tok = st.next("a tag id")
    tag_id = id_tok.text[:-1] if id_tok.text.endswith(":") else id_tok.text
    if st.peek() is not None and st.peek_word() == ":":
        st.pos += 1
    check_id(_retext(id_tok, tag_id), "tag id")
    refs: list[str] = []
    while not st.at_end:
        tok = st.next("a resource id")
        refs.append(check_id(tok, "resource id"))
    if not refs:
        st.fail_end(f"tag {tag_id} needs at least one resource")
    return Tag(tag_id, tuple(refs), location=id_tok.loc)
