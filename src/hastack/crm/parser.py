"""crm `configure` text -> Configuration: statement dispatch and assembly.

Resources and constraints come out in crmsh's order (templates, primitives,
groups, clones; locations, colocations, orders, tickets), which is also the
order crmsh commits to the CIB and the order `render` prints.

Owns: the command table, recovery from a missing line-continuation
backslash, duplicate-id detection (every id in a CIB is global; ACL targets,
which are user names, have their own), `monitor` statements, fencing levels
without a target, resolving references once everything is read (refs.py), and
collecting every error before refusing the input.

Imports nothing of hastack but errors, the model and the crm modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from hastack.crm import ids, refs
from hastack.crm.acls import parse_acl_target, parse_role
from hastack.crm.alerts import parse_alert
from hastack.crm.bundles import parse_bundle
from hastack.crm.cluster import parse_fencing_topology, parse_node, parse_property, parse_tag
from hastack.crm.constraints import parse_colocation, parse_location, parse_order, parse_ticket
from hastack.crm.lexer import Statement, Token, display, tokenize
from hastack.crm.render import canonical
from hastack.crm.resources import MonitorStatement, parse_clone, parse_group, parse_monitor, parse_primitive
from hastack.didyoumean import did_you_mean
from hastack.crm.stream import Stream, StatementError, error_at, split_pair
from hastack.model.secrets import is_secret, mask_diagnostics
from hastack.errors import Collector, ConfigError, Diagnostic, Severity, SourceLocation, in_order
from hastack.model.acls import AclRole, AclTarget
from hastack.model.alerts import Alert
from hastack.model.config import (
    AttrSet, Configuration, Constraint, FencingLevel, Node, Primitive, Resource, Tag,
)

Handler = Callable[[Stream, Token], object]

COMMANDS: dict[str, Handler] = {
    "primitive": parse_primitive, "rsc_template": parse_primitive, "group": parse_group,
    "clone": parse_clone, "ms": parse_clone, "master": parse_clone,
    "location": parse_location, "colocation": parse_colocation, "collocation": parse_colocation,
    "order": parse_order, "rsc_ticket": parse_ticket,
    "property": parse_property, "rsc_defaults": parse_property, "op_defaults": parse_property,
    "node": parse_node, "tag": parse_tag, "monitor": parse_monitor, "bundle": parse_bundle,
    "role": parse_role, "acl_target": parse_acl_target, "acl_group": parse_acl_target, "user": parse_acl_target,
    "alert": parse_alert,
}
FENCING = ("fencing_topology", "fencing-topology")
UNSUPPORTED = ("xml",)
SESSION = ("commit", "verify", "end", "up", "quit", "exit", "bye", "cd", "configure")
CONTINUATION_WORDS = ("params", "meta", "utilization", "op", "op_params", "op_meta", "rule", "attributes",
                      "operations", "to", "select", "network", "storage", "port-mapping", "storage-mapping",
                      "docker", "podman", "rkt", "read", "write", "deny")
ALL_COMMANDS = tuple(COMMANDS) + FENCING


@dataclass(frozen=True)
class ParseResult:
    config: Configuration
    warnings: list[Diagnostic] = field(default_factory=list)


@dataclass
class _Parts:
    nodes: list[Node] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)
    sets: dict[str, list[AttrSet]] = field(default_factory=lambda: {"property": [], "rsc_defaults": [],
                                                                    "op_defaults": []})
    fencing: list[tuple[FencingLevel, Token]] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    monitors: list[MonitorStatement] = field(default_factory=list)
    roles: list[AclRole] = field(default_factory=list)
    targets: list[AclTarget] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    seen: dict[str, tuple[str, SourceLocation | None]] = field(default_factory=dict)
    seen_targets: dict[str, tuple[str, SourceLocation | None]] = field(default_factory=dict)


def _strip_prefix(stmt: Statement) -> None:
    """`crm configure primitive ...` pasted from a shell: drop the `crm configure` words."""
    words = [t.text.lower() for t in stmt.tokens[:2]]
    if words[:2] == ["crm", "configure"] and len(stmt.tokens) > 2:
        del stmt.tokens[:2]
    elif words[:1] == ["configure"] and len(stmt.tokens) > 1 and stmt.tokens[1].text.lower() in ALL_COMMANDS:
        del stmt.tokens[:1]


def _merge_orphans(statements: list[Statement], out: Collector, failed: set[str]) -> list[Statement]:
    """A statement that starts with name=value or `op` etc. lost its previous line's backslash."""
    kept: list[Statement] = []
    for stmt in statements:
        _strip_prefix(stmt)
        head = stmt.tokens[0]
        word = head.text.lower()
        if word in COMMANDS or word in FENCING or word in UNSUPPORTED or word in SESSION:
            kept.append(stmt)
            continue
        looks_continued = split_pair(head) is not None or word in CONTINUATION_WORDS
        if looks_continued and kept:
            prev = kept[-1]
            line = prev.last_line_text.rstrip()
            out.error(
                f"line {prev.last_line} does not end with a backslash, so line {head.line} starts a new "
                f"statement, and {head.raw!r} is not a command",
                SourceLocation(head.source, prev.last_line, len(line) + 1), source_line=line,
                hint=f"end line {prev.last_line} with ` \\` to continue the {_describe(prev)} statement")
            prev.tokens.extend(stmt.tokens)
            prev.last_line, prev.last_line_text = stmt.last_line, stmt.last_line_text
            continue
        hint = did_you_mean(word, ALL_COMMANDS, "commands: " + ", ".join(sorted(set(ALL_COMMANDS))))
        out.diagnostics.append(error_at(head, f"unknown command {head.raw!r}", hint).diagnostic)
        if len(stmt.tokens) > 1:
            failed.add(stmt.tokens[1].text)
    return kept


