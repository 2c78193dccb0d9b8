"""What crm text cannot spell, normalised away: for comparing a CIB's configuration with its crm text read back.

crm has no syntax for the ids of rule expressions (crmsh names them again, as
hastack does), for the boolean-op of a rule with one expression, or for a rule
without a score (crm text without one means INFINITY; `0:` says what Pacemaker
reads).
"""

from __future__ import annotations

import dataclasses

from hastack.model.config import DateExpression, Expression, Rule


def spellable(x: object) -> object:
    """x with what crm cannot spell normalised away."""
    if isinstance(x, (Expression, DateExpression)):
        return dataclasses.replace(x, id="-")
    if isinstance(x, Rule):
        no_score = x.score is None and x.score_attribute is None  # Pacemaker reads 0; crm text says `0:`
        return dataclasses.replace(x, expressions=tuple(spellable(e) for e in x.expressions),
                                   boolean_op=x.boolean_op if len(x.expressions) > 1 else "and",
                                   score=0 if no_score else x.score)
    if isinstance(x, tuple):
        return tuple(spellable(i) for i in x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.replace(x, **{f.name: spellable(getattr(x, f.name))  # type: ignore[arg-type]
                                         for f in dataclasses.fields(x) if f.init and f.compare})
    return x
