"""Attribute lists (`params`, `meta`, `utilization`, properties) and rules.

    attr_list ::= [ '$id=' ID | '$id-ref=' ID ] [ SCORE ':' ] [ rule ] { pair }
    pair      ::= NAME '=' VALUE                 ; NAME '=' alone: an empty value
                | NAME                           ; no value: Pacemaker ignores it (a warning)
                | '$' ID ':' NAME '=' VALUE | '$' NAME '=' VALUE    ; an nvpair others can refer to
                | '@' ID [ ':' NAME ]            ; the value of the nvpair ID (under its name, or NAME)
    rule      ::= 'rule' ( '$id-ref=' ID | [ '$id=' ID ] [ ['$']'role=' ROLE ] [ SCORE ':' ] expr )
    expr      ::= simple { ('and' | 'or') simple }
    simple    ::= ATTR [TYPE ':'] BINOP VALUE | ('defined' | 'not_defined') ATTR | 'date' dateexpr
    VALUE     ::= WORD | ('literal' | 'param' | 'meta') '{' WORD '}'

A rule without a score scores INFINITY, as crmsh writes it. References
(`$id-ref=`, `@ID`) are resolved once the whole text is read (crm/refs.py).

Imports nothing of hastack but errors, the model and the crm lexer/stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hastack.crm import ids
from hastack.crm.lexer import Token
from hastack.crm.spell import is_bare_name
from hastack.didyoumean import closest, did_you_mean
from hastack.crm.stream import Stream, check_id, read_role, read_score, split_pair
from hastack.model import scores
from hastack.model.config import AttrSet, DateExpression, Expression, PairId, PairRef, Rule, RuleItem
from hastack.model.values import Role

BINOPS = ("lt", "gt", "lte", "gte", "eq", "ne")
UNARY = ("defined", "not_defined")
TYPES = ("string", "integer", "number", "version")
DATE_OPS = {"lt": "lt", "gt": "gt", "in": "in_range", "in_range": "in_range", "spec": "date_spec",
            "date_spec": "date_spec"}
DURATION_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
DATE_SPEC_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds", "monthdays",
                  "weekdays", "yeardays", "weekyears", "moon")
VALUE_SOURCES = ("literal", "param", "meta")
# Words that end an attribute list wherever one can stand (crmsh's terminators).
TERMINATORS = ("params", "meta", "utilization", "operations", "op", "op_params", "op_meta", "rule", "attributes")
_SOURCED = re.compile(r"^([^\s{}]+)\{(\S+)\}$")


def is_score_token(tok: Token | None) -> bool:
    """`inf:`, `100:`, `pingd:` — one word ending with a colon and holding no `=`."""
    return (tok is not None and not tok.quoted and tok.text.endswith(":") and len(tok.text) > 1
            and "=" not in tok.text)


def is_pair(tok: Token | None) -> bool:
    return tok is not None and split_pair(tok) is not None


def _dollar(tok: Token | None, name: str) -> str | None:
    if tok is None or tok.quoted:
        return None
    pair = split_pair(tok)
    if pair and pair[0].lower() == name:
        return pair[1]
    return None


@dataclass
class Pairs:
    """What one attribute list's pairs say (AttrSet's pairs, pair_ids, pair_refs, unset)."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    tokens: list[Token] = field(default_factory=list)  # the token of each pair, for messages
    ids: list[PairId] = field(default_factory=list)
    refs: list[PairRef] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.pairs or self.unset)


def ref_placeholder(ref: PairRef) -> str:
    """The name an unresolved reference holds in `pairs` until crm/refs.py resolves it."""
    return f"@{ref.ref}:{ref.name}" if ref.renamed else f"@{ref.ref}"