def _describe(stmt: Statement) -> str:
    words = [t.text for t in stmt.tokens[:2]]
    return " ".join(words)


def _register(parts: _Parts, kind: str, obj_id: str, loc: SourceLocation | None, tok: Token, out: Collector,
              space: dict[str, tuple[str, SourceLocation | None]] | None = None) -> bool:
    seen = parts.seen if space is None else space
    if obj_id in seen:
        other_kind, other_loc = seen[obj_id]
        where = f" at {other_loc}" if other_loc else ""
        hint = ("put all cluster properties in one `property` command, or name a second set: property my-set: a=b"
                if kind in ("property", "rsc_defaults", "op_defaults") else "every id in a configuration must be unique")
        out.diagnostics.append(error_at(tok, f"duplicate id {obj_id!r}: already used by the {other_kind}{where}",
                                        hint).diagnostic)
        return False
    seen[obj_id] = (kind, loc)
    return True


def _dispatch(stmt: Statement, parts: _Parts, out: Collector) -> None:
    st = Stream(stmt)
    keyword = st.next("a command")
    word = keyword.text.lower()
    if word in SESSION:
        return
    if word in UNSUPPORTED:
        st.fail(keyword, f"{word!r} is not supported by hastack yet", "remove the statement")
    if word in FENCING:
        first = len(parts.fencing)
        for level in parse_fencing_topology(st, keyword, first):
            parts.fencing.append((level, keyword))
        return
    obj = COMMANDS[word](st, keyword)
    out.diagnostics.extend(st.warnings)
    head = stmt.tokens[1] if len(stmt.tokens) > 1 else keyword
    if isinstance(obj, MonitorStatement):
        parts.monitors.append(obj)
    elif isinstance(obj, Node):
        if _register(parts, "node", obj.id, obj.location, head, out):
            parts.nodes.append(obj)
    elif isinstance(obj, AttrSet):
        if _register(parts, word, obj.id, obj.location, keyword, out):
            parts.sets[word].append(obj)
    elif isinstance(obj, Tag):
        if _register(parts, "tag", obj.id, obj.location, head, out):
            parts.tags.append(obj)
    elif isinstance(obj, AclRole):
        if _register(parts, f"role {obj.id}", obj.id, obj.location, head, out):
            parts.roles.append(obj)
    elif isinstance(obj, AclTarget):
        space = None if obj.is_group else parts.seen_targets  # user names are not XML ids
        if _register(parts, f"{obj.kind} {obj.id}", obj.id, obj.location, head, out, space):
            parts.targets.append(obj)
    elif isinstance(obj, Alert):
        if _register(parts, f"alert {obj.id}", obj.id, obj.location, head, out):
            parts.alerts.append(obj)
    elif hasattr(obj, "children"):
        res: Resource = obj  # type: ignore[assignment]
        if _register(parts, f"{res.kind} {res.id}", res.id, res.location, head, out):
            parts.resources[res.id] = res
    else:
        con: Constraint = obj  # type: ignore[assignment]
        if _register(parts, f"{con.kind} {con.id}", con.id, con.location, head, out):
            parts.constraints.append(con)


def _apply_monitors(parts: _Parts, out: Collector) -> None:
    for mon in parts.monitors:
        target = parts.resources.get(mon.rsc)
        if not isinstance(target, Primitive):
            what = "is not a primitive" if target is not None else "is not defined"
            hint = did_you_mean(mon.rsc, [r for r, v in parts.resources.items() if isinstance(v, Primitive)],
                                "monitor adds an operation to a primitive")
            out.diagnostics.append(error_at(mon.token, f"monitor: {mon.rsc!r} {what}", hint).diagnostic)
            continue
        taken = {o.id for o in target.ops}
        op = replace(mon.op, id=ids.op(mon.rsc, "monitor", mon.op.interval_text or "0", taken))
        parts.resources[mon.rsc] = replace(target, ops=target.ops + (op,))


