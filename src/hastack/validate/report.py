"""Where a semantic finding points, and what it may show.

Owns: turning a finding about a model object into a Diagnostic at the
object's SourceLocation, narrowed to the offending word when the source text
is at hand (a group's location is its id; the missing member is further on),
with the source line for the caret — and with every secret parameter value
masked in message, hint and source line.

Imports nothing of hastack but errors and the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from hastack.errors import Diagnostic, Severity, SourceLocation
from hastack.model.config import Configuration
from hastack.model.secrets import mask_text, secret_values

Report = Callable[..., None]  # Reporter.error or Reporter.warn: the same check, refusing or warning

_MAX_STATEMENT_LINES = 60
_CONTINUED = re.compile(r"\\\s*(#\s*)?$")  # ends with a backslash (or the Guide's `\ # `)


class Reporter:
    """Collects diagnostics about one configuration."""

    def __init__(self, config: Configuration, sources: Mapping[str, str] | None = None) -> None:
        self.lines = {name: text.replace("\t", " ").split("\n") for name, text in (sources or {}).items()}
        self.secrets = secret_values(config)
        self.diagnostics: list[Diagnostic] = []

    def error(self, message: str, loc: SourceLocation | None, hint: str = "", word: str | None = None) -> None:
        self._add(Severity.ERROR, message, loc, hint, word)

    def warn(self, message: str, loc: SourceLocation | None, hint: str = "", word: str | None = None) -> None:
        self._add(Severity.WARNING, message, loc, hint, word)

    def _add(self, severity: Severity, message: str, loc: SourceLocation | None, hint: str,
             word: str | None) -> None:
        source_line, span = "", 1
        if loc is not None and loc.file in self.lines:
            loc, source_line, span = self._narrow(loc, word)
        self.diagnostics.append(Diagnostic(self._mask(message), loc, self._mask(hint), severity,
                                           self._mask(source_line), span))

    def _mask(self, text: str) -> str:
        return mask_text(text, self.secrets)

    def _narrow(self, loc: SourceLocation, word: str | None) -> tuple[SourceLocation, str, int]:
        lines = self.lines[loc.file]
        if not 1 <= loc.line <= len(lines):
            return loc, "", 1
        if word:
            pattern = re.compile(r"(?<![\w.-])" + re.escape(word) + r"(?![\w.-])")
            for n in range(loc.line, min(len(lines), loc.line + _MAX_STATEMENT_LINES) + 1):
                text = lines[n - 1]
                # search after the object's own id (the word at loc), which may equal the reference
                start = loc.column - 1 + _word_len(text, loc.column - 1) if n == loc.line else 0
                m = pattern.search(text, max(0, start))
                if m:
                    return SourceLocation(loc.file, n, m.start() + 1), text, len(word)
                if not _CONTINUED.search(text) and not _is_xml_element(text):
                    break
        text = lines[loc.line - 1]
        m = re.match(r"[^\s]+", text[max(0, loc.column - 1):])
        return loc, text, len(m.group(0)) if m else 1


def _is_xml_element(text: str) -> bool:
    """A line of CIB XML: an object's attributes are on the lines of its child elements (nvpairs),
    so the search goes on as across a crm statement's continued lines."""
    return text.lstrip().startswith("<") and not text.lstrip().startswith("</")


def _word_len(text: str, start: int) -> int:
    m = re.match(r"[^\s]*", text[max(0, start):])
    return len(m.group(0)) if m else 0
