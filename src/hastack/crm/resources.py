"""Resource statements: primitive, rsc_template, group, clone, ms/master, monitor.

    primitive    ::= 'primitive' ID ( RATYPE | '@' TEMPLATE ) [description=TEXT] {attrset} [operations] {opspec}
    rsc_template ::= 'rsc_template' ID RATYPE [description=TEXT] {attrset} [operations] {opspec}
    operations   ::= 'operations' ( '$id=' ID | '$id-ref=' ID )  ; with $id-ref, no opspec follows
    attrset      ::= ('params' | 'meta' | 'utilization') attr_list   ; the first may omit `params`
    opspec       ::= 'op' NAME {NVPAIR} ['op_params' attr_list] ['op_meta' attr_list]
    group        ::= 'group' ID RSC {RSC} [description=TEXT] {('meta' | 'params') attr_list}
    clone | ms   ::= ('clone' | 'ms' | 'master') ID RSC [description=TEXT] {('meta' | 'params') attr_list}
    monitor      ::= 'monitor' RSC[:ROLE] INTERVAL[:TIMEOUT]

Imports nothing of hastack but errors, the model and the crm lexer/stream/attrs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NoReturn

from hastack.crm import ids
from hastack.crm.attrs import Pairs, is_pair, parse_attr_list, parse_pairs, ref_placeholder
from hastack.crm.lexer import Token
from hastack.didyoumean import did_you_mean
from hastack.crm.stream import (
    Stream, check_id, error_at, read_bool, read_duration, read_role, split_pair,
)
from hastack.errors import SourceLocation, ValueSyntaxError
from hastack.model.config import AttrSet, Clone, Group, Op, Primitive, Template
from hastack.model.values import AGENT_CLASSES, AgentRef, Role, is_true

AGENT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+@:/-]*$")  # stonith:external/sbd
OP_FIELDS = ("interval", "timeout", "role", "on-fail", "enabled", "id")
OP_ATTRIBUTES = ("requires", "record-pending", "start-delay", "interval-origin", "description")
ON_FAIL = ("ignore", "block", "demote", "stop", "restart", "standby", "fence")
OP_NAMES = ("start", "stop", "monitor", "promote", "demote", "notify", "reload", "reload-agent",
            "migrate_to", "migrate_from", "meta-data", "validate-all", "status")
SET_KINDS = {"params": "instance_attributes", "meta": "meta_attributes", "utilization": "utilization"}
PRIMITIVE_WORDS = ("params", "meta", "utilization", "op", "operations", "description=")


@dataclass(frozen=True)
class MonitorStatement:
    """`monitor RSC[:ROLE] INTERVAL[:TIMEOUT]`: an op added to a primitive defined anywhere."""

    rsc: str
    op: Op
    token: Token


def _agent(st: Stream) -> tuple[AgentRef | None, str | None, Token]:
    tok = st.next("a resource agent (class:provider:type) or @template")
    if tok.text.startswith("@"):
        return None, check_id(Token(tok.text[1:], tok.raw, tok.source, tok.line, tok.column + 1,
                                    tok.line_text), "template id"), tok
    try:
        agent = AgentRef.parse(tok.text)
    except ValueSyntaxError as err:
        raise error_at(tok, err.message, err.hint) from None
    if not agent.type:
        st.fail(tok, f"{tok.text!r} names no agent type", "write CLASS:PROVIDER:TYPE, e.g. ocf:heartbeat:IPaddr2")
    if tok.quoted or not AGENT_RE.match(tok.text):
        hint = "CLASS:PROVIDER:TYPE, e.g. ocf:heartbeat:IPaddr2"
        if "=" in tok.text:
            hint = "the agent comes right after the id; name=value pairs follow it (after `params`)"
        st.fail(tok, f"{tok.text!r} is not a resource agent", hint)
    if agent.cls not in AGENT_CLASSES:
        st.fail(tok, f"unknown resource agent class {agent.cls!r}",
                did_you_mean(agent.cls, AGENT_CLASSES, f"use one of {', '.join(AGENT_CLASSES)}"))
    return agent, None, tok


def _description(st: Stream) -> str | None:
    tok = st.peek()
    pair = split_pair(tok) if tok is not None else None
    if pair and pair[0] == "description":
        st.pos += 1
        return pair[1]
    return None


@dataclass
class _Body:
    params: list[AttrSet]
    meta: list[AttrSet]
    utilization: list[AttrSet]
    ops: list[Op]
    ops_id: str | None = None
    ops_ref: str | None = None


def _starts_pairs(tok: Token) -> bool:
    """An attribute list with no keyword before it starts with name=value or @ref."""
    return is_pair(tok) or (not tok.quoted and tok.text.startswith("@") and len(tok.text) > 1)


def _resource_body(st: Stream, rid: str, allow_ops: bool, implicit: str) -> _Body:
    body = _Body([], [], [], [])
    lists = {"params": body.params, "meta": body.meta, "utilization": body.utilization}
    taken_op_ids: set[str] = set()
    while not st.at_end:
        tok = st.peek()
        assert tok is not None
        word = st.peek_word()
        if word in lists and (allow_ops or word != "utilization"):
            st.pos += 1
            target = lists[word]
            target.append(parse_attr_list(st, ids.attr_set(rid, SET_KINDS[word], len(target)), f"{word} of {rid}"))
        elif word == "op" and allow_ops:
            st.pos += 1
            op = _op(st, rid, taken_op_ids)
            taken_op_ids.add(op.id)
            body.ops.append(op)
        elif word == "operations" and allow_ops:
            _operations(st, st.next("operations"), body)
        elif _starts_pairs(tok) and not any((body.params, body.meta, body.utilization, body.ops)):
            target = lists[implicit]
            target.append(parse_attr_list(st, ids.attr_set(rid, SET_KINDS[implicit], 0), f"{implicit} of {rid}",
                                          implicit=True))
        else:
            words = ["params", "meta", "utilization", "op"] if allow_ops else ["params", "meta"]
            if is_pair(tok):
                hint = f"name=value pairs follow {' or '.join(f'`{w}`' for w in words)}; add the keyword before them"
            else:
                hint = did_you_mean(tok.text.lower(), words, f"expected one of: {', '.join(words)}")
            st.fail(tok, f"unexpected {tok.raw!r} in {rid}", hint)
    return body


def _operations(st: Stream, keyword: Token, body: _Body) -> None:
    """`operations $id=X` names this resource's <operations>; `operations $id-ref=X` uses another's."""
    if body.ops or body.ops_id or body.ops_ref:
        st.fail(keyword, "`operations` comes once, before the resource's first `op`",
                "write operations $id=NAME op ... or operations $id-ref=NAME")
    tok = st.next("$id=NAME or $id-ref=NAME after operations")
    pair = split_pair(tok) if not tok.quoted else None
    key = pair[0].lower() if pair else ""
    if pair is None or key not in ("$id", "$id-ref"):
        st.fail(tok, f"expected $id=NAME or $id-ref=NAME after operations, found {tok.raw!r}",
                "operations $id=NAME names this resource's operations; operations $id-ref=NAME uses another's")
    value = check_id(_token_with(tok, pair[1]), "operations id")
    if key == "$id":
        body.ops_id = value
        return
    body.ops_ref = value
    if st.peek_word() == "op":
        st.fail(st.tokens[st.pos], "a resource that uses other operations ($id-ref) has no `op` of its own",
                f"add the op to the operations {value!r} refers to, or write all the ops here")


def _op(st: Stream, rid: str, taken: set[str]) -> Op:
    name_tok = st.next("an operation name after `op` (start, stop, monitor, ...)")
    name = name_tok.text
    if is_pair(name_tok):
        st.fail(name_tok, "`op` needs an operation name first", "e.g. op monitor interval=30s timeout=20s")
    if "=" in name:  # glued to its attributes: in `monitor\interval=30s` the backslash only escapes the i
        st.fail(name_tok, f"`{name}` is not an operation name", "put a space between the name and its attributes: "
                "op monitor interval=30s")
    fields: dict[str, tuple[str, Token]] = {}
    attributes: list[tuple[str, str]] = []
    inst = Pairs()
    # crmsh reads op attributes (interval=, timeout=, ...) first and everything after the first other
    # name as the operation's instance attributes; an op attribute after one is its "Attribute order error".
    first_instance: tuple[str, Token] | None = None
    while True:
        tok = st.peek()
        pair = split_pair(tok) if tok is not None and not tok.quoted else None
        if tok is not None and pair is not None and pair[0].lower() == "$id":
            st.pos += 1
            fields["id"] = (pair[1], tok)
            continue
        chunk = parse_pairs(st, f"op {name} of {rid}", allow_empty=True, stop_at_id=True)
        if not chunk:
            break
        named = {p.name for p in chunk.ids} | {ref_placeholder(r) for r in chunk.refs}
        for (key, value), tok in zip(chunk.pairs, chunk.tokens):
            low = key.lower()
            if key not in named and (low in OP_FIELDS or low in OP_ATTRIBUTES) and first_instance is not None:
                _misplaced_op_attribute(st, tok, key, first_instance, f"op {name} of {rid}")
            if key not in named and low in OP_FIELDS:
                fields[low] = (value, tok)
            elif key not in named and low in OP_ATTRIBUTES:
                attributes.append((low, value))
            else:
                inst.pairs.append((key, value))
                first_instance = first_instance or (key, tok)
        inst.ids += chunk.ids
        inst.refs += chunk.refs
        inst.unset += chunk.unset
    interval_text = fields["interval"][0] if "interval" in fields else None
    interval_ms = read_duration(fields["interval"][1], interval_text, "interval") if interval_text is not None else 0
    timeout_text = fields["timeout"][0] if "timeout" in fields else None
    timeout_ms = read_duration(fields["timeout"][1], timeout_text, "timeout") if timeout_text is not None else None
    role = read_role(fields["role"][1], fields["role"][0], rid) if "role" in fields else None
    on_fail = fields["on-fail"][0].lower() if "on-fail" in fields else None
    if on_fail is not None and on_fail not in ON_FAIL:
        st.fail(fields["on-fail"][1], f"invalid on-fail {on_fail!r}",
                did_you_mean(on_fail, ON_FAIL, f"use one of {', '.join(ON_FAIL)}"))
    enabled = read_bool(fields["enabled"][1], fields["enabled"][0], "enabled") if "enabled" in fields else True
    if "id" in fields:
        op_id = check_id(_token_with(fields["id"][1], fields["id"][0]), "op id")
    else:
        op_id = ids.op(rid, name, interval_text if interval_text is not None else "0", taken)
    params: list[AttrSet] = []
    if inst:
        params.append(AttrSet(ids.attr_set(op_id, "instance_attributes", 0), tuple(inst.pairs), location=name_tok.loc,
                              pair_ids=tuple(inst.ids), pair_refs=tuple(inst.refs), unset=tuple(inst.unset)))
    meta: list[AttrSet] = []
    while st.peek_word() in ("op_params", "op_meta"):
        kw = st.next("op_params/op_meta").text.lower()
        target, kind = (params, "instance_attributes") if kw == "op_params" else (meta, "meta_attributes")
        target.append(parse_attr_list(st, ids.attr_set(op_id, kind, len(target)), f"{kw} of {rid} {name}"))
    return Op(op_id, name, interval_ms, timeout_ms, role, on_fail, enabled, tuple(attributes), tuple(params),
              tuple(meta), interval_text, timeout_text, location=name_tok.loc)


def _misplaced_op_attribute(st: Stream, tok: Token, key: str, first: tuple[str, Token], owner: str) -> NoReturn:
    st.fail(tok, f"{owner}: the op attribute {key}= comes after the instance attribute {first[0]}= "
                 f"(line {first[1].line}), where crmsh refuses it (Attribute order error)",
            f"write {key}= before {first[0]}=: an op's own attributes (interval, timeout, role, on-fail, ...) "
            "come first, then the parameters it passes to the agent")


def _token_with(tok: Token, text: str) -> Token:
    return Token(text, tok.raw, tok.source, tok.line, tok.column, tok.line_text, tok.quoted)


def parse_primitive(st: Stream, keyword: Token) -> Primitive | Template:
    id_tok = st.ident("resource id")
    agent, template, agent_tok = _agent(st)
    is_template = keyword.text.lower() == "rsc_template"
    if is_template and agent is None:
        st.fail(agent_tok, "a template cannot be based on another template", "give a resource agent class:provider:type")
    description = _description(st)
    body = _resource_body(st, id_tok.text, allow_ops=True, implicit="params")
    if is_template:
        assert agent is not None
        return Template(id_tok.text, agent, description, tuple(body.params), tuple(body.meta),
                        tuple(body.utilization), tuple(body.ops), location=id_tok.loc, ops_id=body.ops_id,
                        ops_ref=body.ops_ref)
    return Primitive(id_tok.text, agent, template, description, tuple(body.params), tuple(body.meta),
                     tuple(body.utilization), tuple(body.ops), location=id_tok.loc, ops_id=body.ops_id,
                     ops_ref=body.ops_ref)


def _children(st: Stream, owner: str) -> list[Token]:
    out: list[Token] = []
    while not st.at_end:
        tok = st.peek()
        assert tok is not None
        if is_pair(tok) or st.peek_word() in ("meta", "params"):
            break
        st.pos += 1
        check_id(tok, f"member of {owner}")
        out.append(tok)
    return out


def parse_group(st: Stream, keyword: Token) -> Group:
    id_tok = st.ident("group id")
    members = _children(st, id_tok.text)
    if not members:
        st.fail_end("a group needs at least one member") if st.at_end else st.fail(
            st.tokens[st.pos], "a group needs at least one member before its attributes",
            f"e.g. group {id_tok.text} p_ip p_service")
    description = _description(st)
    body = _resource_body(st, id_tok.text, allow_ops=False, implicit="meta")
    return Group(id_tok.text, tuple(t.text for t in members), description, tuple(body.params), tuple(body.meta),
                 location=id_tok.loc)


def parse_clone(st: Stream, keyword: Token) -> Clone:
    legacy = keyword.text.lower() in ("ms", "master")
    id_tok = st.ident("clone id")
    children = _children(st, id_tok.text)
    if len(children) != 1:
        where = children[1] if len(children) > 1 else keyword
        st.fail(where, f"a {keyword.text.lower()} contains exactly one resource (a primitive or a group)",
                f"put several resources in a group first, then {keyword.text.lower()} the group")
    description = _description(st)
    body = _resource_body(st, id_tok.text, allow_ops=False, implicit="meta")
    meta = tuple(body.meta)
    promotable = legacy or is_true(_merged_get(meta, "promotable"))
    return Clone(id_tok.text, children[0].text, promotable, legacy, description, tuple(body.params), meta,
                 location=id_tok.loc)


def _merged_get(sets: tuple[AttrSet, ...], name: str) -> str | None:
    for s in sorted((s for s in sets if s.rule is None), key=lambda s: -(s.score or 0)):
        value = s.get(name)
        if value is not None:
            return value
    return None


def parse_monitor(st: Stream, keyword: Token) -> MonitorStatement:
    ref = st.next("RESOURCE[:ROLE] after monitor")
    rsc, _, role_text = ref.text.partition(":")
    check_id(_token_with(ref, rsc), "resource id")
    role: Role | None = read_role(ref, role_text, rsc) if role_text else None
    spec = st.next("INTERVAL[:TIMEOUT] after the resource")
    interval_text, _, timeout_text = spec.text.partition(":")
    interval_ms = read_duration(spec, interval_text, "interval")
    timeout_ms = read_duration(spec, timeout_text, "timeout") if timeout_text else None
    st.expect_end("nothing after monitor RESOURCE[:ROLE] INTERVAL[:TIMEOUT]")
    op = Op("", "monitor", interval_ms, timeout_ms, role, interval_text=interval_text,
            timeout_text=timeout_text or None, location=SourceLocation(ref.source, ref.line, ref.column))
    return MonitorStatement(rsc, op, ref)
