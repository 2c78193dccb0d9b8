"""The XML input of a CIB import: safe parsing, locations, and typed attribute access.

Owns turning bytes into an lxml tree (or a ConfigError naming line and column)
or into a stream of elements (for the big status section),
finding the line:column of an element or attribute for messages, and reading
attribute values as scores, durations, roles, booleans and integers with a
diagnostic -- never an exception -- when a value is malformed. Every reader
module of the CIB package works through a `Reader`.

Imports only hastack.errors and hastack.model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from lxml import etree

from hastack.cib.tolerance import Tolerance
from hastack.didyoumean import closest
from hastack.errors import Collector, ConfigError, Diagnostic, HastackError, SourceLocation, ValueSyntaxError
from hastack.model import durations, scores
from hastack.model.values import Role, parse_bool

T = TypeVar("T")

# A parser that never touches the network or the file system and expands no entities.
_PARSER_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                       remove_comments=True, remove_pis=True, huge_tree=False, recover=False)


def document_bytes(data: str | bytes, source: str) -> bytes:
    """The UTF-8 bytes lxml is given for data; text that cannot be encoded raises ConfigError."""
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except UnicodeEncodeError as exc:  # lone surrogates in a str
        raise ConfigError(_single(f"the text cannot be read as XML: {exc.reason} at character {exc.start}",
                                  SourceLocation(source))) from None
    if isinstance(data, str):
        # lxml refuses str input that carries an encoding declaration; we parse our own UTF-8 bytes,
        # so drop the declaration's encoding rather than trusting it.
        raw = re.sub(rb"^(\s*<\?xml[^>]*?)\sencoding=(\"[^\"]*\"|'[^']*')", rb"\1", raw, count=1)
    return raw


def parse_xml(data: str | bytes, source: str) -> etree._Element:
    """Parse a document; malformed input raises ConfigError at the offending line:column."""
    raw = document_bytes(data, source)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ConfigError(_syntax_error(exc, raw, source)) from None
    except (ValueError, etree.LxmlError) as exc:  # e.g. input that is not text at all
        raise ConfigError(_single(f"cannot read XML: {exc}", SourceLocation(source))) from None
    if root is None:
        raise ConfigError(_single("the document is empty", SourceLocation(source)))
    return root


class ElementStream:
    """The elements named tag of a document, each as soon as its end tag is read; `root` when done.

    For reading a big document without holding its whole tree: the caller may process an
    element and remove it from its parent before the parser reads on (it reads ahead up to
    CHUNK bytes, so later elements may be complete already, or half read). The parser
    options are parse_xml's. Malformed input raises lxml's exceptions while iterating;
    parse_xml turns the same input into the ConfigError to report.
    """

    CHUNK = 1 << 20  # libxml2 refuses a single push of more than 10 MB without huge_tree

    def __init__(self, raw: bytes, tag: str) -> None:
        self._raw = raw
        self._tag = tag
        self.root: etree._Element | None = None

    def __iter__(self) -> Iterator[etree._Element]:
        parser = etree.XMLPullParser(events=("end",), tag=self._tag, **_PARSER_OPTIONS)
        raw, chunk = self._raw, self.CHUNK
        for start in range(0, len(raw), chunk):
            parser.feed(raw[start:start + chunk])
            for _, el in parser.read_events():
                yield el
        self.root = parser.close()
        for _, el in parser.read_events():
            yield el


def _syntax_error(exc: etree.XMLSyntaxError, raw: bytes, source: str) -> list[Diagnostic]:
    line, column = exc.position if exc.position else (0, 0)
    text = _line_of(raw, line)
    msg = (exc.msg or "not well-formed").split(", line ")[0]
    c = Collector()
    c.error(f"XML is not well-formed: {msg}", SourceLocation(source, line or 0, column or 0),
            hint="fix the XML syntax; every element must be closed and attribute values quoted",
            source_line=text)
    return c.diagnostics


def _single(message: str, location: SourceLocation) -> list[Diagnostic]:
    c = Collector()
    c.error(message, location)
    return c.diagnostics


def _line_of(raw: bytes, line: int) -> str:
    if line <= 0:
        return ""
    lines = raw.split(b"\n")
    if line > len(lines):
        return ""
    return lines[line - 1].decode("utf-8", errors="replace").rstrip("\r")[:200]


class SourceText:
    """The lines of a document, found only as far as a location needs them.

    Splitting a 160 MB status section into a list of lines costs more memory than the model
    read from it, and locations are wanted for the configuration section (at the top) and
    for the rare diagnostic: line starts are searched on demand and remembered.
    """

    def __init__(self, data: str | bytes) -> None:
        self._data = data
        self._newline: str | bytes = "\n" if isinstance(data, str) else b"\n"
        self._starts = [0]  # offsets where lines 1, 2, ... begin, as far as searched
        self._complete = False

    def line(self, number: int) -> str | None:
        """Line `number` (1-based) without its newline, None past the end."""
        if number <= 0:
            return None
        starts = self._starts
        while len(starts) <= number and not self._complete:
            end = self._data.find(self._newline, starts[-1])  # type: ignore[arg-type]
            if end < 0:
                self._complete = True
            else:
                starts.append(end + 1)
        if number > len(starts):
            return None
        end = starts[number] - 1 if number < len(starts) else len(self._data)
        text = self._data[starts[number - 1]:end]
        return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text


@dataclass
class Reader:
    """One import run: the source text for locations, the id index and the diagnostics found."""

    source: str
    text: SourceText
    diag: Collector = field(default_factory=Collector)
    # id -> element, for resolving id-ref (configuration section only).
    ids: dict[str, etree._Element] = field(default_factory=dict)
    _start_tags: dict[str, re.Pattern[str]] = field(default_factory=dict, repr=False)
    # ids that an <nvpair id-ref> refers to (their nvpairs keep the id in the model)
    referenced: set[str] = field(default_factory=set)
    # A running cluster's CIB (hastack simulate): a malformed value Pacemaker tolerates is a warning
    # and Pacemaker's default (cib.tolerance); a configuration being loaded refuses it.
    tolerant: bool = False
    # validate-with names a schema (not "none"): values the schema refuses never reach Pacemaker's scheduler.
    schema_checked: bool = True

    @classmethod
    def for_document(cls, data: str | bytes, source: str) -> Reader:
        return cls(source, SourceText(data if isinstance(data, str) else bytes(data)))

    def with_own_diagnostics(self) -> Reader:
        """A reader of the same document collecting its diagnostics apart (merged by the caller)."""
        return Reader(self.source, self.text, Collector(), self.ids, self._start_tags, self.referenced,
                      self.tolerant, self.schema_checked)

    # --- locations -------------------------------------------------------------------------

    def where(self, el: etree._Element, attr: str | None = None) -> SourceLocation:
        """Line and column of an element's start tag (or of one of its attributes)."""
        line = el.sourceline or 0
        if line <= 0 or self.text.line(line) is None:
            return SourceLocation(self.source, max(line, 0), 0)
        # libxml2 reports the line where the start tag ends: look back for where it begins.
        tag = str(el.tag)
        pattern = self._start_tags.get(tag)
        if pattern is None:
            pattern = self._start_tags[tag] = re.compile(r"<" + re.escape(tag) + r"(?=[\s/>]|$)")
        for ln in range(line, max(0, line - 40), -1):
            text = self.text.line(ln) or ""
            hits = list(pattern.finditer(text))
            if hits:
                col = hits[-1].start()
                if attr is not None:
                    found = self._find_attr(ln, col, line, attr)
                    if found is not None:
                        return SourceLocation(self.source, found[0], found[1] + 1)
                return SourceLocation(self.source, ln, col + 1)
        return SourceLocation(self.source, line, 0)

    def _find_attr(self, line: int, col: int, end_line: int, attr: str) -> tuple[int, int] | None:
        pattern = re.compile(r"(?<![\w:.-])" + re.escape(attr) + r"\s*=")
        for ln in range(line, end_line + 1):
            text = self.text.line(ln) or ""
            m = pattern.search(text, col if ln == line else 0)
            if m:
                return ln, m.start()
        return None

    def source_line(self, loc: SourceLocation) -> str:
        text = self.text.line(loc.line)
        return "" if text is None else text.rstrip("\r")[:200]

    # --- diagnostics ---------------------------------------------------------------------------

    def error(self, el: etree._Element, message: str, attr: str | None = None, hint: str = "") -> None:
        loc = self.where(el, attr)
        span = len(attr) if attr else len(str(el.tag)) + 1
        self.diag.error(message, loc, hint, self.source_line(loc) if loc.column else "", span)

    def warn(self, el: etree._Element, message: str, attr: str | None = None, hint: str = "") -> None:
        loc = self.where(el, attr)
        self.diag.warn(message, loc, hint, self.source_line(loc) if loc.column else "", len(attr) if attr else 1)

    def known_attributes(self, el: etree._Element, known: tuple[str, ...], refuse: bool = False) -> None:
        """Warn about attributes the schema does not have (typos such as `scroe`): they are dropped.

        `refuse`: the schema allows no other attribute here (constraints, resource sets), so crm_verify
        refuses the document, and so do we -- unless it is a running cluster's CIB that is not validated
        (validate-with="none"), where Pacemaker ignores the attribute.
        """
        for name in el.attrib:
            if name in known:
                continue
            best = closest(str(name), list(known))
            hint = f"did you mean {best!r}? " if best else ""
            if refuse and not (self.tolerant and not self.schema_checked):
                self.error(el, f"<{el.tag}> has no attribute {name!r}", str(name),
                           hint=f"{hint}allowed: " + ", ".join(known))
            else:
                self.warn(el, f"unknown attribute {name!r} on <{el.tag}> is ignored", str(name),
                          hint=f"{hint}allowed: " + ", ".join(known))

    # --- typed attributes -------------------------------------------------------------------------

    def required(self, el: etree._Element, attr: str) -> str | None:
        value: str | None = el.get(attr)
        if value is None or value == "":
            what = f"<{el.tag}>" + (f" {el.get('id')!r}" if el.get("id") else "")
            self.error(el, f"{what} is missing the required attribute {attr!r}", hint=f"add {attr}=\"...\"")
            return None
        return value

    def _convert(self, el: etree._Element, attr: str, fn: Callable[[str], T],
                 tolerance: Tolerance[T] | None = None) -> T | None:
        value = el.get(attr)
        if value is None:
            return None
        try:
            return fn(value)
        except HastackError as exc:
            if self.tolerates(tolerance):
                assert tolerance is not None
                self.warn(el, f"<{el.tag}> attribute {attr}: {exc.message}; the running cluster's Pacemaker "
                          f"{tolerance.says}, and so does hastack", attr,
                          f"{exc.hint} (a new configuration with this value is refused)".strip())
                return tolerance.instead(value)
            self.error(el, f"<{el.tag}> attribute {attr}: {exc.message}", attr, exc.hint)
            return None

    def tolerates(self, tolerance: Tolerance[T] | None) -> bool:
        """Does this reading take Pacemaker's default for a malformed value instead of refusing it?"""
        return (tolerance is not None and self.tolerant
                and (tolerance.schema_admits or not self.schema_checked))

    def score(self, el: etree._Element, attr: str = "score", tolerance: Tolerance[int] | None = None) -> int | None:
        return self._convert(el, attr, _parse_score, tolerance)

    def duration_ms(self, el: etree._Element, attr: str, tolerance: Tolerance[int] | None = None) -> int | None:
        return self._convert(el, attr, durations.parse_ms, tolerance)

    def role(self, el: etree._Element, attr: str = "role") -> Role | None:
        return self._convert(el, attr, Role.parse)

    def boolean(self, el: etree._Element, attr: str, tolerance: Tolerance[bool | None] | None = None) -> bool | None:
        return self._convert(el, attr, parse_bool, tolerance)

    def integer(self, el: etree._Element, attr: str) -> int | None:
        return self._convert(el, attr, _parse_int)

    def choice(self, el: etree._Element, attr: str, allowed: tuple[str, ...],
               tolerance: Tolerance[str] | None = None) -> str | None:
        value = el.get(attr)
        if value is None:
            return None
        for option in allowed:
            if value.lower() == option.lower():
                return option
        hint = "use one of " + ", ".join(allowed)
        if self.tolerates(tolerance):
            assert tolerance is not None
            self.warn(el, f"<{el.tag}> attribute {attr}: invalid value {value!r}; the running cluster's Pacemaker "
                      f"{tolerance.says}, and so does hastack", attr,
                      f"{hint} (a new configuration with this value is refused)")
            return tolerance.instead(value)
        self.error(el, f"<{el.tag}> attribute {attr}: invalid value {value!r}", attr, hint=hint)
        return None


def _parse_score(text: str) -> int:
    # Pacemaker spells scores INFINITY/+INFINITY/-INFINITY or integers; model.scores also takes
    # crmsh's words, which is harmless here.
    if not text.strip():
        raise ValueSyntaxError("invalid score ''", hint="a score is an integer, INFINITY or -INFINITY")
    return scores.parse(text)


def _parse_int(text: str) -> int:
    try:
        if "_" in text:
            raise ValueError(text)
        return int(text.strip(), 10)
    except ValueError:
        raise ValueSyntaxError(f"invalid integer {text!r}", hint="write a whole number") from None


def elements(el: etree._Element) -> Iterator[etree._Element]:
    """Child elements only (comments and processing instructions are skipped)."""
    children: Iterator[etree._Element] = el.iterchildren(etree.Element)
    return children
