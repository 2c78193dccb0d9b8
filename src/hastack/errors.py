"""The one error hierarchy of hastack.

Every error a user can cause is a HastackError: it carries what is wrong,
where (a SourceLocation for configuration input), and how to fix it. The CLI
prints these without a traceback and exits non-zero; anything else escaping
to the top is a bug in hastack.

Imports nothing of hastack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class SourceLocation:
    """A point in an input file: 1-based line and column."""

    file: str = "<input>"
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        if self.column <= 0:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One finding about an input: an error refuses the input, a warning does not."""

    message: str
    location: SourceLocation | None = None
    hint: str = ""
    severity: Severity = Severity.ERROR
    # The offending source line and the span to underline, when known.
    source_line: str = ""
    span: int = 1

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity.value}: {self.message}"
        if self.source_line and self.location and self.location.column > 0:
            text += f"\n    {self.source_line}\n    {' ' * (self.location.column - 1)}{'^' * max(1, self.span)}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


def in_order(diagnostics: Iterable[Diagnostic], files: Sequence[str] = ()) -> list[Diagnostic]:
    """The one order diagnostics are shown in: by file, line, column, then errors before warnings.

    Files come in the order given in `files` (the order the user gave them), then
    the others by name; diagnostics with no location come last. The sort is
    stable, so findings at the same place keep the order they were found in.
    """
    rank = {name: i for i, name in enumerate(files)}

    def key(d: Diagnostic) -> tuple[int, int, str, int, int, int]:
        severity = 0 if d.severity is Severity.ERROR else 1
        if d.location is None:
            return (1, 0, "", 0, 0, severity)
        file = d.location.file
        return (0, rank.get(file, len(rank)), file, d.location.line, d.location.column, severity)

    return sorted(diagnostics, key=key)


class HastackError(Exception):
    """Base of every error hastack reports to a user."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return Diagnostic(self.message, hint=self.hint).render()


class ConfigError(HastackError):
    """Configuration input that cannot be accepted; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        diags = [diagnostics] if isinstance(diagnostics, Diagnostic) else list(diagnostics)
        errors = [d for d in diags if d.severity is Severity.ERROR]
        first = errors[0] if errors else diags[0]
        super().__init__(first.message, first.hint)
        self.diagnostics = diags

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def render(self) -> str:
        body = "\n".join(d.render() for d in self.diagnostics)
        n = len(self.errors)
        return f"{body}\n{n} error{'s' if n != 1 else ''}; nothing was changed."


class ValueSyntaxError(HastackError):
    """A scalar (score, duration, boolean, role) that does not parse.

    Raised by model helpers without location; the parsers catch it and attach
    the file:line:column of the token.
    """


class StaleCommit(HastackError):
    """A configuration commit based on a version that is no longer the stored one (someone else
    committed in between): refused, never merged. Every store raises this one."""

    def __init__(self, message: str = "the stored configuration changed since it was read; nothing was changed",
                 hint: str = "read it again (hastack configure show) and redo the change") -> None:
        super().__init__(message, hint)


class AgentError(HastackError):
    """A resource agent that cannot be found, described or run."""


class ScheduleError(HastackError):
    """An input the scheduler cannot decide on in this process (not a configuration mistake)."""


class StateError(HastackError):
    """Cluster state (status section, state file) that cannot be read."""


@dataclass
class Collector:
    """Accumulates diagnostics so a parser can report every problem in one run."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, location: SourceLocation | None = None, hint: str = "",
              source_line: str = "", span: int = 1) -> None:
        self.diagnostics.append(Diagnostic(message, location, hint, Severity.ERROR, source_line, span))

    def warn(self, message: str, location: SourceLocation | None = None, hint: str = "",
             source_line: str = "", span: int = 1) -> None:
        self.diagnostics.append(Diagnostic(message, location, hint, Severity.WARNING, source_line, span))

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise ConfigError(self.diagnostics)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]
