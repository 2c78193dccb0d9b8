"""The lexical layer: physical locations, quoting, continuation, the Guide's callouts."""

from __future__ import annotations

import pytest

from hastack.crm import parse
from hastack.crm.lexer import tokenize
from hastack.errors import Collector, ConfigError


def lex(text: str) -> tuple[list[list[tuple[str, int, int]]], Collector]:
    out = Collector()
    stmts = tokenize(text, "f.crm", out)
    return [[(t.text, t.line, t.column) for t in s.tokens] for s in stmts], out


def test_tokens_keep_physical_line_and_column_across_continuations() -> None:
    stmts, out = lex('primitive p Dummy \\\n   params a="x y" \\\n\top monitor interval=10s\n')
    assert not out.diagnostics
    assert stmts == [[("primitive", 1, 1), ("p", 1, 11), ("Dummy", 1, 13), ("params", 2, 4), ("a=x y", 2, 11),
                      ("op", 3, 2), ("monitor", 3, 5), ("interval=10s", 3, 13)]]


def test_shell_quoting() -> None:
    stmts, _ = lex("""x a='s q "d"' b="d \\"q\\" \\\\ \\n" c=e\\ f""")
    assert [t for t, _, _ in stmts[0]] == ["x", 'a=s q "d"', 'b=d "q" \\ \\n', "c=e f"]


def test_comment_lines_and_blank_lines_separate_nothing_but_statements() -> None:
    stmts, out = lex("# a comment\nnode n1\n\n  # indented comment\nnode n2\n")
    assert [[t for t, _, _ in s] for s in stmts] == [["node", "n1"], ["node", "n2"]]
    assert not out.diagnostics


def test_rule_attributes_starting_with_hash_are_words() -> None:
    stmts, out = lex("location l p rule #uname eq n1\n")
    assert stmts[0][4] == ("#uname", 1, 19)
    assert not out.diagnostics


def test_callout_after_backslash_is_reported_and_the_statement_continues() -> None:
    stmts, out = lex('property a="1" \\ # \nb="2"\n')
    assert [[t for t, _, _ in s] for s in stmts] == [["property", "a=1", "b=2"]]
    [d] = out.diagnostics
    assert (d.location.line, d.location.column) == (1, 16)
    assert "not the last character" in d.message and "callout" in d.hint


def test_stray_hash_after_content_is_reported() -> None:
    _, out = lex('property a="5min" # \n')
    [d] = out.diagnostics
    assert d.location.column == 19 and "only at the beginning of a line" in d.message


def test_glued_backslash_is_refused_and_the_words_split_as_meant() -> None:
    # crmsh reads it as `a=xop monitor interval=10s`: one error, and the rest is read as meant
    stmts, out = lex('primitive p Dummy params a="x"\\\nop monitor interval=10s\n')
    assert ("a=x", 1, 26) in stmts[0] and ("op", 2, 1) in stmts[0]
    [d] = out.diagnostics
    assert d.severity.value == "error" and (d.location.line, d.location.column) == (1, 31)
    assert "crmsh glues the next line onto this word" in d.message and "put a space before" in d.hint
    assert not lex('primitive p Dummy params a="x" \\\nop monitor interval=10s\n')[1].diagnostics


def test_unterminated_quote() -> None:
    with pytest.raises(ConfigError) as err:
        parse('primitive p Dummy params a="x\n')
    [d] = err.value.diagnostics
    assert "unterminated" in d.message and d.location.column == 28


def test_crlf_line_endings() -> None:
    assert parse("node n1\r\nnode n2\r\n").config.nodes[1].uname == "n2"


def test_caret_rendering_points_at_the_physical_column() -> None:
    with pytest.raises(ConfigError) as err:
        parse("node n1\nprimitive p \\\n    ocf:heartbeat:IPaddr2 \\\n    parms ip=1.2.3.4\n", "x.crm")
    text = err.value.render()
    assert "x.crm:4:5: error: unexpected 'parms' in p" in text
    assert "    parms ip=1.2.3.4\n        ^^^^^" in text
    assert "did you mean 'params'?" in text


def test_blank_lines_are_dropped_even_inside_a_continuation() -> None:
    stmts, out = lex("primitive p Dummy \\\n\n   op monitor interval=10s\nnode n1\n")
    assert [[t for t, _, _ in s] for s in stmts] == [["primitive", "p", "Dummy", "op", "monitor", "interval=10s"],
                                                     ["node", "n1"]]
    assert not out.diagnostics


def test_comment_line_inside_a_continuation_is_an_error_and_skipped() -> None:
    stmts, out = lex("primitive p Dummy \\\n  # the monitor\n  op monitor interval=10s\n")
    assert [t for t, _, _ in stmts[0]][-2:] == ["monitor", "interval=10s"]
    [d] = out.diagnostics
    assert (d.location.line, d.location.column) == (2, 3) and "move the comment above" in d.hint


def test_a_character_the_cib_cannot_hold_is_refused_where_it_stands() -> None:
    # (found by the fuzzer: U+001F in a name parsed, then could not be rendered or written)
    stmts, out = lex("primitive p Dummy params \x1fnic=eth1 b=\"x\x00y\"\n")
    assert [(d.location.line, d.location.column) for d in out.diagnostics] == [(1, 26), (1, 40)]
    assert "U+001F cannot be written to the CIB" in out.diagnostics[0].message
    assert "delete it" in out.diagnostics[0].hint
    assert [t for t, _, _ in stmts[0]][4:] == ["nic=eth1", "b=x y"]  # read as a space: the rest is still checked
    _, out = lex("node n1\n\x0c\n")  # even on a line that is otherwise blank
    assert [(d.location.line, d.location.column) for d in out.diagnostics] == [(2, 1)]
