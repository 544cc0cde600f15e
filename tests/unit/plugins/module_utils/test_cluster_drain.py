"""Draining real servers on the controller (cluster_drain.py) and the markers on the
routers (drain_markers.py): which addresses a drain names, the minimum kept in service on
every router, what is still open, and how a marker reads."""

import copy
import re

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import drain_markers
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_drain import (
    drain_plan,
    drained_addresses,
    open_connections,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load

HOSTS = {"rs1": "198.51.100.21", "rs2": "198.51.100.22", "rs3": "198.51.100.23"}
DESCRIPTION = {
    "routers": {"public_interface": "eth0", "private_interface": "eth1", "nat_address": "198.51.100.1/24"},
    "services": [
        {"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "nat",
         "real_servers": [{"host": "rs1", "weight": 3}, {"host": "rs2"}, {"host": "rs3"}]},
        {"name": "echo", "vip": "192.0.2.10", "port": 7, "forwarding": "nat",
         "real_servers": [{"host": "rs1"}, {"address": "198.51.100.22"}]},
    ],
}


def destination(address, weight=1, active=0, inactive=0):
    return {"address": address, "port": 80, "weight": weight, "active_connections": active,
            "inactive_connections": inactive}


def table(web=(3, 1, 1), echo=(1, 1), active=(0, 0, 0)):
    return [
        {"protocol": "tcp", "vip": "192.0.2.10", "port": 80, "fwmark": None, "family": "ipv4",
         "destinations": [destination(HOSTS[name], weight, active[index])
                          for index, (name, weight) in enumerate(zip(["rs1", "rs2", "rs3"], web))]},
        {"protocol": "tcp", "vip": "192.0.2.10", "port": 7, "fwmark": None, "family": "ipv4",
         "destinations": [destination(HOSTS[name], weight) for name, weight in zip(["rs1", "rs2"], echo)]},
    ]


CLUSTER = load(DESCRIPTION, HOSTS)


def test_hosts_and_addresses_name_real_servers():
    assert drained_addresses(CLUSTER, ["rs1", "198.51.100.22"]) == {
        "rs1": ["198.51.100.21"], "198.51.100.22": ["198.51.100.22"]}
    assert drained_addresses(CLUSTER, "rs1, rs3") == {"rs1": ["198.51.100.21"], "rs3": ["198.51.100.23"]}


@pytest.mark.parametrize("names, message", [
    (["rs9"], "lvs_drain=rs9: is no real server of lvs_cluster (its real servers: rs1, rs2, rs3)"),
    (["rs9", "192.0.2.99"], "lvs_drain=rs9,192.0.2.99: are no real server"),
    ([], "lvs_drain=[]: name the real servers to drain"),
])
def test_an_unknown_real_server_is_named(names, message):
    with pytest.raises(ClusterError, match=re.escape(message)):
        drained_addresses(CLUSTER, names)


def test_a_drain_that_keeps_the_minimum_is_planned_on_every_router():
    plan = drain_plan(CLUSTER, ["rs1"], {"router1": table(), "router2": table()})
    assert plan["addresses"] == ["198.51.100.21"] and plan["refused"] == []
    assert [(entry["router"], entry["service"], entry["left"]) for entry in plan["services"]] == [
        ("router1", "tcp 192.0.2.10:80", ["198.51.100.22", "198.51.100.23"]),
        ("router1", "tcp 192.0.2.10:7", ["198.51.100.22"]),
        ("router2", "tcp 192.0.2.10:80", ["198.51.100.22", "198.51.100.23"]),
        ("router2", "tcp 192.0.2.10:7", ["198.51.100.22"])]


def test_a_drain_below_the_minimum_is_refused_per_router_and_service():
    # echo has rs1 and rs2; rs2 is out (weight 0: drained or failed) on router2 only
    plan = drain_plan(CLUSTER, ["rs1"], {"router1": table(), "router2": table(echo=(1, 0))})
    assert plan["refused"] == [
        "lvs_drain=198.51.100.21: would leave tcp 192.0.2.10:7 on router2 with 0 real servers in service "
        "(router_drain_minimum=1; in service now: 198.51.100.21)"]
    # two at once, web keeps rs3 (minimum 1) but not 2
    assert drain_plan(CLUSTER, ["rs1", "rs2"], {"router1": table()}, minimum=1)["refused"][0].startswith(
        "lvs_drain=198.51.100.21,198.51.100.22: would leave tcp 192.0.2.10:7 on router1 with 0")
    refused = drain_plan(CLUSTER, ["rs3"], {"router1": table()}, minimum=3)["refused"]
    assert refused == ["lvs_drain=198.51.100.23: would leave tcp 192.0.2.10:80 on router1 with 2 real servers "
                       "in service (router_drain_minimum=3; in service now: 198.51.100.21, 198.51.100.22, "
                       "198.51.100.23)"]


@pytest.mark.parametrize("minimum", [-1, "1", True, None])
def test_the_minimum_is_a_count(minimum):
    with pytest.raises(ClusterError, match="router_drain_minimum="):
        drain_plan(CLUSTER, ["rs1"], {"router1": table()}, minimum=minimum)


def test_open_connections_name_router_service_and_address():
    tables = {"router1": table(active=(4, 2, 0)), "router2": table()}
    assert open_connections(tables, ["198.51.100.21"]) == [
        {"router": "router1", "service": "tcp 192.0.2.10:80", "address": "198.51.100.21", "active": 4,
         "inactive": 0}]
    assert open_connections(tables, ["198.51.100.23"]) == []


def test_a_fwmark_service_is_named_by_its_mark():
    marked = copy.deepcopy(table())
    marked[0].update(protocol="fwmark", vip=None, port=None, fwmark=80)
    plan = drain_plan(CLUSTER, ["rs3"], {"router1": marked})
    assert plan["services"][0]["service"] == "fwmark 80 (ipv4)"


# --- the markers on a router --------------------------------------------------------------

def test_markers_read_as_keepalived_reads_them(tmp_path):
    for name, text in [("198.51.100.21", "1\n"), ("198.51.100.22", "0\n"), ("198.51.100.23", ""),
                       ("2001:db8::21", "0x1"), ("198.51.100.24", "junk"), ("README", "1"),
                       ("2001:db8:0::22", "1")]:
        (tmp_path / name).write_text(text)
    (tmp_path / "198.51.100.25").mkdir()
    # 2001:db8:0::22 is not the canonical text of an address: not a marker
    assert drain_markers.read(str(tmp_path)) == {"198.51.100.21", "2001:db8::21"}
    assert drain_markers.read(str(tmp_path / "missing")) == set()


def test_marker_paths_and_track_file_names_use_the_canonical_address():
    assert drain_markers.marker_path("/d", "2001:DB8:0::21") == "/d/2001:db8::21"
    assert drain_markers.track_file_name("2001:db8::21") == "lvs_drain_2001_db8__21"
    assert drain_markers.track_file_name("198.51.100.21") == "lvs_drain_198_51_100_21"
