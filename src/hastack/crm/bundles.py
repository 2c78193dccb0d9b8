"""The bundle statement, both ways.

    bundle  ::= 'bundle' ID [description=TEXT] { part }
    part    ::= RUNTIME { NAME=VALUE }                 ; RUNTIME: docker, podman or rkt (exactly one)
              | 'network' { NAME=VALUE } { 'port-mapping' { NAME=VALUE } }
              | 'storage' { 'storage-mapping' { NAME=VALUE } }
              | 'primitive' RSC                        ; the resource run in each replica
              | ('meta' | 'params') attr_list

Attribute names are checked against Pacemaker's schema (a mistake is an error
here rather than a refusal by the cluster later); a mapping's `id=` names it,
else it is `<bundle>-0`, `-1`, ... in the order written (crm/ids.py).

Imports nothing of hastack but errors, the model and the crm modules named here.
"""

from __future__ import annotations

from hastack.crm import ids
from hastack.crm.attrs import parse_attr_list
from hastack.crm.lexer import Token
from hastack.crm.spell import CONT, Spelling, pair, sets
from hastack.crm.stream import Stream, check_id, split_pair
from hastack.didyoumean import did_you_mean
from hastack.model.config import AttrSet, Bundle, BundleMapping

RUNTIMES = ("docker", "podman", "rkt")
RUNTIME_OPTIONS = ("image", "replicas", "replicas-per-host", "promoted-max", "masters", "run-command", "network",
                   "options")
NETWORK_OPTIONS = ("ip-range-start", "control-port", "host-interface", "host-netmask", "add-host")
PORT_OPTIONS = ("port", "internal-port", "range")
STORAGE_OPTIONS = ("source-dir", "source-dir-root", "target-dir", "options")
INTEGERS = ("replicas", "replicas-per-host", "promoted-max", "masters", "control-port", "host-netmask", "port",
            "internal-port")
_WORDS = RUNTIMES + ("network", "port-mapping", "storage", "storage-mapping", "primitive", "meta", "params")


def _options(st: Stream, allowed: tuple[str, ...], what: str) -> list[tuple[str, str, Token]]:
    out: list[tuple[str, str, Token]] = []
    while (tok := st.peek()) is not None and st.peek_word() not in _WORDS:
        p = split_pair(tok)
        if p is None:
            st.fail(tok, f"expected NAME=VALUE for {what}, found {tok.raw!r}",
                    f"{what} takes {', '.join(a + '=' for a in allowed)}")
        name = p[0].lower()
        if name not in allowed:
            st.fail(tok, f"{what} has no attribute {p[0]!r}",
                    did_you_mean(name, allowed, f"{what} takes {', '.join(a + '=' for a in allowed)}"))
        if any(n == name for n, _, _ in out):
            st.fail(tok, f"{name}= is given twice for {what}", "give each attribute once")
        if name in INTEGERS and not p[1].lstrip("-").isdigit():
            st.fail(tok, f"{name}={p[1]!r} is not an integer", f"e.g. {name}=1")
        if name == "add-host" and p[1].lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
            st.fail(tok, f"add-host={p[1]!r} is not a boolean", "use true or false")
        st.pos += 1
        out.append((name, p[1], tok))
    return out


def _mapping(st: Stream, keyword: Token, allowed: tuple[str, ...]) -> tuple[str | None, BundleMapping]:
    opts = _options(st, ("id",) + allowed, keyword.text.lower())
    given = next((v for n, v, t in opts if n == "id"), None)
    if given is not None:
        tok = next(t for n, _, t in opts if n == "id")
        check_id(Token(given, tok.raw, tok.source, tok.line, tok.column, tok.line_text), f"{keyword.text} id")
    attrs = tuple((n, v) for n, v, _ in opts if n != "id")
    names = {n for n, _ in attrs}
    if keyword.text.lower() == "port-mapping":
        if ("port" in names) == ("range" in names):
            st.fail(keyword, "a port-mapping has a port= or a range=, one of them",
                    "e.g. port-mapping port=80 (internal-port=8080), or port-mapping range=8000-8010")
        if "internal-port" in names and "range" in names:
            st.fail(keyword, "internal-port= goes with port=, not with range=", "remove internal-port= or use port=")
    else:
        if "target-dir" not in names or ("source-dir" in names) == ("source-dir-root" in names):
            st.fail(keyword, "a storage-mapping has a target-dir= and one of source-dir= and source-dir-root=",
                    "e.g. storage-mapping source-dir=/srv/www target-dir=/var/www/html options=rw")
    return given, BundleMapping(given or "", attrs, location=keyword.loc)


