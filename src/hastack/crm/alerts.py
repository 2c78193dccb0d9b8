"""The alert statement, both ways.

    alert     ::= 'alert' ID PATH [description=TEXT] { part }
    part      ::= ('attributes' | 'meta') attr_list
                | 'select' kind { kind }
                | 'to' ( '{' recipient '}' | recipient )
    kind      ::= 'nodes' | 'fencing' | 'resources' | 'attributes' '{' { NAME } '}'
    recipient ::= VALUE [description=TEXT] { ('attributes' | 'meta') attr_list }

Without braces, the attribute lists after a recipient are the recipient's; the
braces let the alert's own lists follow. `select attributes` without a brace is
not a selection: the alert's `attributes` list starts there (as crmsh reads
it). Recipients are named `<alert>-recipient-1`, `-2`, ...; selected attribute
names `<alert>-0`, `-1`, ... (crm/ids.py). The rendering puts the alert's own
lists first and braces every recipient that has lists.

Imports nothing of hastack but errors, the model and the crm modules named here.
"""

from __future__ import annotations

from hastack.crm import ids
from hastack.crm.attrs import parse_attr_list
from hastack.crm.lexer import Token
from hastack.crm.spell import CONT, Spelling, pair, quote, sets
from hastack.crm.stream import Stream, split_pair
from hastack.didyoumean import did_you_mean
from hastack.model.alerts import SELECT_KINDS, Alert, AlertRecipient, SelectAttribute
from hastack.model.config import AttrSet

_SET_WORDS = {"attributes": "instance_attributes", "meta": "meta_attributes"}


def _description(st: Stream) -> str | None:
    tok = st.peek()
    p = split_pair(tok) if tok is not None else None
    if p and p[0].lower() == "description":
        st.pos += 1
        return p[1]
    return None


def _lists(st: Stream, owner: str, found: dict[str, list[AttrSet]], stop: tuple[str, ...]) -> None:
    while st.peek_word() in _SET_WORDS:
        word = st.next("attributes or meta").text.lower()
        target = found.setdefault(word, [])
        target.append(parse_attr_list(st, ids.attr_set(owner, _SET_WORDS[word], len(target)),
                                      f"{word} of {owner}", stop=stop))


def _select(st: Stream, keyword: Token, kinds: list[str], names: list[str]) -> None:
    if kinds:
        st.fail(keyword, "an alert has one `select`", "list every kind after the one `select`: select nodes fencing")
    while st.peek_word() in SELECT_KINDS:
        brace = st.peek(1)
        if st.peek_word() == "attributes" and (brace is None or brace.text != "{"):
            break  # the alert's attribute list, not a selection
        tok = st.next("a kind")
        kind = tok.text.lower()
        if kind in kinds:
            st.fail(tok, f"{kind} is selected twice", "name each kind once")
        kinds.append(kind)
        if kind == "attributes":
            st.next("{")
            while (name := st.next("an attribute name or }")).text != "}":
                names.append(name.text)
    if not kinds:
        nxt = st.peek()
        hint = "select nodes, fencing, resources or attributes { NAME ... }"
        if nxt is None:
            st.fail_end("select needs what to select", hint)
        st.fail(nxt, f"{nxt.raw!r} cannot be selected", did_you_mean(nxt.text.lower(), SELECT_KINDS, hint))


def _recipient(st: Stream, alert_id: str, index: int) -> AlertRecipient:
    braced = st.accept("{") is not None
    value = st.next("the recipient (a file, an address ...) after `to`")
    if value.text in ("{", "}") and not value.quoted:
        st.fail(value, f"expected the recipient, found {value.raw!r}", "e.g. to /var/log/cluster-alerts.log")
    rid = ids.recipient(alert_id, index)
    description = _description(st)
    found: dict[str, list[AttrSet]] = {}
    _lists(st, rid, found, ("to", "select", "}") if braced else ("to", "select"))
    if braced and st.accept("}") is None:
        tok = st.peek()
        if tok is None:
            st.fail_end("the recipient's `{` is never closed", "add } after its attributes")
        st.fail(tok, f"unexpected {tok.raw!r} in the recipient {value.text!r}",
                "inside { } come the recipient, its attributes and meta lists, then }")
    return AlertRecipient(rid, value.text, description, tuple(found.get("attributes", ())),
                          tuple(found.get("meta", ())), location=value.loc)


def parse_alert(st: Stream, keyword: Token) -> Alert:
    id_tok = st.ident("alert id")
    path = st.next("the path of the alert agent")
    description = _description(st)
    found: dict[str, list[AttrSet]] = {}
    kinds: list[str] = []
    names: list[str] = []
    recipients: list[AlertRecipient] = []
    while not st.at_end:
        word = st.peek_word()
        if word in _SET_WORDS:
            _lists(st, id_tok.text, found, ("to", "select"))
        elif word == "select":
            _select(st, st.next("select"), kinds, names)
        elif word == "to":
            st.next("to")
            recipients.append(_recipient(st, id_tok.text, len(recipients)))
        else:
            tok = st.tokens[st.pos]
            st.fail(tok, f"unexpected {tok.raw!r} in alert {id_tok.text}",
                    did_you_mean(word, ("attributes", "meta", "select", "to"),
                                 "an alert goes on with attributes, meta, select or to"))
    selected = tuple(SelectAttribute(i, n) for i, n in zip(ids.free_numbered(id_tok.text, [None] * len(names)),
                                                             names))
    return Alert(id_tok.text, path.text, description, tuple(found.get("attributes", ())),
                 tuple(found.get("meta", ())), tuple(kinds), selected, tuple(recipients), location=id_tok.loc)


def render_alert(alert: Alert, sp: Spelling) -> str:
    head = f"alert {alert.id} {quote(alert.path)}"
    if alert.description is not None:
        head += f" {pair('description', alert.description)}"
    lines = [head] + sets("attributes", alert.id, "instance_attributes", alert.attributes, sp) + \
        sets("meta", alert.id, "meta_attributes", alert.meta, sp)
    if alert.select or alert.select_attributes:
        words = ["select"]
        for kind in alert.select:
            words.append(kind)
            if kind == "attributes":
                words += ["{"] + [quote(a.name) for a in alert.select_attributes] + ["}"]
        lines.append(" ".join(words))
    for i, r in enumerate(alert.recipients):
        rid = ids.recipient(alert.id, i)  # what the parser names it, and its lists after it
        body = [quote(r.value)] + ([pair("description", r.description)] if r.description is not None else [])
        body += sets("attributes", rid, "instance_attributes", r.attributes, sp)
        body += sets("meta", rid, "meta_attributes", r.meta, sp)
        braced = bool(r.attributes or r.meta)
        lines.append("to " + ("{ " + " ".join(body) + " }" if braced else " ".join(body)))
    return CONT.join(lines)
