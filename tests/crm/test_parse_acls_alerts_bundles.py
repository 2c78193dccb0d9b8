"""role, acl_target, acl_group, user, alert and bundle: what they parse to, their rendering, their errors."""

from __future__ import annotations

import pytest

from hastack.crm import parse, render
from hastack.errors import ConfigError
from hastack.model import (
    AclPermission, AclRole, AclTarget, Alert, AlertRecipient, AttrSet, Bundle, BundleMapping, SelectAttribute,
)

RES = "primitive d0 Dummy\nprimitive web ocf:heartbeat:apache\n"


def config(text: str):  # type: ignore[no-untyped-def]
    return parse(RES + text, "t.crm").config


def error(text: str) -> str:
    with pytest.raises(ConfigError) as err:
        parse(RES + text, "t.crm")
    assert len(err.value.errors) == 1, err.value.render()
    return err.value.render()


def same_after_render(text: str) -> None:
    cfg = config(text)
    assert parse(render(cfg)).config == cfg


# --- ACLs ---------------------------------------------------------------------------------------

def test_role_permissions_shortcuts_and_crmsh_ids() -> None:
    [role] = config("role admin description=\"d0 only\" \\\n"
                    "  write meta:d0:target-role \\\n  write location:d0 \\\n"
                    "  read ref:d0 xpath://nodes \\\n  read type:node attribute:uname \\\n"
                    "  deny p9: tag:nvpair \\\n  read cib\n").acl_roles
    assert role == AclRole("admin", (
        AclPermission("admin-0", "write", xpath="//primitive[@id='d0']/meta_attributes/nvpair[@name='target-role']"),
        AclPermission("admin-1", "write", xpath="//rsc_location[@id='cli-prefer-d0' and @rsc='d0']"),
        AclPermission("admin-2", "read", xpath="//nodes"),  # one statement, two permissions (as crmsh splits it)
        AclPermission("admin-3", "read", reference="d0"),
        AclPermission("admin-4", "read", object_type="node", attribute="uname"),
        AclPermission("p9", "deny", object_type="nvpair"),
        AclPermission("admin-5", "read", xpath="/cib"),
    ), "d0 only")


def test_roles_render_with_shortcuts_and_read_back() -> None:
    text = ("role r1 read status read property:stonith-enabled read nodeattr:a1 read nodeutil:n1 "
            "read utilization:d0 read params:d0:state read node:n1 read xpath:\"//a[@b='c d']\"\n")
    cfg = config(text)
    rendered = render(cfg)
    for word in ("read status", "read property:stonith-enabled", "read nodeutil:n1", "read params:d0:state",
                 "read node:n1", "read \"xpath://a[@b='c d']\""):
        assert word in rendered
    assert parse(rendered).config == cfg


def test_a_permission_description_ending_in_a_colon_is_not_taken_for_its_id() -> None:
    # found by the round-trip property test: "read description=zgv: xpath:..." read back as id 'description=zgv'
    [role] = config("role r1 read description=zgv: xpath://nodes\n").acl_roles
    assert role.permissions == (AclPermission("r1-0", "read", description="zgv:", xpath="//nodes"),)
    same_after_render("role r1 read description=zgv: xpath://nodes\n")


def test_targets_groups_and_the_older_user_form() -> None:
    cfg = config("role a read cib\nrole b read status\n"
                 "acl_target alice a b\nacl_group admins a\nuser bob role:a role:b\n")
    assert cfg.acl_targets == (AclTarget("alice", ("a", "b")), AclTarget("admins", ("a",), is_group=True),
                               AclTarget("bob", ("a", "b")))
    assert "acl_target bob a b" in render(cfg)  # `user` is read as the acl_target it is in Pacemaker 2


@pytest.mark.parametrize("text, message, hint", [
    ("role r raed cib\n", "expected read, write or deny, found 'raed'", "did you mean 'read'?"),
    ("role r read\n", "read needs what it applies to", "read xpath://nodes"),
    ("role r read meta\n", "the ACL shortcut 'meta' does not fit", "write meta:ID or meta:ID:NAME"),
    ("role r read attr:uname\n", "attr: narrows a tag:/type: permission", "read type:node attr:uname"),
    ("role r read p1: ref:a xpath:/x\n", "one id names one permission", "one permission each"),
    ("role r read ref:a ref:b\n", "a permission names its reference once", "read ref:a read ref:b"),
    ("user joe read cib\n", "Pacemaker 1.1's ACL form", "acl_target joe joe-rules"),
    ("user joe admin\n", "expected role:ROLE, found 'admin'", "user joe role:admin"),
    ("role d0 read cib\n", "duplicate id 'd0'", ""),
])
def test_acl_errors(text: str, message: str, hint: str) -> None:
    err = error(text)
    assert message in err and hint in err


def test_user_names_are_not_xml_ids_and_have_their_own_namespace() -> None:
    cfg = config("role d0-admin read cib\nacl_target d0 d0-admin\nacl_target 1st-user d0-admin\n")
    assert [t.id for t in cfg.acl_targets] == ["d0", "1st-user"]
    assert "duplicate id 'alice'" in error("acl_target alice\nacl_target alice\n")


# --- alerts ---------------------------------------------------------------------------------------