def parse_bundle(st: Stream, keyword: Token) -> Bundle:
    id_tok = st.ident("bundle id")
    rid = id_tok.text
    description = None
    tok = st.peek()
    p = split_pair(tok) if tok is not None else None
    if p and p[0].lower() == "description":
        st.pos += 1
        description = p[1]
    runtime: str | None = None
    runtime_options: list[tuple[str, str, Token]] = []
    network: list[tuple[str, str, Token]] | None = None
    storage = False
    mappings: list[tuple[str, str | None, BundleMapping]] = []  # (kind, given id, mapping)
    primitive: str | None = None
    lists: dict[str, list[AttrSet]] = {"meta": [], "params": []}
    while not st.at_end:
        tok = st.next("a bundle part")
        word = tok.text.lower() if not tok.quoted else ""
        if word in RUNTIMES:
            if runtime is not None:
                st.fail(tok, f"a bundle has one container runtime, and {runtime} is given already",
                        "keep one of docker, podman and rkt")
            runtime, runtime_options = word, _options(st, RUNTIME_OPTIONS, word)
            if not any(n == "image" for n, _, _ in runtime_options):
                st.fail(tok, f"{word} needs the image to run", f"e.g. {word} image=registry/httpd:2.4 replicas=2")
        elif word == "network":
            if network is not None:
                st.fail(tok, "`network` is given twice", "put all its attributes and port-mappings in one")
            network = _options(st, NETWORK_OPTIONS, "network")
            while st.peek_word() == "port-mapping":
                kw = st.next("port-mapping")
                given, m = _mapping(st, kw, PORT_OPTIONS)
                mappings.append(("port", given, m))
        elif word == "storage":
            if storage:
                st.fail(tok, "`storage` is given twice", "put all the storage-mappings after one `storage`")
            storage = True
            while st.peek_word() == "storage-mapping":
                kw = st.next("storage-mapping")
                given, m = _mapping(st, kw, STORAGE_OPTIONS)
                mappings.append(("storage", given, m))
        elif word == "primitive":
            if primitive is not None:
                st.fail(tok, f"a bundle runs one primitive, and {primitive} is given already",
                        "group several services in the container image, or use several bundles")
            primitive = check_id(st.next("the primitive run in the bundle"), "resource id")
        elif word in lists:
            target = lists[word]
            kind = "meta_attributes" if word == "meta" else "instance_attributes"
            target.append(parse_attr_list(st, ids.attr_set(rid, kind, len(target)), f"{word} of {rid}",
                                          stop=_WORDS))
        else:
            hint = "port-mapping goes after network, storage-mapping after storage" \
                if word in ("port-mapping", "storage-mapping") else \
                did_you_mean(word, _WORDS, "a bundle has docker|podman|rkt, network, storage, primitive and meta")
            st.fail(tok, f"unexpected {tok.raw!r} in bundle {rid}", hint)
    if runtime is None:
        st.fail(id_tok, f"bundle {rid} names no container runtime", "add docker image=... (or podman, rkt)")
    named = ids.free_numbered(rid, [given for _, given, _ in mappings])
    named_maps = [(kind, BundleMapping(i, m.attributes, location=m.location)) for (kind, _, m), i in zip(mappings, named)]
    return Bundle(rid, runtime, tuple((n, v) for n, v, _ in runtime_options),
                  tuple((n, v) for n, v, _ in network or ()),
                  tuple(m for kind, m in named_maps if kind == "port"),
                  tuple(m for kind, m in named_maps if kind == "storage"),
                  primitive, description, tuple(lists["params"]), tuple(lists["meta"]), location=id_tok.loc)


def render_bundle(b: Bundle, sp: Spelling) -> str:
    head = f"bundle {b.id}"
    if b.description is not None:
        head += f" {pair('description', b.description)}"
    lines = [head, " ".join([b.runtime] + [pair(n, v) for n, v in b.runtime_options])]
    maps = b.port_mappings + b.storage_mappings
    explicit = ids.spelled(b.id, [m.id for m in maps])
    words = [["port-mapping" if i < len(b.port_mappings) else "storage-mapping"]
             + ([pair("id", m.id)] if spell else []) + [pair(n, v) for n, v in m.attributes]
             for i, (m, spell) in enumerate(zip(maps, explicit))]
    if b.network or b.port_mappings:
        lines.append(" ".join(["network"] + [pair(n, v) for n, v in b.network]))
        lines += [" ".join(w) for w in words[:len(b.port_mappings)]]
    if b.storage_mappings:
        lines.append("storage")
        lines += [" ".join(w) for w in words[len(b.port_mappings):]]
    if b.primitive is not None:
        lines.append(f"primitive {b.primitive}")
    lines += sets("meta", b.id, "meta_attributes", b.meta, sp)
    lines += sets("params", b.id, "instance_attributes", b.params, sp)
    return CONT.join(lines)
