"""The ids crm syntax does not spell out, derived as crmsh derives them.

The parser names every nested object (attribute sets, ops, rules,
expressions, resource sets, fencing levels) with these functions; the
renderer writes an explicit `$id=` only where a model id differs from them.
One definition for both directions is what makes parse(render(c)) == c.

Imports nothing of hastack.
"""

from __future__ import annotations

PROPERTY_SET = "cib-bootstrap-options"
RSC_DEFAULTS_SET = "rsc-options"
OP_DEFAULTS_SET = "op-options"


def numbered(base: str, index: int) -> str:
    """base, base-0, base-1, ... : crmsh's scheme (the first carries no number, the second -0)."""
    return base if index == 0 else f"{base}-{index - 1}"


def attr_set(owner: str, kind: str, index: int) -> str:
    """kind: instance_attributes | meta_attributes | utilization."""
    return numbered(f"{owner}-{kind}", index)


def node_set(node_id: str, kind: str, index: int) -> str:
    """kind: attributes | utilization (crmsh: nodes-ID, nodes-ID-utilization)."""
    base = f"nodes-{node_id}" if kind == "attributes" else f"nodes-{node_id}-utilization"
    return numbered(base, index)


def op(rsc: str, name: str, interval_text: str, taken: set[str]) -> str:
    """`<rsc>-<op>-<interval as typed>`, numbered on collision within the resource."""
    base = f"{rsc}-{name}-{interval_text}"
    n = 0
    while numbered(base, n) in taken:
        n += 1
    return numbered(base, n)


def rule(owner: str, index: int) -> str:
    return numbered(f"{owner}-rule", index)


def expression(rule_id: str, index: int) -> str:
    """crmsh (4.4.1 to 4.6.2, fix_node_ids) names expressions after their rule: `l1-rule-expression`,
    `l1-rule-expression-0`, ... -- so a rule and its copies (`rule $id-ref=`) name them alike."""
    return numbered(f"{rule_id}-expression", index)


def resource_set(constraint: str, index: int) -> str:
    return f"{constraint}-{index}"


def fencing_level(index: int) -> str:
    """crmsh: fencing, fencing-0, fencing-1, ..."""
    return numbered("fencing", index)


def free_numbered(owner: str, given: list[str | None]) -> list[str]:
    """The ids of an owner's children in order: each given id as written, each missing one
    `<owner>-<n>` with the smallest n from 0 that no child holds yet -- crmsh's ids for what it
    names after its owner alone (ACL permissions, bundle port and storage mappings, alert select
    attributes)."""
    taken = {g for g in given if g}
    out = []
    for g in given:
        if not g:
            n = 0
            while f"{owner}-{n}" in taken:
                n += 1
            g = f"{owner}-{n}"
            taken.add(g)
        out.append(g)
    return out


def spelled(owner: str, actual: list[str]) -> list[bool]:
    """Which of the children's ids must be written out so that free_numbered gives `actual` back."""
    keep = [False] * len(actual)
    while True:
        derived = free_numbered(owner, [a if k else None for a, k in zip(actual, keep)])
        wrong = next((i for i, (d, a) in enumerate(zip(derived, actual)) if d != a), None)
        if wrong is None:
            return keep
        keep[wrong] = True


def recipient(alert: str, index: int) -> str:
    """crmsh: <alert>-recipient-1, -2, ... in the order written."""
    return f"{alert}-recipient-{index + 1}"