def test_alert_with_everything() -> None:
    [alert] = config("alert smtp /usr/share/pacemaker/alerts/alert_smtp.sh description=mail \\\n"
                     "  attributes email_sender=ha@example.com \\\n  meta timeout=10s \\\n"
                     "  select nodes fencing attributes { standby shutdown } \\\n"
                     "  to { admin@example.com meta timeout=20s } \\\n  to ops@example.com attributes x=1\n").alerts
    assert alert == Alert(
        "smtp", "/usr/share/pacemaker/alerts/alert_smtp.sh", "mail",
        (AttrSet("smtp-instance_attributes", (("email_sender", "ha@example.com"),)),),
        (AttrSet("smtp-meta_attributes", (("timeout", "10s"),)),),
        ("nodes", "fencing", "attributes"), (SelectAttribute("smtp-0", "standby"), SelectAttribute("smtp-1", "shutdown")),
        (AlertRecipient("smtp-recipient-1", "admin@example.com",
                        meta=(AttrSet("smtp-recipient-1-meta_attributes", (("timeout", "20s"),)),)),
         AlertRecipient("smtp-recipient-2", "ops@example.com",
                        attributes=(AttrSet("smtp-recipient-2-instance_attributes", (("x", "1"),)),))))


def test_braces_let_the_alerts_own_lists_follow_a_recipient() -> None:
    [alert] = config("alert a /x to { /log meta timeout=5s } meta timeout=60s\n").alerts
    assert alert.meta[0].pairs == (("timeout", "60s"),)
    assert alert.recipients[0].meta[0].pairs == (("timeout", "5s"),)
    [plain] = config("alert a /x to /log meta timeout=5s\n").alerts  # without braces: the recipient's
    assert not plain.meta and plain.recipients[0].meta[0].pairs == (("timeout", "5s"),)


def test_select_attributes_without_a_brace_is_the_alerts_attribute_list() -> None:
    [alert] = config("alert a /x select nodes attributes a=1\n").alerts
    assert alert.select == ("nodes",) and alert.attributes[0].pairs == (("a", "1"),)
    [every] = config("alert a /x select attributes { }\n").alerts
    assert every.select == ("attributes",) and every.select_attributes == ()


def test_alerts_render_and_read_back() -> None:
    same_after_render("alert a \"/opt/my alerts/a.sh\" attributes a=1 select resources to /x to { \"{\" meta m=2 }\n")


@pytest.mark.parametrize("text, message", [
    ("alert a1\n", "expected the path of the alert agent"),
    ("alert a1 /x select\n", "select needs what to select"),
    ("alert a1 /x select bogus\n", "'bogus' cannot be selected"),
    ("alert a1 /x select nodes nodes\n", "nodes is selected twice"),
    ("alert a1 /x select nodes select fencing\n", "an alert has one `select`"),
    ("alert a1 /x to { /y meta a=1\n", "the recipient's `{` is never closed"),
    ("alert a1 /x frobnicate\n", "unexpected 'frobnicate' in alert a1"),
])
def test_alert_errors(text: str, message: str) -> None:
    assert message in error(text)


# --- bundles --------------------------------------------------------------------------------------

def test_bundle_with_everything() -> None:
    cfg = config("bundle httpd description=web \\\n  docker image=pcmk:httpd replicas=3 \\\n"
                 "  network ip-range-start=10.0.0.10 host-netmask=24 \\\n"
                 "  port-mapping port=80 \\\n  port-mapping id=tls port=443 internal-port=8443 \\\n"
                 "  storage \\\n  storage-mapping target-dir=/var/www source-dir=/srv/www options=rw \\\n"
                 "  primitive web \\\n  meta target-role=Started\n")
    b = cfg.resources["httpd"]
    assert b == Bundle("httpd", "docker", (("image", "pcmk:httpd"), ("replicas", "3")),
                       (("ip-range-start", "10.0.0.10"), ("host-netmask", "24")),
                       (BundleMapping("httpd-0", (("port", "80"),)),
                        BundleMapping("tls", (("port", "443"), ("internal-port", "8443")))),
                       (BundleMapping("httpd-1", (("target-dir", "/var/www"), ("source-dir", "/srv/www"),
                                                  ("options", "rw"))),),
                       "web", "web", meta=(AttrSet("httpd-meta_attributes", (("target-role", "Started"),)),))
    assert cfg.parent_of["web"] == "httpd" and "web" not in [r.id for r in cfg.top_level]
    assert parse(render(cfg)).config == cfg


def test_mapping_ids_written_out_only_where_they_differ() -> None:
    text = render(config("bundle b podman image=x network port-mapping id=b-0 port=1 port-mapping port=2\n"))
    assert "port-mapping port=1" in text and "port-mapping id=b-0" not in text  # b-0 is what it would be named
    cfg = config("bundle b podman image=x network port-mapping port=1 port-mapping id=b-0 port=2\n")
    assert [m.id for m in cfg.resources["b"].port_mappings] == ["b-1", "b-0"]  # made-up ids avoid given ones
    text = render(cfg)
    assert text.count("id=") == 1 and parse(text).config == cfg


@pytest.mark.parametrize("text, message, hint", [
    ("bundle b1\n", "bundle b1 names no container runtime", "add docker image="),
    ("bundle b1 docker\n", "docker needs the image to run", ""),
    ("bundle b1 docker image=x podman image=y\n", "a bundle has one container runtime", ""),
    ("bundle b1 docker image=x replicas=many\n", "replicas='many' is not an integer", ""),
    ("bundle b1 docker image=x imgae=y\n", "docker has no attribute 'imgae'", "did you mean 'image'?"),
    ("bundle b1 docker image=x port-mapping port=80\n", "unexpected 'port-mapping'", "goes after network"),
    ("bundle b1 rkt image=x network port-mapping\n", "a port-mapping has a port= or a range=", ""),
    ("bundle b1 rkt image=x storage storage-mapping target-dir=/a\n", "a storage-mapping has a target-dir=", ""),
    ("bundle b1 docker image=x primitive d0 primitive web\n", "a bundle runs one primitive", ""),
])
def test_bundle_errors(text: str, message: str, hint: str) -> None:
    err = error(text)
    assert message in err and hint in err
