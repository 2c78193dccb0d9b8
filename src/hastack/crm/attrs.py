"""Attribute lists (`params`, `meta`, `utilization`, properties) and rules.

    attr_list ::= [ '$id=' ID | '$id-ref=' ID ] [ SCORE ':' ] [ rule ] NVPAIR { NVPAIR }
    rule      ::= 'rule' [ '$id=' ID ] [ '$role=' ROLE ] [ SCORE ':' ] expr
    expr      ::= simple { ('and' | 'or') simple }
    simple    ::= ATTR [TYPE ':'] BINOP VALUE | ('defined' | 'not_defined') ATTR | 'date' dateexpr

Imports nothing of hastack but errors, the model and the crm lexer/stream.
"""

from __future__ import annotations

from hastack.crm import ids
from hastack.crm.lexer import Token
from hastack.didyoumean import did_you_mean
from hastack.crm.stream import Stream, check_id, read_role, read_score, split_pair
from hastack.model import scores
from hastack.model.config import AttrSet, DateExpression, Expression, Rule, RuleItem
from hastack.model.values import Role

BINOPS = ("lt", "gt", "lte", "gte", "eq", "ne")
UNARY = ("defined", "not_defined")
TYPES = ("string", "integer", "number", "version")
DATE_OPS = {"lt": "lt", "gt": "gt", "in": "in_range", "in_range": "in_range", "spec": "date_spec",
            "date_spec": "date_spec"}
DURATION_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
DATE_SPEC_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds", "monthdays",
                  "weekdays", "yeardays", "weekyears", "moon")


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


def parse_pairs(st: Stream, what: str, allow_empty: bool = False) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    while True:
        tok = st.peek()
        pair = split_pair(tok) if tok is not None else None
        if tok is None or pair is None:
            break
        if pair[0].startswith("$") or pair[0].startswith("@"):
            st.fail(tok, f"{pair[0]!r} is not supported here",
                    "`$id=` comes first in an attribute list; named nvpairs ($name=, @ref) are not supported")
        pairs.append(pair)
        st.pos += 1
    if not pairs and not allow_empty:
        tok = st.peek()
        if tok is None:
            st.fail_end(f"expected name=value pairs for {what}")
        st.fail(tok, f"expected name=value for {what}, found {tok.raw!r}",
                "write attributes as name=value (quote values with spaces: name=\"a b\")")
    return tuple(pairs)


def parse_attr_list(st: Stream, default_id: str, what: str, allow_score: bool = True,
                    named: bool = False) -> AttrSet:
    """One attribute set; `default_id` is used when no `$id=` is given.

    A set may be empty only when it is named (`meta $id=x`, `rsc_defaults x:`), as real CIBs have
    empty sets and a bare keyword with nothing after it is more likely a mistake.
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
        rule = parse_rule(st, ids.rule(set_id, 0), set_id, 0)
        if st.peek_word() == "rule":
            st.fail(st.tokens[st.pos], "only one rule per attribute set is supported",
                    "combine the conditions with `and`/`or` in one rule, or split them into two sets")
    pairs = parse_pairs(st, what, allow_empty=named)
    return AttrSet(set_id, pairs, score, rule, location=(first.loc if first else None))


def _retext(tok: Token, text: str) -> Token:
    return Token(text, tok.raw, tok.source, tok.line, tok.column, tok.line_text, tok.quoted)


def parse_rule(st: Stream, default_id: str, owner: str, first_expression: int) -> Rule:
    """After the `rule` keyword. Expressions are named after `owner`, numbered from `first_expression`."""
    start = st.peek()
    rule_id = default_id
    role: Role | None = None
    while True:
        tok = st.peek()
        given = _dollar(tok, "$id")
        role_text = _dollar(tok, "$role")
        if tok is not None and given is not None:
            st.pos += 1
            rule_id = check_id(_retext(tok, given), "rule id")
        elif tok is not None and role_text is not None:
            st.pos += 1
            role = read_role(tok, role_text)
        elif tok is not None and _dollar(tok, "$id-ref") is not None:
            st.fail(tok, "rule references ($id-ref) are not supported", "write the rule out")
        else:
            break
    score: int | None = None
    score_attr: str | None = None
    tok = st.peek()
    if is_score_token(tok) and tok is not None:
        st.pos += 1
        body = tok.text[:-1]
        if body.startswith("[") and body.endswith("]"):
            score_attr = body[1:-1]
        elif scores.is_score(body):
            score = scores.parse(body)
        else:
            score_attr = body
    items: list[RuleItem] = [_simple(st, owner, first_expression)]
    boolean_op: str | None = None
    while st.peek_word() in ("and", "or"):
        op_tok = st.next("and/or")
        if boolean_op is not None and op_tok.text.lower() != boolean_op:
            st.fail(op_tok, "a rule cannot mix `and` and `or`",
                    "split the conditions into several rules (each rule has one boolean operator)")
        boolean_op = op_tok.text.lower()
        items.append(_simple(st, owner, first_expression + len(items)))
    return Rule(rule_id, tuple(items), score, score_attr, boolean_op or "and", role,
                location=start.loc if start else None)


def _simple(st: Stream, owner: str, index: int) -> RuleItem:
    expr_id = ids.expression(owner, index)
    head = st.next("a rule expression (e.g. #uname eq node1)")
    word = head.text.lower() if not head.quoted else ""
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
    return Expression(expr_id, head.text, op, value.text, type_ or None, location=head.loc)


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
