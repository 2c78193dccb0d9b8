"""How values, pairs, attribute lists and rules are spelled in crm text (the renderer's words).

Shared by render.py and the statement families that render themselves (acls,
alerts, bundles). A `Spelling` is what one rendering remembers: the rules
already written, so that a rule equal to one written before under the same id
is written as `rule $id-ref=ID` (how the parser's resolution of a reference
is undone).

Raises HastackError for what crm syntax cannot spell (a rule nested in a rule,
attribute names with spaces, quotes or `=`).

Imports nothing of hastack but errors, the model and crm.ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from hastack.crm import ids
from hastack.errors import HastackError
from hastack.model import scores
from hastack.model.config import AttrSet, DateExpression, Expression, OpExpression, RscExpression, Rule, RuleItem
from hastack.model.values import Role

_PLAIN = re.compile(r"^[A-Za-z0-9_.,:/@%+#-][A-Za-z0-9_.,:/@%+=#-]*$")
_NAME = re.compile(r"^[^\s=\"'\\$@][^\s=\"'\\]*$")
_BARE_NAME = re.compile(r"^[^\s=\"'\\$@:{}()\[\]][^\s=\"'\\:]*$")
CONT = " \\\n\t"
_CANNOT = "show this configuration as CIB XML instead (hastack configure show --xml)"


@dataclass
class Spelling:
    """What one rendering remembers (see the module docstring)."""

    rules: dict[str, Rule] = field(default_factory=dict)


def quote(value: str) -> str:
    """A shell word for `value`: bare when safe, else double-quoted."""
    if value and _PLAIN.match(value) and value != "#":
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`") + '"'


def is_bare_name(word: str) -> bool:
    """Whether a word can stand alone as a name without a value (the parser's test too)."""
    return bool(_BARE_NAME.match(word))


def name_word(name: str) -> str:
    if not _NAME.match(name):
        raise HastackError(f"crm syntax cannot spell the attribute name {name!r}", hint=_CANNOT)
    return name


def pair(name: str, value: str) -> str:
    return f"{name_word(name)}={quote(value)}"


def pairs(items: Iterable[tuple[str, str]]) -> str:
    return " ".join(pair(k, v) for k, v in items)


def role_text(role: Role | None) -> str:
    return role.value if role is not None else ""


def score_text(score: int) -> str:
    return scores.format_crm(score)


def bool_text(value: bool) -> str:
    return "true" if value else "false"


# --- rules ----------------------------------------------------------------------------

def _value(e: Expression) -> str:
    if e.value_source is not None:
        if not _PLAIN.match(e.value or "") or "{" in (e.value or ""):
            raise HastackError(f"crm syntax cannot spell the {e.value_source} value {e.value!r} of {e.id!r}",
                               hint=_CANNOT)
        return f"{e.value_source}{{{e.value}}}"
    return quote(e.value or "")


def _item(item: RuleItem) -> str:
    if isinstance(item, Expression):
        if item.operation in ("defined", "not_defined"):
            return f"{item.operation} {quote(item.attribute)}"
        op = f"{item.type}:{item.operation}" if item.type else item.operation
        return f"{quote(item.attribute)} {op} {_value(item)}"
    if isinstance(item, DateExpression):
        if item.operation == "lt":
            return f"date lt {quote(item.end or '')}"
        if item.operation == "gt":
            return f"date gt {quote(item.start or '')}"
        if item.operation == "in_range":
            parts = ([pair("start", item.start)] if item.start is not None else []) + \
                    ([pair("end", item.end)] if item.end is not None else [])
            return " ".join(["date in"] + parts + [pair(k, v) for k, v in item.duration])
        return "date spec " + pairs(item.date_spec)
    if isinstance(item, (RscExpression, OpExpression)):
        raise HastackError(f"crm syntax cannot express the {'rsc' if isinstance(item, RscExpression) else 'op'}"
                           f"_expression {item.id!r}", hint=_CANNOT)
    raise HastackError(f"crm syntax cannot express the nested rule {item.id!r}", hint=_CANNOT)


def is_reference(rule: Rule, sp: Spelling) -> bool:
    """Whether `rule` is written as a reference (an equal rule with its id was written before)."""
    return sp.rules.get(rule.id) == rule


def rule_text(rule: Rule, default_id: str, sp: Spelling) -> str:
    if is_reference(rule, sp):
        return f"rule $id-ref={rule.id}"
    sp.rules.setdefault(rule.id, rule)
    words = ["rule"]
    if rule.id != default_id:
        words.append(f"$id={rule.id}")
    if rule.role is not None:
        words.append(f"$role={role_text(rule.role)}")
    if rule.score is not None:
        words.append(f"{score_text(rule.score)}:")
    elif rule.score_attribute is not None:
        words.append(f"{rule.score_attribute}:")
    else:
        words.append("0:")  # no score written: Pacemaker reads 0 (crm text without one means INFINITY)
    words.append(f" {rule.boolean_op} ".join(_item(i) for i in rule.expressions))
    return " ".join(words)


# --- attribute lists ---------------------------------------------------------------------

def pair_words(s: AttrSet) -> list[str]:
    """The pairs of a set as written: references as @ID[:NAME], named pairs as $ID:NAME=VALUE,
    then the names without a value."""
    words: list[str] = []
    for (name, value), (pair_id, ref) in zip(s.pairs, s.marks()):
        if ref is not None:
            words.append(f"@{ref.ref}:{name_word(name)}" if ref.renamed else f"@{ref.ref}")
        elif pair_id is not None:
            head = pair_id if pair_id == name else f"{pair_id}:{name_word(name)}"
            words.append(f"${head}={quote(value)}")
        else:
            words.append(pair(name, value))
    for name in s.unset:
        if not is_bare_name(name):
            raise HastackError(f"crm syntax cannot spell the attribute name {name!r} without a value", hint=_CANNOT)
        words.append(name)
    return words


def attr_list(s: AttrSet, default_id: str, sp: Spelling) -> str:
    if s.id_ref is not None:
        return f"$id-ref={s.id_ref}"
    words = []
    has_pairs = bool(s.pairs or s.unset)
    if s.id != default_id or not has_pairs:
        words.append(f"$id={s.id}")
    if s.score is not None:
        words.append(f"{score_text(s.score)}:")
    if s.rule is not None:
        words.append(rule_text(s.rule, ids.rule(s.id, 0), sp))
    words.extend(pair_words(s))
    return " ".join(words)


def sets(keyword: str, owner: str, kind: str, attr_sets: tuple[AttrSet, ...], sp: Spelling) -> list[str]:
    return [f"{keyword} {attr_list(s, ids.attr_set(owner, kind, i), sp)}" for i, s in enumerate(attr_sets)]
