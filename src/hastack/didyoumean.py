"""The one "did you mean": which known name a mistyped word was probably meant to be.

Every message that rejects a name (a resource, a node, a property, an agent,
a keyword) suggests the nearest known one through here, so the same typo
gets the same suggestion from the parser, the validator, the simulator and
the agent commands. In order, a candidate is:

1. the same word in another case (`IP` for `ip`);
2. the same words joined in another order or with other separators
   (`neutron-agent-dhcp` for `neutron-dhcp-agent`, `p_neutron-metadata_agent`
   for `p_neutron-metadata-agent`), as the Guide's own mistakes are;
3. one key wrong or two neighbouring keys swapped (`osf` for `ocf`), which
   a similarity ratio undervalues in short words;
4. the closest spelling, if it is close enough to be a typo (difflib ratio
   >= CUTOFF, compared as written, then ignoring case).

Imports nothing of hastack.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

CUTOFF = 0.75  # below this, two names are different names, not a typo of one another


def _words(name: str) -> list[str]:
    return sorted(re.split(r"[-_.:]", name.lower()))


def _one_slip(a: str, b: str) -> bool:
    """b is a with one character replaced, or with two neighbouring characters swapped."""
    if len(a) != len(b) or len(a) < 2:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                              and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name `word` was probably meant to be, or None (never `word` itself)."""
    pool = list(dict.fromkeys(c for c in choices if c != word))  # unique, in the caller's order
    same_case = [c for c in pool if c.lower() == word.lower()]
    if same_case:
        return same_case[0]
    same_words = [c for c in pool if _words(c) == _words(word)]
    if same_words:
        return same_words[0]
    slips = [c for c in pool if _one_slip(word.lower(), c.lower())]
    if slips:
        return slips[0]
    found = difflib.get_close_matches(word, pool, n=1, cutoff=CUTOFF)
    if not found:
        lowered = {c.lower(): c for c in pool}
        found = [lowered[m] for m in difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=CUTOFF)]
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str], otherwise: str = "") -> str:
    """`did you mean 'x'?` for the closest known name, else `otherwise`."""
    best = closest(word, choices)
    return f"did you mean {best!r}?" if best is not None else otherwise
