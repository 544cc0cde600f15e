"""The cluster filters: addresses from the inventory, errors as AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.cluster import (
    FilterModule,
    cluster_keepalived_conf,
    cluster_real_server,
    cluster_router,
    cluster_router_interfaces,
    keepalived_conf_for_test,
)

HOSTVARS = {
    "rs1": {"ansible_host": "203.0.113.21", "real_server_address": "198.51.100.21"},
    "rs2": {"ansible_host": "198.51.100.22"},
    "router1": {"ansible_host": "203.0.113.11"},
}
CLUSTER = {
    "routers": {"public_interface": "vec1"},
    "services": [{"name": "web", "vip": "192.0.2.10", "port": 80,
                  "real_servers": [{"host": "rs1"}, {"host": "rs2", "weight": 2}]}],
}


def test_router_view_takes_addresses_from_the_inventory():
    view = cluster_router(CLUSTER, HOSTVARS)
    destinations = view["ipvs_services"][0]["destinations"]
    # real_server_address wins over ansible_host (the management address)
    assert [d["address"] for d in destinations] == ["198.51.100.21", "198.51.100.22"]
    assert view["addresses"] == {"public": ["192.0.2.10/32"], "private": []}
    assert view["nat"] is False and view["public_interface"] == "vec1"


def test_real_server_view():
    assert cluster_real_server(CLUSTER, HOSTVARS, "rs2")["dr_vips"] == ["192.0.2.10"]
    assert cluster_real_server(CLUSTER, HOSTVARS, "router1")["services"] == []


def test_a_wrong_description_fails_the_task_naming_the_variable():
    wrong = {"routers": {"public_interface": "vec1"},
             "services": [{"name": "web", "vip": "192.0.2.10", "port": 80,
                           "real_servers": [{"host": "rs9"}]}]}
    with pytest.raises(AnsibleFilterError,
                       match=r"lvs_cluster.services\[0\].real_servers\[0\].host='rs9': "
                             r"is not a host of the inventory"):
        cluster_router(wrong, HOSTVARS)


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"cluster_router", "cluster_real_server",
                                             "cluster_keepalived_conf",
                                             "keepalived_conf_for_test",
                                             "cluster_router_interfaces", "cluster_drain",
                                             "drain_open_connections"}


def router_facts(public, private, ipv6=None):
    return {"ansible_facts": {
        "interfaces": ["lo", "vec1", "vec2"],
        "vec1": {"ipv4": {"address": public, "netmask": "255.255.255.0"},
                 "ipv6": [{"address": "fe80::1", "prefix": "64", "scope": "link"}] +
                 ([{"address": ipv6, "prefix": "64", "scope": "global"}] if ipv6 else [])},
        "vec2": {"ipv4": {"address": private, "netmask": "255.255.255.0"}},
        "lo": {"ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}}}}


HA_HOSTVARS = dict(HOSTVARS, router1=router_facts("192.0.2.2", "198.51.100.2"),
                   router2=router_facts("192.0.2.3", "198.51.100.3"))
HA_CLUSTER = {
    "routers": {"public_interface": "vec1", "private_interface": "vec2",
                "nat_address": "198.51.100.1/24",
                "vrrp": {"virtual_router_id": 51, "unicast_peers": True}},
    "services": [{"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "nat",
                  "real_servers": [{"host": "rs1"}, {"host": "rs2"}]}],
}


def test_keepalived_conf_takes_each_routers_own_addresses_from_its_facts():
    text = cluster_keepalived_conf(HA_CLUSTER, HA_HOSTVARS, ["router1", "router2"], "router2")
    assert "    unicast_src_ip 192.0.2.3\n    unicast_peer {\n        192.0.2.2\n" in text
    assert "    unicast_src_ip 198.51.100.3\n    unicast_peer {\n        198.51.100.2\n" in text
    assert "    priority 100\n" in text
    assert keepalived_conf_for_test(text).count("script_user root") == 1


def test_keepalived_conf_errors_name_the_variable_and_hide_the_secret():
    with pytest.raises(AnsibleFilterError, match=r"lvs_cluster.routers.vrrp.priorities.router2=150: "
                                                 r"is router1's priority too"):
        wrong = {"routers": dict(HA_CLUSTER["routers"], vrrp={
            "virtual_router_id": 51, "priorities": {"router1": 150, "router2": 150}}),
            "services": HA_CLUSTER["services"]}
        cluster_keepalived_conf(wrong, HA_HOSTVARS, ["router1", "router2"], "router1")
    with pytest.raises(AnsibleFilterError) as caught:
        cluster_keepalived_conf(HA_CLUSTER, HA_HOSTVARS, ["router1", "router2"], "router1",
                                secret="t0ps3cr")
    assert "router_vrrp_auth_secret=(hidden)" in str(caught.value)
    assert "t0ps3cr" not in str(caught.value)
    with pytest.raises(AnsibleFilterError, match="keepalived_conf_for_test: not a keepalived.conf"):
        keepalived_conf_for_test("")


def test_router_interfaces_from_facts():
    assert cluster_router_interfaces(HA_CLUSTER, HA_HOSTVARS, ["router1", "router2"], "router1") == \
        {"192.0.2.10": "vec1", "198.51.100.1": "vec2"}
    elsewhere = dict(HA_HOSTVARS, router1=router_facts("203.0.113.2", "198.51.100.2"))
    with pytest.raises(AnsibleFilterError, match=r"lvs_cluster.services\[0\].vip='192.0.2.10': "
                                                 r"is outside every subnet of router1's interfaces"):
        cluster_router_interfaces(HA_CLUSTER, elsewhere, ["router1", "router2"], "router1")
