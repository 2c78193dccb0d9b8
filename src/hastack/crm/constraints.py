"""Constraint statements: location, colocation/collocation, order, rsc_ticket, and resource sets.

    location   ::= 'location' ID ( RSC | '/' REGEX '/' | '{' sets '}' ) { role= | resource-discovery= }
                   ( SCORE ':' NODE [ role= ] | rule { rule } )   ; role= after NODE: the older place
    colocation ::= ('colocation' | 'collocation') ID SCORE ':' refs [ node-attribute=NAME ]
    order      ::= 'order' ID [ KIND ':' | SCORE ':' ] refs [ symmetrical=BOOL ]
    rsc_ticket ::= 'rsc_ticket' ID TICKET ':' refs [ loss-policy=POLICY ]
    refs       ::= REF REF                                  ; the two-resource form
                 | set { set }                              ; anything else: resource sets
    set        ::= REF {REF} | '(' REF {REF} {SETATTR} ')' | '[' REF {REF} {SETATTR} ']'

A plain run of references is one sequential set, split where the role (or
action) changes; `( )` is sequential=false, `[ ]` adds require-all=false.

Imports nothing of hastack but errors, the model and the crm lexer/stream/attrs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hastack.crm import ids
from hastack.crm.attrs import is_score_token, parse_rule, refuse_misspelt_date_field
from hastack.crm.lexer import Token
from hastack.didyoumean import did_you_mean
from hastack.crm.stream import Stream, check_id, read_bool, read_role, read_score, split_pair
from hastack.model import scores
from hastack.model.config import Colocation, Location, Order, OrderKind, ResourceSet, Rule, Ticket
from hastack.model.values import Role

ACTIONS = ("start", "stop", "promote", "demote")
KINDS = {k.value.lower(): k for k in OrderKind}
DISCOVERY = ("always", "never", "exclusive")
LOSS_POLICIES = ("stop", "demote", "fence", "freeze")
_OPEN = {"(": ")", "[": "]"}


@dataclass
class _Ref:
    name: str
    qual: str
    tok: Token


@dataclass
class _RawSet:
    bracket: str  # "" for a plain run, "(" or "["
    refs: list[_Ref] = field(default_factory=list)
    attrs: dict[str, tuple[str, Token]] = field(default_factory=dict)


def split_brackets(tokens: list[Token]) -> list[Token]:
    """`(A` `B)` -> `(` `A` `B` `)`: crmsh wants spaces around brackets; we do not."""
    out: list[Token] = []
    for tok in tokens:
        text = tok.text
        if tok.quoted or len(text) < 2 or text.endswith(":"):  # `[attr]:` is a score, not a set
            out.append(tok)
            continue
        lead = 0
        while lead < len(text) - 1 and text[lead] in "([{":
            out.append(Token(text[lead], text[lead], tok.source, tok.line, tok.column + lead, tok.line_text))
            lead += 1
        trail = len(text)
        while trail - 1 > lead and text[trail - 1] in ")]}" and not (text[trail - 1] == "}" and "{" in text[lead:]):
            trail -= 1  # (a rule value `param{name}` keeps its brace)
        out.append(Token(text[lead:trail], text[lead:trail], tok.source, tok.line, tok.column + lead, tok.line_text))
        out.extend(Token(c, c, tok.source, tok.line, tok.column + trail + k, tok.line_text)
                   for k, c in enumerate(text[trail:]))
    return out


def _ref(st: Stream, tok: Token) -> _Ref:
    name, _, qual = tok.text.partition(":")
    check_id(Token(name, tok.raw, tok.source, tok.line, tok.column, tok.line_text), "resource id")
    return _Ref(name, qual, tok)


def _raw_sets(st: Stream, stop: tuple[str, ...] = ()) -> list[_RawSet]:
    sets: list[_RawSet] = []
    plain: _RawSet | None = None
    while not st.at_end:
        tok = st.peek()
        assert tok is not None
        if tok.text in stop or split_pair(tok) is not None:
            break
        st.pos += 1
        if tok.text in _OPEN:
            plain = None
            sets.append(_bracketed(st, tok))
        elif tok.text in (")", "]", "{", "}"):
            st.fail(tok, f"unexpected {tok.text!r}", "resource sets cannot nest; brackets come in pairs ( ) or [ ]")
        else:
            ref = _ref(st, tok)
            if plain is None or plain.refs[-1].qual.lower() != ref.qual.lower():
                plain = _RawSet("")
                sets.append(plain)
            plain.refs.append(ref)
    return sets


def _bracketed(st: Stream, open_tok: Token) -> _RawSet:
    raw = _RawSet(open_tok.text)
    close = _OPEN[open_tok.text]
    while True:
        tok = st.peek()
        if tok is None:
            st.fail(open_tok, f"{open_tok.text!r} is never closed", f"add {close!r} after the last resource of the set")
        st.pos += 1
        if tok.text == close:
            break
        if tok.text in _OPEN or tok.text in (")", "]"):
            st.fail(tok, f"unexpected {tok.text!r} inside {open_tok.text} {close}", "resource sets cannot nest")
        pair = split_pair(tok)
        if pair is not None:
            key = pair[0].lower()
            if key not in ("sequential", "require-all", "role", "action"):
                st.fail(tok, f"unknown resource set attribute {pair[0]!r}",
                        did_you_mean(key, ("sequential", "require-all", "role", "action"),
                                     "use sequential=, require-all=, role= or action="))
            raw.attrs[key] = (pair[1], tok)
        else:
            raw.refs.append(_ref(st, tok))
    if not raw.refs:
        st.fail(open_tok, "empty resource set", "put at least one resource between the brackets")
    return raw


def _qual(st: Stream, ref: _Ref, kind: str) -> str | Role | None:
    if not ref.qual:
        return None
    if kind == "action":
        action = ref.qual.lower()
        if action not in ACTIONS:
            st.fail(ref.tok, f"invalid action {ref.qual!r} for {ref.name!r}",
                    did_you_mean(action, ACTIONS, f"use one of {', '.join(ACTIONS)}"))
        return action
    return read_role(ref.tok, ref.qual, ref.name)


def _build_sets(st: Stream, raw_sets: list[_RawSet], con_id: str, kind: str) -> tuple[ResourceSet, ...]:
    out: list[ResourceSet] = []
    for index, raw in enumerate(raw_sets):
        quals = {(_qual(st, r, kind)) for r in raw.refs}
        if len(quals) > 1:
            st.fail(raw.refs[0].tok, f"the resources of one set must share the {kind}",
                    f"give every member the same :{kind.upper()}, or split them into separate sets")
        qual = quals.pop()
        sequential: bool | None = None
        require_all: bool | None = None
        if raw.bracket:
            sequential = False
            require_all = False if raw.bracket == "[" else None
        for key, (value, tok) in raw.attrs.items():
            if key == "sequential":
                sequential = read_bool(tok, value, key)
            elif key == "require-all":
                require_all = read_bool(tok, value, key)
            elif key == "role" and kind == "role":
                qual = read_role(tok, value)
            elif key == "action" and kind == "action":
                qual = _qual(st, _Ref("", value, tok), kind)
            else:
                st.fail(tok, f"{key}= does not apply to this constraint's sets", f"use :{kind.upper()} here")
        role = qual if isinstance(qual, Role) else None
        action = qual if isinstance(qual, str) and not isinstance(qual, Role) else None
        out.append(ResourceSet(ids.resource_set(con_id, index), tuple(r.name for r in raw.refs), sequential,
                               require_all, role, action, location=raw.refs[0].tok.loc))
    return tuple(out)


def _two(raw_sets: list[_RawSet]) -> tuple[_Ref, _Ref] | None:
    refs = [r for s in raw_sets for r in s.refs]
    if len(refs) == 2 and not any(s.bracket for s in raw_sets):
        return refs[0], refs[1]
    return None


def _score_token(st: Stream, what: str, example: str) -> Token:
    tok = st.next(f"a score followed by a colon for {what} (e.g. {example})")
    if not is_score_token(tok):
        hint = f"write the score with a colon right after it, e.g. {example}"
        if scores.is_score(tok.text):
            hint = f"add a colon: `{tok.text}:`"
        st.fail(tok, f"expected SCORE: for {what}, found {tok.raw!r}", hint)
    return tok


def _after_refs(st: Stream, allowed: tuple[str, ...]) -> dict[str, tuple[str, Token]]:
    found: dict[str, tuple[str, Token]] = {}
    while not st.at_end:
        tok = st.tokens[st.pos]
        pair = split_pair(tok)
        if pair is None or pair[0].lower() not in allowed:
            hint = did_you_mean(pair[0].lower(), allowed) if pair else ""
            st.fail(tok, f"unexpected {tok.raw!r}", hint or (f"only {', '.join(a + '=' for a in allowed)} may follow "
                                                             "the resources" if allowed else "nothing may follow"))
        st.pos += 1
        found[pair[0].lower()] = (pair[1], tok)
    return found


def _need_refs(st: Stream, raw_sets: list[_RawSet], keyword: Token, minimum: int) -> None:
    if sum(len(s.refs) for s in raw_sets) < minimum:
        if st.at_end:
            st.fail_end(f"{keyword.text.lower()} needs at least {minimum} resource(s)")
        st.fail(st.tokens[st.pos], f"{keyword.text.lower()} needs at least {minimum} resource(s)")


def parse_colocation(st: Stream, keyword: Token) -> Colocation:
    st.tokens = split_brackets(st.tokens)
    id_tok = st.ident("colocation id")
    score_tok = _score_token(st, "colocation", "inf:")
    score = read_score(score_tok, score_tok.text[:-1])
    raw_sets = _raw_sets(st)
    _need_refs(st, raw_sets, keyword, 2)
    extra = _after_refs(st, ("node-attribute",))
    node_attr = extra["node-attribute"][0] if "node-attribute" in extra else None
    two = _two(raw_sets)
    if two:
        a, b = two
        ra, rb = _qual(st, a, "role"), _qual(st, b, "role")
        return Colocation(id_tok.text, score, a.name, b.name, ra if isinstance(ra, Role) else None,
                          rb if isinstance(rb, Role) else None, node_attribute=node_attr, location=id_tok.loc)
    return Colocation(id_tok.text, score, sets=_build_sets(st, raw_sets, id_tok.text, "role"),
                      node_attribute=node_attr, location=id_tok.loc)


def parse_order(st: Stream, keyword: Token) -> Order:
    st.tokens = split_brackets(st.tokens)
    id_tok = st.ident("order id")
    kind: OrderKind | None = None
    tok = st.peek()
    if is_score_token(tok) and tok is not None:
        st.pos += 1
        body = tok.text[:-1]
        if body.lower() in KINDS:
            kind = KINDS[body.lower()]
        elif scores.is_score(body):
            # crmsh's score_to_kind (observed): 0 is Optional, every other score Mandatory;
            # the CIB then carries kind=, not Pacemaker's deprecated rsc_order score=.
            kind = OrderKind.OPTIONAL if scores.parse(body) == 0 else OrderKind.MANDATORY
        else:
            st.fail(tok, f"invalid kind {body!r}",
                    did_you_mean(body, [k.value for k in OrderKind], "use Mandatory:, Optional: or Serialize:"))
    raw_sets = _raw_sets(st)
    _need_refs(st, raw_sets, keyword, 2)
    extra = _after_refs(st, ("symmetrical",))
    symmetrical = read_bool(extra["symmetrical"][1], extra["symmetrical"][0], "symmetrical") \
        if "symmetrical" in extra else None
    two = _two(raw_sets)
    if two:
        a, b = two
        fa, ta = _qual(st, a, "action"), _qual(st, b, "action")
        return Order(id_tok.text, a.name, b.name, fa if isinstance(fa, str) else None,
                     ta if isinstance(ta, str) else None, kind, None, symmetrical, location=id_tok.loc)
    return Order(id_tok.text, order_kind=kind, symmetrical=symmetrical,
                 sets=_build_sets(st, raw_sets, id_tok.text, "action"), location=id_tok.loc)


def parse_ticket(st: Stream, keyword: Token) -> Ticket:
    st.tokens = split_brackets(st.tokens)
    id_tok = st.ident("rsc_ticket id")
    ticket_tok = st.next("TICKET: after the rsc_ticket id")
    if not ticket_tok.text.endswith(":") or len(ticket_tok.text) < 2:
        st.fail(ticket_tok, f"expected TICKET: (the ticket name and a colon), found {ticket_tok.raw!r}",
                f"e.g. rsc_ticket {id_tok.text} ticketA: rsc1")
    ticket = ticket_tok.text[:-1]
    raw_sets = _raw_sets(st)
    _need_refs(st, raw_sets, keyword, 1)
    extra = _after_refs(st, ("loss-policy",))
    policy = extra["loss-policy"][0].lower() if "loss-policy" in extra else None
    if policy is not None and policy not in LOSS_POLICIES:
        st.fail(extra["loss-policy"][1], f"invalid loss-policy {policy!r}",
                did_you_mean(policy, LOSS_POLICIES, f"use one of {', '.join(LOSS_POLICIES)}"))
    refs = [r for s in raw_sets for r in s.refs]
    if len(refs) == 1 and not raw_sets[0].bracket:
        role = _qual(st, refs[0], "role")
        return Ticket(id_tok.text, ticket, refs[0].name, role if isinstance(role, Role) else None, policy,
                      location=id_tok.loc)
    return Ticket(id_tok.text, ticket, loss_policy=policy, sets=_build_sets(st, raw_sets, id_tok.text, "role"),
                  location=id_tok.loc)


def parse_location(st: Stream, keyword: Token) -> Location:
    st.tokens = split_brackets(st.tokens)
    id_tok = st.ident("location id")
    spec = st.next("a resource, /regex/ or { set } after the location id")
    rsc = pattern = None
    sets: tuple[ResourceSet, ...] = ()
    if spec.text == "{":
        raw_sets = _raw_sets(st, stop=("}",))
        if st.accept("}") is None:
            st.fail(spec, "'{' is never closed", "add '}' after the resources")
        _need_refs(st, raw_sets, keyword, 1)
        sets = _build_sets(st, raw_sets, id_tok.text, "role")
    elif len(spec.text) >= 2 and spec.text.startswith("/") and spec.text.endswith("/"):
        pattern = spec.text[1:-1]
        if not pattern:
            st.fail(spec, "empty resource pattern", "write a regular expression between the slashes: /p_.*/")
    else:
        rsc = check_id(spec, "resource id")
    role: Role | None = None
    role_tok = spec
    discovery: str | None = None
    while True:
        tok = st.peek()
        pair = split_pair(tok) if tok is not None else None
        if tok is None or pair is None or pair[0].lower() not in ("role", "resource-discovery"):
            break
        st.pos += 1
        if pair[0].lower() == "role":
            role, role_tok = read_role(tok, pair[1], id_tok.text), tok
        else:
            discovery = pair[1].lower()
            if discovery not in DISCOVERY:
                st.fail(tok, f"invalid resource-discovery {pair[1]!r}",
                        did_you_mean(discovery, DISCOVERY, f"use one of {', '.join(DISCOVERY)}"))
    if role is not None and sets:
        st.fail(role_tok, "role= applies to one resource; a location with resource sets gives the role per set",
                "write the role after each resource in the braces: { a:Promoted b:Promoted }")
    common = dict(rsc=rsc, rsc_pattern=pattern, role=role, resource_discovery=discovery, sets=sets,
                  location=id_tok.loc)
    if st.peek_word() == "rule":
        rules: list[Rule] = []
        while st.accept("rule"):
            rules.append(parse_rule(st, ids.rule(id_tok.text, len(rules))))
        refuse_misspelt_date_field(st)
        st.expect_end("another `rule` or the end of the location")
        return Location(id_tok.text, rules=tuple(rules), **common)  # type: ignore[arg-type]
    score_tok = _score_token(st, "location", "inf: node1")
    score = read_score(score_tok, score_tok.text[:-1])
    node = st.next("a node name after the score")
    late = st.peek()
    late_pair = split_pair(late) if late is not None else None
    if late is not None and late_pair is not None and late_pair[0].lower() == "role" and role is None and not sets:
        st.pos += 1  # crmsh still reads the role here, where it used to be written
        common["role"] = read_role(late, late_pair[1], id_tok.text)
    st.expect_end("nothing after SCORE: NODE (one node per location; use a rule for more)")
    return Location(id_tok.text, score=score, node=node.text, **common)  # type: ignore[arg-type]
