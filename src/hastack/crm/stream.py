"""A cursor over one statement's tokens, and located errors for the statement parsers.

Owns: StatementError (one diagnostic that aborts the current statement),
the warnings a statement collects, and the scalar readers (ids, scores, roles,
booleans, durations) that turn a model ValueSyntaxError into a located error.

Imports nothing of hastack but errors, didyoumean and the model.
"""

from __future__ import annotations

import re
from typing import NoReturn

from hastack.didyoumean import did_you_mean
from hastack.errors import Diagnostic, Severity, SourceLocation, ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.values import Role, parse_bool
from hastack.crm.lexer import Statement, Token

ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class StatementError(Exception):
    """Aborts parsing of one statement; the parser records the diagnostic and goes on."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def error_at(tok: Token, message: str, hint: str = "") -> StatementError:
    return StatementError(Diagnostic(message, tok.loc, hint, Severity.ERROR, tok.line_text, tok.span))


class Stream:
    """Tokens of one statement with one-token lookahead."""

    def __init__(self, stmt: Statement) -> None:
        self.stmt = stmt
        self.tokens = stmt.tokens
        self.pos = 0
        self.warnings: list[Diagnostic] = []  # kept when the statement parses

    @property
    def at_end(self) -> bool:
        return self.pos >= len(self.tokens)

    def peek(self, ahead: int = 0) -> Token | None:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def peek_word(self) -> str:
        """The next token lower-cased if unquoted, else '' (quoted words are never keywords)."""
        tok = self.peek()
        if tok is None or tok.quoted:
            return ""
        return tok.text.lower()

    def next(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            self.fail_end(f"expected {what}")
        self.pos += 1
        return tok

    def accept(self, *words: str) -> Token | None:
        if self.peek_word() in words:
            tok = self.tokens[self.pos]
            self.pos += 1
            return tok
        return None

    def fail_end(self, message: str, hint: str = "") -> NoReturn:
        last = self.tokens[-1]
        col = last.column + len(last.raw)
        hint = hint or "complete the statement; if it goes on on the next line, end this line with ` \\`"
        raise StatementError(Diagnostic(f"{message}, but the statement ends here",
                                        _shift(last, col), hint, Severity.ERROR, last.line_text, 1))

    def fail(self, tok: Token, message: str, hint: str = "") -> NoReturn:
        raise error_at(tok, message, hint)

    def warn(self, tok: Token, message: str, hint: str = "") -> None:
        self.warnings.append(Diagnostic(message, tok.loc, hint, Severity.WARNING, tok.line_text, tok.span))

    # scalar readers ------------------------------------------------------------

    def ident(self, what: str) -> Token:
        tok = self.next(what)
        check_id(tok, what)
        return tok

    def expect_end(self, expected: str) -> None:
        tok = self.peek()
        if tok is not None:
            self.fail(tok, f"unexpected {tok.raw!r}", f"expected {expected}")


def _shift(tok: Token, column: int) -> SourceLocation:
    return SourceLocation(tok.source, tok.line, column)


def check_id(tok: Token, what: str) -> str:
    if not ID_RE.match(tok.text):
        raise error_at(tok, f"{tok.text!r} is not a valid {what}",
                       "an id starts with a letter or `_` and contains only letters, digits, `_`, `.` and `-` "
                       "(Pacemaker requires XML ids)")
    return tok.text


def read_score(tok: Token, text: str | None = None) -> int:
    try:
        return scores.parse(tok.text if text is None else text)
    except ValueSyntaxError as err:
        raise error_at(tok, err.message, err.hint) from None


def read_role(tok: Token, text: str, owner: str = "") -> Role:
    try:
        return Role.parse(text)
    except ValueSyntaxError as err:
        names = ["Started", "Stopped", "Promoted", "Unpromoted", "Master", "Slave"]
        where = f" for {owner!r}" if owner else ""
        raise error_at(tok, f"invalid role {text!r}{where}", did_you_mean(text, names, err.hint)) from None


def read_bool(tok: Token, text: str, name: str) -> bool:
    try:
        return parse_bool(text)
    except ValueSyntaxError:
        raise error_at(tok, f"{name}={text!r} is not a boolean", "use true or false") from None


def read_duration(tok: Token, text: str, name: str) -> int:
    try:
        return durations.parse_ms(text)
    except ValueSyntaxError as err:
        raise error_at(tok, f"{name}: {err.message}", err.hint) from None


def split_pair(tok: Token) -> tuple[str, str] | None:
    """`name=value` (first `=` splits); None when the token has no `=` or no name."""
    raw_name, raw_sep, _ = tok.raw.partition("=")
    if not raw_sep or not raw_name or any(q in raw_name for q in "\"'\\"):
        return None  # no `=`, no name, or a quoted word that merely contains `=`
    name, _, value = tok.text.partition("=")
    return name, value
