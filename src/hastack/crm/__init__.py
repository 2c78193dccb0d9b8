"""The crm shell `configure` language: text <-> hastack.model.Configuration.

    parse(text, source) -> ParseResult(config, warnings)   raises ConfigError with every error
    render(config) -> str                                   canonical crm text; parse(render(c)) == c

Modules: lexer (physical lines -> located tokens), stream (token cursor, located
scalar errors), attrs (attribute lists, rules), resources, bundles, constraints,
cluster, acls, alerts (statement families), refs (references, resolved after
reading), parser (dispatch, assembly), spell and render (text out), ids
(derived ids), merge (load update). See README.md.

Imports nothing of hastack but errors and the model.
"""

from hastack.crm.parser import CrmSyntaxError, ParseResult, parse, parse_sources
from hastack.crm.render import canonical, render

__all__ = ["CrmSyntaxError", "ParseResult", "canonical", "parse", "parse_sources", "render"]