def parse_pairs(st: Stream, what: str, allow_empty: bool = False, bare: bool = True,
                stop: tuple[str, ...] = (), stop_at_id: bool = False) -> Pairs:
    """name=value pairs and the forms above, up to a keyword (TERMINATORS, `stop`) or another word.

    A lone NAME is a name without a value, except first in the list when not `bare`."""
    out = Pairs()
    while True:
        tok = st.peek()
        if tok is None or (not tok.quoted and tok.text.lower() in TERMINATORS + stop):
            break
        if not tok.quoted and tok.text.startswith("@") and len(tok.text) > 1:
            if "=" in tok.text:
                st.fail(tok, f"{tok.text!r}: a reference takes its value from the nvpair it names",
                        "write @ID or @ID:NAME, with no `=`")
            st.pos += 1
            ref_id, colon, name = tok.text[1:].partition(":")
            check_id(_retext(tok, ref_id), "nvpair id")
            if colon and not name:
                st.fail(tok, f"{tok.text!r} names no attribute after the colon", "write @ID or @ID:NAME")
            ref = PairRef(name, ref_id, bool(colon), location=tok.loc)
            out.refs.append(ref)
            out.pairs.append((ref_placeholder(ref), ""))
            out.tokens.append(tok)
            continue
        pair = split_pair(tok)
        if pair is not None and pair[0].startswith("$"):  # (split_pair: no quote in the name part)
            if stop_at_id and pair[0].lower() == "$id":
                break
            _named_pair(st, tok, pair, out)
            continue
        if pair is not None:
            if pair[0].startswith("@"):
                st.fail(tok, f"{tok.text!r}: a reference takes its value from the nvpair it names",
                        "write @ID or @ID:NAME, with no `=`")
            out.pairs.append(pair)
            out.tokens.append(tok)
            st.pos += 1
            continue
        if tok.quoted or tok.raw != tok.text or not is_bare_name(tok.text) or (not out and not bare):
            break
        st.pos += 1
        out.unset.append(tok.text)
        keywords = TERMINATORS + stop
        st.warn(tok, f"{tok.text!r} has no value; Pacemaker ignores an attribute without one",
                did_you_mean(tok.text.lower(), keywords,
                             f"write {tok.text}=VALUE ({tok.text}= for an empty value), or remove it"))
    if not out and not allow_empty:
        tok = st.peek()
        if tok is None:
            st.fail_end(f"expected name=value pairs for {what}")
        st.fail(tok, f"expected name=value for {what}, found {tok.raw!r}",
                "write attributes as name=value (quote values with spaces: name=\"a b\")")
    return out


def _named_pair(st: Stream, tok: Token, pair: tuple[str, str], out: Pairs) -> None:
    """`$ID:NAME=VALUE` or `$NAME=VALUE`: a pair with an id of its own."""
    head = pair[0][1:]
    if head.lower() in ("id", "id-ref", "role"):
        st.fail(tok, f"`${head}=` is not a pair; here it comes too late",
                "`$id=`/`$id-ref=` come first in an attribute list, `$role=` right after `rule`")
    pair_id, colon, name = head.partition(":")
    if not colon:
        name = pair_id
    if not name:
        st.fail(tok, f"{tok.text!r} names no attribute", "write $ID:NAME=VALUE or $NAME=VALUE")
    check_id(_retext(tok, pair_id), "nvpair id")
    st.pos += 1
    out.pairs.append((name, pair[1]))
    out.tokens.append(tok)
    out.ids.append(PairId(name, pair_id))


def parse_attr_list(st: Stream, default_id: str, what: str, allow_score: bool = True,
                    named: bool = False, stop: tuple[str, ...] = (), implicit: bool = False) -> AttrSet:
    """One attribute set; `default_id` is used when no `$id=` is given.

    A set may be empty only when it is named (`meta $id=x`, `rsc_defaults x:`), as real CIBs have
    empty sets and a bare keyword with nothing after it is more likely a mistake. `implicit`: the
    list has no keyword before it, so it must start with name=value.
    """
    first = st.peek()
    set_id = default_id
    ref = _dollar(first, "$id-ref")
    if ref is not None and first is not None:
        st.pos += 1
        check_id(_retext(first, ref), "set id")
        return AttrSet(default_id, id_ref=ref, location=first.loc)
    given = _dollar(first, "$id")
    if given is not None and first is not None:
        st.pos += 1
        set_id = check_id(_retext(first, given), "set id")
        named = True
    score: int | None = None
    tok = st.peek()
    if allow_score and is_score_token(tok) and tok is not None:
        st.pos += 1
        score = read_score(tok, tok.text[:-1])
    rule: Rule | None = None
    if st.accept("rule"):
        rule = parse_rule(st, ids.rule(set_id, 0))
        if st.peek_word() == "rule":
            st.fail(st.tokens[st.pos], "only one rule per attribute set is supported",
                    "combine the conditions with `and`/`or` in one rule, or split them into two sets")
    pairs = parse_pairs(st, what, allow_empty=named, stop=stop, bare=not implicit or score is not None
                        or rule is not None or given is not None)
    return AttrSet(set_id, tuple(pairs.pairs), score, rule, location=(first.loc if first else None),
                   pair_ids=tuple(pairs.ids), pair_refs=tuple(pairs.refs), unset=tuple(pairs.unset))