def _fencing_levels(parts: _Parts, out: Collector) -> tuple[FencingLevel, ...]:
    levels: list[FencingLevel] = []
    for level, keyword in parts.fencing:
        if level.target or level.target_pattern or level.target_attribute:
            levels.append(level)
            continue
        if not parts.nodes:
            out.diagnostics.append(error_at(keyword, "fencing_topology without targets needs the nodes defined",
                                            "define the nodes first, or write targets: node1: dev1 node2: dev2"
                                            ).diagnostic)
            return ()
        for node in parts.nodes:
            levels.append(replace(level, target=node.uname))
    if any(not (lv.target or lv.target_pattern or lv.target_attribute) for lv, _ in parts.fencing):
        levels = [replace(lv, id=ids.fencing_level(i)) for i, lv in enumerate(_by_target(levels))]
    return tuple(levels)


def _by_target(levels: list[FencingLevel]) -> list[FencingLevel]:
    order: dict[str | None, list[FencingLevel]] = {}
    for lv in levels:
        order.setdefault(lv.target, []).append(lv)
    return [lv for group in order.values() for lv in group]


def parse(text: str, source: str = "<stdin>", resolve: bool = True) -> ParseResult:
    """Parse crm configure text; raise ConfigError with every error found.

    `resolve=False` leaves references as written (for a `load update` snippet, whose references
    may name what is stored: merge_update resolves them)."""
    return parse_sources([(text, source)], resolve)


class CrmSyntaxError(ConfigError):
    """The text does not parse. Also carries what did parse, so semantic checks can still run:
    `partial` (the configuration without the failed statements) and `failed_ids` (the ids those
    statements would have defined, which must not then be reported as undefined)."""

    def __init__(self, diagnostics: list[Diagnostic], partial: Configuration, failed_ids: set[str]) -> None:
        super().__init__(diagnostics)
        self.partial = partial
        self.failed_ids = failed_ids


def parse_sources(chunks: list[tuple[str, str]], resolve: bool = True) -> ParseResult:
    """Parse several (text, source) chunks as one configuration, each located in its own source."""
    out = Collector()
    statements: list[Statement] = []
    failed: set[str] = set()
    for text, source in chunks:
        statements += _merge_orphans(tokenize(text, source, out), out, failed)
    parts = _Parts()
    for stmt in statements:
        try:
            _dispatch(stmt, parts, out)
        except StatementError as err:
            out.diagnostics.append(err.diagnostic)
            if len(stmt.tokens) > 1:
                failed.add(stmt.tokens[1].text)
    _apply_monitors(parts, out)
    fencing = _fencing_levels(parts, out)
    config = Configuration(
        nodes=tuple(parts.nodes), resources=parts.resources, constraints=tuple(parts.constraints),
        properties=tuple(parts.sets["property"]), rsc_defaults=tuple(parts.sets["rsc_defaults"]),
        op_defaults=tuple(parts.sets["op_defaults"]), fencing_topology=fencing, tags=tuple(parts.tags),
        acl_roles=tuple(parts.roles), acl_targets=tuple(parts.targets), alerts=tuple(parts.alerts))
    if resolve and any(_refers(t) for stmt in statements for t in stmt.tokens):
        config, problems = refs.resolve(config)
        for p in problems:
            line = _line_at(chunks, p.location)
            word = line[p.location.column - 1:].split()[:1] if p.location and p.location.column > 0 else []
            out.error(p.message, p.location, p.hint, line, len(word[0]) if word else 1)
    out.diagnostics[:] = _masked(in_order(out.diagnostics, [source for _, source in chunks]), statements)
    config = canonical(config)
    if out.has_errors:
        raise CrmSyntaxError(out.diagnostics, config, failed)
    return ParseResult(config, [d for d in out.diagnostics if d.severity is Severity.WARNING])


def _refers(tok: Token) -> bool:
    """Whether a word may be a reference that refs.resolve must resolve."""
    low = tok.text.lower()
    return not tok.quoted and (low.startswith("@") or low.startswith("$id-ref="))


def _line_at(chunks: list[tuple[str, str]], loc: SourceLocation | None) -> str:
    """The source line a location points at (for the caret under a message), or ''."""
    if loc is None or loc.line <= 0:
        return ""
    for text, source in chunks:
        if source == loc.file:
            lines = text.split("\n")
            return display(lines[loc.line - 1].rstrip("\r")) if loc.line <= len(lines) else ""
    return ""


def _masked(diags: list[Diagnostic], statements: list[Statement]) -> list[Diagnostic]:
    """Secret parameter values (model/secrets.py) never appear in a message or a quoted source line."""
    secrets = {pair[1] for stmt in statements for tok in stmt.tokens
               if (pair := split_pair(tok)) is not None and is_secret(pair[0])}
    return mask_diagnostics(diags, secrets)


