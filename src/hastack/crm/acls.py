"""ACL statements, both ways: role, acl_target, acl_group and the older user.

    role       ::= 'role' ID [description=TEXT] { permission }
    permission ::= ('read' | 'write' | 'deny') [ ID ':' ] [description=TEXT] spec { spec }
    spec       ::= 'xpath:' XPATH | ('ref:' | 'reference:') ID | ('tag:' | 'type:') ELEMENT
                 | ('attr:' | 'attribute:') NAME          ; with tag:/type: only
                 | SHORTCUT [ ':' ARG { ':' ARG } ]      ; an XPath spelled short (SHORTCUTS)
    acl_target ::= 'acl_target' ID { ROLE }              ; acl_group: a unix group
    user       ::= 'user' ID { 'role:' ROLE }             ; read as acl_target

One permission statement with an XPath and a reference (say) gives one
permission each, as crmsh splits them; permissions without an id are named
`<role>-0`, `<role>-1`, ... (crm/ids.py). `user` with access rules of its own
(Pacemaker 1.1's form) is refused: schema 2.0 and later have no place for them.

Imports nothing of hastack but errors, the model and the crm modules named here.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hastack.crm import ids
from hastack.crm.lexer import Token
from hastack.crm.spell import CONT, pair, quote
from hastack.crm.stream import Stream, check_id, split_pair
from hastack.didyoumean import did_you_mean
from hastack.errors import HastackError
from hastack.model.acls import KINDS, AclPermission, AclRole, AclTarget

# XPath shortcuts: each part takes one argument (`@@`, all of them in the part) or none; the
# arguments given fill the parts in order, and parts after the last argument are left out.
SHORTCUTS: dict[str, tuple[str, ...]] = {
    "meta": ("//primitive[@id='@@']/meta_attributes", "/nvpair[@name='@@']"),
    "params": ("//primitive[@id='@@']/instance_attributes", "/nvpair[@name='@@']"),
    "utilization": ("//primitive[@id='@@']/utilization",),
    "location": ("//rsc_location[@id='cli-prefer-@@' and @rsc='@@']",),
    "property": ("//crm_config/cluster_property_set", "/nvpair[@name='@@']"),
    "nodeattr": ("//nodes/node/instance_attributes", "/nvpair[@name='@@']"),
    "nodeutil": ("//nodes/node/utilization", "[@uname='@@']"),
    "node": ("//nodes/node", "[@uname='@@']"),
    "status": ("/cib/status",),
    "cib": ("/cib",),
}
SPECS = {"xpath": "xpath", "ref": "reference", "reference": "reference", "tag": "object_type",
         "type": "object_type", "attr": "attribute", "attribute": "attribute"}
_ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def expand(shortcut: str, args: list[str]) -> str | None:
    """The XPath a shortcut stands for; None when the arguments do not fit it."""
    parts = SHORTCUTS[shortcut]
    if not args:
        return None if "@@" in parts[0] else parts[0]
    out, i = "", 0
    for arg in args:
        while i < len(parts) and "@@" not in parts[i]:
            out += parts[i]
            i += 1
        if i == len(parts):
            return None
        out += parts[i].replace("@@", arg)
        i += 1
    return out


def _shortcut_of(xpath: str) -> str | None:
    """The shortcut spelling of an XPath, if one expands to exactly it."""
    for name, parts in SHORTCUTS.items():
        for n in range(len(parts) + 1):
            pattern = "".join(re.escape(p).replace("@@", "([A-Za-z_][A-Za-z0-9_.-]*)") for p in parts[:max(n, 1)])
            m = re.fullmatch(pattern, xpath)
            if m is None:
                continue
            args = list(dict.fromkeys(m.groups())) if name == "location" else list(m.groups())
            if expand(name, args) == xpath:
                return ":".join([name] + args)
    return None


# --- parsing ------------------------------------------------------------------------------

def _description(st: Stream) -> str | None:
    tok = st.peek()
    p = split_pair(tok) if tok is not None else None
    if p and p[0].lower() == "description":
        st.pos += 1
        return p[1]
    return None


def _retext(tok: Token, text: str) -> Token:
    return Token(text, tok.raw, tok.source, tok.line, tok.column, tok.line_text, tok.quoted)


def _is_spec(tok: Token) -> bool:
    head = tok.text.split(":", 1)[0].lower()
    return head in SPECS or head in SHORTCUTS


def _spec(st: Stream, tok: Token, found: dict[str, tuple[str, Token]]) -> None:
    head, colon, value = tok.text.partition(":")
    key = head.lower()
    if key in SHORTCUTS:
        args = value.split(":") if colon else []
        xpath = expand(key, args) if all(_ARG.match(a) for a in args) else None
        if xpath is None:
            usage = {1: f"{key}:ARG", 2: f"{key}:ID or {key}:ID:NAME"}.get(
                sum("@@" in p for p in SHORTCUTS[key]), key)
            if "@@" not in SHORTCUTS[key][0]:
                usage = f"{key}" + (f" or {key}:ARG" if len(SHORTCUTS[key]) > 1 else "")
            st.fail(tok, f"the ACL shortcut {tok.text!r} does not fit", f"write {usage}")
        field, value = "xpath", xpath
    else:
        field = SPECS[key]
        if not value:
            st.fail(tok, f"{head}: needs a value", f"e.g. {head}:{'//nodes' if field == 'xpath' else 'NAME'}")
    if field in found:
        st.fail(tok, f"a permission names its {field.replace('_', '-')} once",
                "write a second permission for the second one: read ref:a read ref:b")
    found[field] = (value, tok)


def _permission(st: Stream, kind_tok: Token) -> list[AclPermission]:
    """One permission statement; id "" where none is written (parse_role names them)."""
    kind = kind_tok.text.lower()
    perm_id = ""
    tok = st.peek()
    if tok is not None and not tok.quoted:
        given = split_pair(tok)
        if given is not None and given[0].lower() == "$id":
            st.pos += 1
            perm_id = check_id(_retext(tok, given[1]), "permission id")
        elif given is None and tok.text.endswith(":") and len(tok.text) > 1 and not _is_spec(tok):
            # (a name=value pair is never an id, even when its value ends in ':': description=see:)
            st.pos += 1
            perm_id = check_id(_retext(tok, tok.text[:-1]), "permission id")
    description = _description(st)
    found: dict[str, tuple[str, Token]] = {}
    while (tok := st.peek()) is not None and _is_spec(tok):
        st.pos += 1
        _spec(st, tok, found)
    if not found:
        nxt = st.peek()
        hint = "e.g. read xpath://nodes, write meta:RSC:target-role, read ref:RSC, deny tag:nvpair attr:value"
        if nxt is not None and nxt.text.split(":", 1)[0].lower() not in KINDS:
            st.fail(nxt, f"{nxt.raw!r} is not something a permission can name",
                    did_you_mean(nxt.text.split(":", 1)[0].lower(), list(SPECS) + list(SHORTCUTS), hint))
        st.fail(kind_tok, f"{kind} needs what it applies to", hint)
    if "attribute" in found and "object_type" not in found:
        st.fail(found["attribute"][1], "attr: narrows a tag:/type: permission, and there is none",
                "add the element: read type:node attr:uname")
    groups: list[dict[str, str]] = []
    for field in ("xpath", "reference", "object_type"):
        if field in found:
            group: dict[str, str] = {field: found[field][0]}
            if field == "object_type" and "attribute" in found:
                group["attribute"] = found["attribute"][0]
            groups.append(group)
    if perm_id and len(groups) > 1:
        st.fail(kind_tok, "one id names one permission, and this statement makes several",
                "give the XPath, the reference and the tag one permission each")
    return [AclPermission(perm_id, kind, description=description, location=kind_tok.loc, **g) for g in groups]


def parse_role(st: Stream, keyword: Token) -> AclRole:
    id_tok = st.ident("role id")
    description = _description(st)
    permissions: list[AclPermission] = []
    while not st.at_end:
        tok = st.next("read, write or deny")
        if tok.quoted or tok.text.lower() not in KINDS:
            st.fail(tok, f"expected read, write or deny, found {tok.raw!r}",
                    did_you_mean(tok.text.lower(), KINDS, f"e.g. role {id_tok.text} read xpath://nodes write "
                                                          "meta:RSC:target-role"))
        permissions += _permission(st, tok)
    named = ids.free_numbered(id_tok.text, [p.id or None for p in permissions])
    return AclRole(id_tok.text, tuple(replace(p, id=i) for p, i in zip(permissions, named)), description,
                   location=id_tok.loc)


def parse_acl_target(st: Stream, keyword: Token) -> AclTarget:
    """acl_target, acl_group, and user (roles as role:ID)."""
    word = keyword.text.lower()
    if word == "acl_group":
        id_tok = st.ident("group name")  # an XML id
    else:  # a user name: any word (Pacemaker's acl_target id is plain text)
        id_tok = st.next("a user name")
        if "=" in id_tok.text or not id_tok.text.strip():
            st.fail(id_tok, f"{id_tok.raw!r} is not a user name", f"e.g. {word} alice ROLE ...")
    roles: list[str] = []
    while not st.at_end:
        tok = st.next("a role")
        text = tok.text
        if word == "user":
            if tok.text.lower() in KINDS:
                st.fail(tok, "`user` with access rules of its own is Pacemaker 1.1's ACL form, which Pacemaker 2 "
                             "does not read",
                        f"put the rules in a role and give it to the user: role {id_tok.text}-rules "
                        f"{tok.text.lower()} ...; acl_target {id_tok.text} {id_tok.text}-rules")
            if not text.lower().startswith("role:"):
                st.fail(tok, f"expected role:ROLE, found {tok.raw!r}", f"e.g. user {id_tok.text} role:admin")
            text = text[5:]
            tok = Token(text, tok.raw, tok.source, tok.line, tok.column + 5, tok.line_text, tok.quoted)
        roles.append(check_id(tok, "role id"))
    return AclTarget(id_tok.text, tuple(roles), is_group=word == "acl_group", location=id_tok.loc)


# --- rendering ------------------------------------------------------------------------------

def _spec_word(field: str, value: str) -> str:
    if field == "xpath":
        short = _shortcut_of(value)
        return short if short is not None else quote(f"xpath:{value}")
    word = {"reference": "ref", "object_type": "type", "attribute": "attr"}[field]
    return quote(f"{word}:{value}")


def render_role(role: AclRole) -> str:
    head = f"role {role.id}"
    if role.description is not None:
        head += f" {pair('description', role.description)}"
    lines = [head]
    explicit = ids.spelled(role.id, [p.id for p in role.permissions])
    for p, spell_id in zip(role.permissions, explicit):
        words = [p.kind] + ([f"{p.id}:"] if spell_id else [])
        if p.description is not None:
            words.append(pair("description", p.description))
        for field in ("xpath", "reference", "object_type", "attribute"):
            value = getattr(p, field)
            if value is not None:
                words.append(_spec_word(field, value))
        lines.append(" ".join(words))
    return CONT.join(lines)


def render_target(target: AclTarget) -> str:
    if target.name is not None and target.name != target.id:
        raise HastackError(f"crm syntax cannot spell the name {target.name!r} of {target.kind} {target.id!r}",
                           hint="show this configuration as CIB XML instead (hastack configure show --xml)")
    return " ".join([target.kind, quote(target.id)] + list(target.roles))