def _retext(tok: Token, text: str) -> Token:
    return Token(text, tok.raw, tok.source, tok.line, tok.column, tok.line_text, tok.quoted)


def parse_rule(st: Stream, default_id: str) -> Rule:
    """After the `rule` keyword. Expressions are named after the rule, as crmsh names them."""
    start = st.peek()
    rule_id = default_id
    role: Role | None = None
    while True:
        tok = st.peek()
        given = _dollar(tok, "$id")
        role_text = _dollar(tok, "$role") or _dollar(tok, "role")  # crmsh reads both spellings
        if tok is not None and given is not None:
            st.pos += 1
            rule_id = check_id(_retext(tok, given), "rule id")
        elif tok is not None and role_text is not None:
            st.pos += 1
            role = read_role(tok, role_text)
        elif tok is not None and (ref := _dollar(tok, "$id-ref")) is not None:
            st.pos += 1
            # A reference: resolved to a copy of the rule (crm/refs.py); nothing else may follow.
            return Rule(check_id(_retext(tok, ref), "rule id"), (), location=tok.loc)
        else:
            break
    score: int | None = scores.INFINITY  # crmsh: a rule without a score scores INFINITY
    score_attr: str | None = None
    tok = st.peek()
    if is_score_token(tok) and tok is not None:
        st.pos += 1
        body = tok.text[:-1]
        if body.startswith("[") and body.endswith("]"):
            score, score_attr = None, body[1:-1]
        elif scores.is_score(body):
            score = scores.parse(body)
        else:
            score, score_attr = None, body
    items: list[RuleItem] = [_simple(st, rule_id, 0)]
    boolean_op: str | None = None
    while st.peek_word() in ("and", "or"):
        op_tok = st.next("and/or")
        if boolean_op is not None and op_tok.text.lower() != boolean_op:
            st.fail(op_tok, "a rule cannot mix `and` and `or`",
                    "split the conditions into several rules (each rule has one boolean operator)")
        boolean_op = op_tok.text.lower()
        after = st.peek()
        if after is None or is_pair(after) or (not after.quoted and after.text.lower() in TERMINATORS):
            st.fail(op_tok, f"dangling `{op_tok.text}`: no expression follows it in the rule",
                    f"add the condition it joins (e.g. `{boolean_op} #uname eq node2`) or delete the "
                    f"`{op_tok.text}`")
        items.append(_simple(st, rule_id, len(items)))
    return Rule(rule_id, tuple(items), score, score_attr, boolean_op or "and", role,
                location=start.loc if start else None)


def _simple(st: Stream, owner: str, index: int) -> RuleItem:
    expr_id = ids.expression(owner, index)
    head = st.next("a rule expression (e.g. #uname eq node1)")
    word = head.text.lower() if not head.quoted else ""
    if word in ("and", "or"):
        st.fail(head, f"dangling `{head.text}`: no expression comes before it in the rule",
                f"an `{word}` joins two conditions: write the first one before it, or delete the `{head.text}`")
    if word in UNARY:
        attr = st.next(f"an attribute name after {word}")
        return Expression(expr_id, attr.text, word, location=head.loc)
    if word == "date":
        return _date(st, expr_id, head)
    op_tok = st.next(f"an operator after {head.text!r} ({', '.join(BINOPS)}, or defined/not_defined before it)")
    type_, _, op = op_tok.text.lower().rpartition(":")
    if op_tok.text.lower() in UNARY:
        st.fail(op_tok, f"`{op_tok.text}` goes before the attribute name",
                f"write `{op_tok.text.lower()} {head.text}`")
    if op not in BINOPS:
        st.fail(op_tok, f"unknown operator {op_tok.text!r}", did_you_mean(op, BINOPS, f"use one of {', '.join(BINOPS)}"))
    if type_ and type_ not in TYPES:
        st.fail(op_tok, f"unknown value type {type_!r}", did_you_mean(type_, TYPES, f"use one of {', '.join(TYPES)}"))
    value = st.next(f"a value after {op_tok.text!r}")
    text, source = value.text, None
    sourced = _SOURCED.match(value.text) if not value.quoted else None
    if sourced:
        source, text = sourced.group(1).lower(), sourced.group(2)
        if source not in VALUE_SOURCES:
            st.fail(value, f"unknown value source {sourced.group(1)!r}",
                    did_you_mean(source, VALUE_SOURCES, "write param{NAME} or meta{NAME} for the value of a resource "
                                 "parameter or meta attribute; quote a literal value that has braces"))
    return Expression(expr_id, head.text, op, text, type_ or None, source, location=head.loc)


