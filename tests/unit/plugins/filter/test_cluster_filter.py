"""The cluster filters: addresses from the inventory, errors as AnsibleFilterError."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.cluster import (
    FilterModule,
    cluster_real_server,
    cluster_router,
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
    assert set(FilterModule().filters()) == {"cluster_router", "cluster_real_server"}
