"""The crm shell lexical layer: physical lines -> statements of located tokens.

Owns: backslash continuation, `#` comment lines, POSIX-shell word splitting
(quotes, backslash escapes) and the physical file:line:column of every token.
It also recognises three line-level mistakes (the first two fill the OpenStack
HA Guide), and recovers from them so one mistake gives one diagnostic:

* `\\ # ` at the end of a line (a DocBook callout left after the backslash):
  the backslash is not the last character, so crmsh would not continue the
  line. We report it and continue the statement as the author meant.
* a lone `#` after content (`x="5min" # `): `#` starts a comment only at the
  beginning of a line. We report it and ignore the rest of the line.
* a backslash glued to the word before it (`a="x"\\`): crmsh glues the next
  line onto that word. We report it and start a new word, as the author meant.

A character the CIB (XML 1.0) cannot hold, such as a control character pasted
from a terminal, is refused where it stands (crmsh fails when it writes the XML);
it is read as a space, so the rest of the line is still checked.

Imports nothing of hastack but errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hastack.errors import Collector, SourceLocation


@dataclass(frozen=True)
class Token:
    """One shell word: `text` is the value after quote removal, `raw` as written."""

    text: str
    raw: str
    source: str
    line: int
    column: int
    line_text: str
    quoted: bool = False

    @property
    def loc(self) -> SourceLocation:
        return SourceLocation(self.source, self.line, self.column)

    @property
    def span(self) -> int:
        return max(1, len(self.raw))


@dataclass
class Statement:
    """One logical line: the tokens of its physical lines, continuation joined."""

    tokens: list[Token] = field(default_factory=list)
    first_line: int = 0
    last_line: int = 0
    last_line_text: str = ""


@dataclass
class _Line:
    words: list[Token]
    continues: bool


def display(line: str) -> str:
    """A source line as shown above a caret: tabs as single spaces, so the caret lines up with
    the column (which counts a tab as one character, as editors do)."""
    return line.replace("\t", " ")


def _is_space(ch: str) -> bool:
    return ch in " \t\r\f\v"


class _LineLexer:
    """Splits one physical line into words, tracking 1-based columns."""

    def __init__(self, text: str, source: str, lineno: int, out: Collector) -> None:
        self.text = text
        self.shown = display(text)
        self.source = source
        self.lineno = lineno
        self.out = out

    def _loc(self, index: int) -> SourceLocation:
        return SourceLocation(self.source, self.lineno, index + 1)

    def run(self) -> _Line:
        text = self.text
        end = len(text.rstrip())
        words: list[Token] = []
        i = 0
        continues = False
        while i < end:
            ch = text[i]
            if _is_space(ch):
                i += 1
                continue
            if ch == "\\" and self._rest_is_blank_or_callout(i + 1, end):
                if i + 1 < end:
                    self.out.error(
                        "the backslash is not the last character on its line, so the line does not continue",
                        self._loc(i), source_line=self.shown, span=end - i,
                        hint="delete what follows the backslash (here a documentation callout `# `); "
                             "a backslash continues a statement only as the very last character of a line")
                continues = True
                break
            if ch == "#" and (i + 1 >= end or _is_space(text[i + 1])):
                self.out.error(
                    "`#` starts a comment only at the beginning of a line; here it is a stray word",
                    self._loc(i), source_line=self.shown, span=end - i,
                    hint="delete the `#` and what follows it, or move the comment to a line of its own")
                break
            word, i = self._word(i, end)
            if word is None:
                break
            words.append(word)
        return _Line(words, continues)

    def _rest_is_blank_or_callout(self, start: int, end: int) -> bool:
        rest = self.text[start:end]
        if rest.strip() == "":
            return True
        stripped = rest.lstrip()
        return len(stripped) < len(rest) and stripped.startswith("#")

    def _word(self, start: int, end: int) -> tuple[Token | None, int]:
        text = self.text
        i = start
        value: list[str] = []
        quoted = False
        while i < end and not _is_space(text[i]):
            ch = text[i]
            if ch == "'" or ch == '"':
                quoted = True
                close = self._closing(i, end, ch)
                if close < 0:
                    self.out.error(f"unterminated {ch} quote", self._loc(i), source_line=self.shown,
                                   span=end - i, hint=f"close the quote with {ch} on the same line")
                    value.append(text[i + 1:end])  # recover: the rest of the line is the value
                    return Token("".join(value), text[start:end], self.source, self.lineno, start + 1,
                                 self.shown, True), end
                body = text[i + 1:close]
                value.append(body if ch == "'" else _unescape_double(body))
                i = close + 1
            elif ch == "\\":
                if i + 1 >= end:
                    break  # a trailing backslash: continuation, handled by the caller
                value.append(text[i + 1])
                i += 2
            else:
                value.append(ch)
                i += 1
        raw = text[start:i]
        return Token("".join(value), raw, self.source, self.lineno, start + 1, self.shown, quoted), i

    def _closing(self, i: int, end: int, quote: str) -> int:
        j = i + 1
        while j < end:
            if quote == '"' and self.text[j] == "\\" and j + 1 < end:
                j += 2
                continue
            if self.text[j] == quote:
                return j
            j += 1
        return -1


def _unescape_double(body: str) -> str:
    """POSIX double quotes: backslash escapes only `"`, `\\`, `$` and backquote."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in '"\\$`':
            out.append(body[i + 1])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def tokenize(text: str, source: str, out: Collector) -> list[Statement]:
    """Split crm text into statements; diagnostics about the text go to `out`."""
    statements: list[Statement] = []
    current: Statement | None = None
    for lineno, line in enumerate(text.split("\n"), start=1):
        line = _without_unwritable(line, source, lineno, out)
        stripped = line.strip()
        if not stripped:
            continue  # crmsh drops blank lines, even inside a continued statement
        if stripped.startswith("#"):
            if current is not None:
                out.error("a comment line inside a continued statement",
                          SourceLocation(source, lineno, line.index("#") + 1), source_line=display(line.rstrip("\r")),
                          span=len(stripped),
                          hint="crmsh glues it into the statement, where `#` is a stray word; move the comment "
                               "above the statement")
            continue  # a comment line (crmsh keeps it as an XML comment; hastack drops it)
        lexed = _LineLexer(line.rstrip("\r"), source, lineno, out).run()
        _glued_backslash(line, source, lineno, lexed, out)
        if current is None:
            current = Statement(first_line=lineno)
        current.tokens.extend(lexed.words)
        current.last_line = lineno
        current.last_line_text = display(line.rstrip("\r"))
        if not lexed.continues:
            if current.tokens:
                statements.append(current)
            current = None
    if current is not None and current.tokens:
        statements.append(current)
    return [s for s in statements if s.tokens]


