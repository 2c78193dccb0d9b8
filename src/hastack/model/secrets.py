"""Which parameter values are secrets, and how they are shown: never.

Used by every place that prints or logs parameters (errors, status, agent
output, `configure show --mask`). A parameter is secret when its name says so
(password, passwd, secret, token, key material) or when the agent's meta-data
marks it (callers pass extra names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "******"
_SECRET_NAME = re.compile(r"(pass(word|wd|phrase)?|secret|token|credential|private[_-]?key|api[_-]?key|auth[_-]?key)$|^(passwd|pw)$",
                          re.IGNORECASE)


def is_secret(name: str) -> bool:
    return bool(_SECRET_NAME.search(name.replace("-", "_")))


def mask_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret value (len >= 3) in free text."""
    for value in sorted({s for s in secrets if s and len(s) >= 3}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text