def _unknown_date_field(st: Stream, tok: Token, key: str, op: str, keys: tuple[str, ...]) -> None:
    """A date range or spec with no field yet, followed by name=value: a misspelt field (`hour=9`),
    refused at it rather than as an empty spec."""
    what = "date range" if op == "in_range" else "date spec"
    st.fail(tok, f"unknown {what} field {key!r}", did_you_mean(key, keys, f"use one of {', '.join(keys)}"))


def refuse_misspelt_date_field(st: Stream) -> None:
    """Where a rule must end (a location's rules), a name=value next is a date field that was not read:
    `date spec hours=9-16 weekday=1-5` ends its spec at `weekday`. Refused as that, with the field it is
    close to, rather than as an unexpected word. (Not where a rule ends an nvpair set's head: there a
    name=value after the spec is the set's first pair, as crmsh reads it.)"""
    tok = st.peek()
    pair = split_pair(tok) if tok is not None else None
    if tok is None or pair is None:
        return
    keys = tuple(dict.fromkeys(DATE_SPEC_KEYS + ("start", "end") + DURATION_KEYS))
    best = closest(pair[0].lower(), keys)
    if best is not None:
        st.fail(tok, f"unknown date field {pair[0]!r}", f"did you mean {best!r}? (a date spec takes "
                f"{', '.join(DATE_SPEC_KEYS)}; a date range start=, end= and durations)")


def _date(st: Stream, expr_id: str, head: Token) -> DateExpression:
    op_tok = st.next("a date operation (lt, gt, in, spec)")
    op = DATE_OPS.get(op_tok.text.lower())
    if op is None:
        st.fail(op_tok, f"unknown date operation {op_tok.text!r}",
                did_you_mean(op_tok.text.lower(), DATE_OPS, "use lt END, gt START, in start=... end=..., or spec ..."))
    if op == "lt":
        return DateExpression(expr_id, op, end=st.next("an end date").text, location=head.loc)
    if op == "gt":
        return DateExpression(expr_id, op, start=st.next("a start date").text, location=head.loc)
    keys = ("start", "end") + DURATION_KEYS if op == "in_range" else DATE_SPEC_KEYS
    start = end = None
    pairs: list[tuple[str, str]] = []
    while True:
        tok = st.peek()
        pair = split_pair(tok) if tok is not None else None
        if pair is None or pair[0] not in keys:
            if tok is not None and pair is not None and not (pairs or start or end):
                _unknown_date_field(st, tok, pair[0], op, keys)
            break
        st.pos += 1
        if pair[0] == "start":
            start = pair[1]
        elif pair[0] == "end":
            end = pair[1]
        else:
            pairs.append(pair)
    if op == "in_range":
        if start is None and end is None:
            st.fail(op_tok, "a date range needs start= and/or end=", "e.g. date in start=2024-01-01 end=2024-12-31")
        return DateExpression(expr_id, op, start, end, duration=tuple(pairs), location=head.loc)
    if not pairs:
        st.fail(op_tok, "a date spec needs at least one field", f"use {', '.join(DATE_SPEC_KEYS)}, e.g. hours=9-17")
    return DateExpression(expr_id, op, date_spec=tuple(pairs), location=head.loc)