# What XML 1.0 cannot hold: C0 controls other than tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _without_unwritable(line: str, source: str, lineno: int, out: Collector) -> str:
    """The line with every character the CIB cannot hold reported, and read as a space."""
    for m in _UNWRITABLE.finditer(line):
        out.error(f"the character U+{ord(m.group()):04X} cannot be written to the CIB (XML)",
                  SourceLocation(source, lineno, m.start() + 1), source_line=display(line.rstrip("\r")),
                  hint="delete it (a control character, often pasted from a terminal); quoting does not help")
    return _UNWRITABLE.sub(" ", line)


def _glued_backslash(line: str, source: str, lineno: int, lexed: _Line, out: Collector) -> None:
    """A backslash glued to the word before it: crmsh (lines2cli) does not read it as a continuation
    between two words but glues the next line onto that word (`a="x"\\` + `op` is `a=xop`), so the
    text means something else to crmsh than it seems to: refused. We still start a new word, so the
    rest of the statement is checked as meant and one mistake gives one error."""
    body = line.rstrip()
    if lexed.continues and body.endswith("\\") and len(body) >= 2 and not _is_space(body[-2]):
        out.error("no space before the line-continuation backslash: crmsh glues the next line onto this word",
                  SourceLocation(source, lineno, len(body)), source_line=display(line.rstrip("\r")),
                  hint="put a space before the backslash (`a=\"x\" \\`); without it crmsh reads "
                       "`a=\"x\"\\` + `op monitor` as the one word `a=xop`")
