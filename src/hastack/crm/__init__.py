"""The crm shell `configure` language: text <-> hastack.model.Configuration.

    parse(text, source) -> ParseResult(config, warnings)   raises ConfigError with every error
    render(config) -> str                                   canonical crm text; parse(render(c)) == c

Modules: lexer (physical lines -> located tokens), stream (token cursor, located
scalar errors), attrs (attribute lists, rules), resources, constraints, cluster
(statement families), parser (dispatch, assembly), render, ids (derived ids).

Imports nothing of hastack but errors and the model.
"""

from hastack.crm.parser import CrmSyntaxError, ParseResult, parse, parse_sources
from hastack.crm.render import canonical, render

__all__ = ["CrmSyntaxError", "ParseResult", "canonical", "parse", "parse_sources", "render"]
