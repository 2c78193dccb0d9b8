"""The anchors' configuration text and the crm_mon reader (lab.anchors): pure, no lab."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hastack.lab.anchors import (ANCHORS, corosync_conf, host_number, keepalived_conf, keepalived_priority,
                                 pacemaker_group_xml, read_crm_mon)

NODES = [("h1", "10.213.94.11"), ("h2", "10.213.94.12"), ("h3", "10.213.94.13")]


def section(text: str, name: str) -> list[str]:
    """The stripped lines of one top-level `name { ... }` block of a corosync.conf."""
    lines = text.splitlines()
    start = lines.index(f"{name} {{")
    end = next(k for k in range(start, len(lines)) if lines[k] == "}")
    return [line.strip() for line in lines[start + 1:end]]


def test_corosync_conf_default_token_has_no_timing_lines() -> None:
    text = corosync_conf("hbench", NODES, guide_token=False)
    totem = section(text, "totem")
    assert totem == ["version: 2", "cluster_name: hbench", "crypto_cipher: none", "crypto_hash: none"]
    assert "to_syslog: no" in section(text, "logging") and "timestamp: hires" in section(text, "logging")
    assert section(text, "quorum") == ["provider: corosync_votequorum"]


def test_corosync_conf_guide_token_adds_the_guides_two_lines() -> None:
    totem = section(corosync_conf("hbench", NODES, guide_token=True), "totem")
    assert totem[-2:] == ["token: 10000", "token_retransmits_before_loss_const: 10"]


def test_corosync_nodelist_numbers_the_nodes_in_order() -> None:
    nodelist = section(corosync_conf("hbench", NODES, guide_token=False), "nodelist")
    assert nodelist[:5] == ["node {", "name: h1", "nodeid: 1", "ring0_addr: 10.213.94.11", "}"]
    assert "nodeid: 3" in nodelist and "ring0_addr: 10.213.94.13" in nodelist
    assert text_balanced(corosync_conf("hbench", NODES, guide_token=True))


def text_balanced(text: str) -> bool:
    return text.count("{") == text.count("}")


def test_keepalived_v2_at_one_second_and_v3_below() -> None:
    one = keepalived_conf("h2", keepalived_priority(2), "10.213.95.100", 1.0)
    tenth = keepalived_conf("h2", keepalived_priority(2), "10.213.95.100", 0.1)
    assert "\tvrrp_version 2\n" in one and "\tadvert_int 1\n" in one
    assert "\tvrrp_version 3\n" in tenth and "\tadvert_int 0.1\n" in tenth
    for text in (one, tenth):
        assert "\tstate BACKUP\n" in text and "\tpriority 100\n" in text and "\tvirtual_router_id 51\n" in text
        assert "\t\t10.213.95.100/24 dev eth0\n" in text and text_balanced(text)
        assert "nopreempt" not in text  # default preemption, as measured in the reference note


def test_keepalived_priorities_fall_by_host() -> None:
    assert [keepalived_priority(i) for i in (1, 2, 3)] == [150, 100, 50]


def test_pacemaker_group_is_vip_then_web() -> None:
    group = ET.fromstring(pacemaker_group_xml("10.213.94.100"))
    assert group.tag == "group" and group.get("id") == "g_web"
    vip, web = group.findall("primitive")
    assert (vip.get("id"), vip.get("class"), vip.get("provider"), vip.get("type")) == \
        ("vip", "ocf", "heartbeat", "IPaddr2")
    params = {nv.get("name"): nv.get("value") for nv in vip.iter("nvpair")}
    assert params == {"ip": "10.213.94.100", "cidr_netmask": "24", "nic": "eth0"}
    assert web.get("type") == "anything"
    assert {nv.get("name"): nv.get("value") for nv in web.iter("nvpair")}["binfile"] == "/usr/bin/python3"
    ids = [el.get("id") for el in group.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "CIB ids must be unique"
    assert [op.get("interval") for op in group.iter("op")] == ["10s", "10s"]


CRM_MON = """<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml -1">
  <summary><current_dc present="true" version="2.1.5" name="h2" id="2" with_quorum="true"/></summary>
  <nodes>
    <node name="h1" id="1" online="true"/><node name="h2" id="2" online="true"/>
    <node name="h3" id="3" online="false"/>
  </nodes>
  <resources>
    <group id="g_web" number_resources="2">
      <resource id="vip" role="Started" failed="false"><node name="h1" id="1" cached="true"/></resource>
      <resource id="web" role="Started" failed="false"><node name="h1" id="1" cached="true"/></resource>
    </group>
  </resources>
  <status code="0" message="OK"/>
</pacemaker-result>"""


def test_read_crm_mon() -> None:
    view = read_crm_mon(CRM_MON)
    assert view.dc == "h2" and view.online == ("h1", "h2") and view.group_on() == "h1"
    assert host_number(view.dc) == 2 and host_number("n2") is None and host_number(None) is None


def test_a_group_half_started_or_without_dc_is_not_on_a_node() -> None:
    moving = CRM_MON.replace('id="web" role="Started"', 'id="web" role="Stopped"')
    assert read_crm_mon(moving).group_on() is None
    no_dc = read_crm_mon(CRM_MON.replace('present="true"', 'present="false"'))
    assert no_dc.dc is None


def test_the_anchors_and_their_windows() -> None:
    assert sorted(ANCHORS) == ["keepalived-0.1", "keepalived-1", "pacemaker-default", "pacemaker-guide"]
    assert ANCHORS["pacemaker-guide"].guide_token and not ANCHORS["pacemaker-default"].guide_token
    # the window must outlast the slowest measured failover (Guide's token: about 24.7 s)
    assert ANCHORS["pacemaker-guide"].window_s > 30 and ANCHORS["keepalived-0.1"].advert_int == 0.1
