"""Every mistake of a cluster description in one run: each reported as it is alone, one a
line, grouped by place (lvs_cluster, routers, each service in turn); a mistake never
reported again as the consequences it has elsewhere."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.cluster import cluster_router
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_host_checks import (
    check_router_interfaces,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import render
from descriptions import DELETE, changed

import test_cluster_ha as ha
import test_cluster_model as model
import test_keepalived_conf as keepalived


def mistakes(description, hosts=None, routers=None):
    """The lines of the ClusterError load raises (hosts: test_cluster_model's by default)."""
    with pytest.raises(ClusterError) as caught:
        load(description, model.HOSTS if hosts is None else hosts, routers)
    assert str(caught.value) == "\n".join(caught.value.messages)
    return list(caught.value.messages)


def alone(path, value, base=None, hosts=None, routers=None):
    """The one message of a description with this one mistake."""
    found = mistakes(changed(model.CLUSTER if base is None else base, path, value), hosts, routers)
    assert len(found) == 1, found
    return found[0]


def with_changes(base, *changes):
    description = base
    for path, value in changes:
        description = changed(description, path, value)
    return description


# mistakes in different places of test_cluster_model's CLUSTER, as the routers / each service
# are ordered in the message
SEVERAL = [
    (("routers", "public_interface"), "eth 0"),
    (("routers", "nat_address"), "198.51.100.1"),
    (("services", 0, "scheduler"), "wrrr"),
    (("services", 0, "real_servers", 1, "weight"), "heavy"),
    (("services", 1, "persistence", "timeout"), 0),
    (("services", 2, "tunnel", "type"), "ipipp"),
]


def test_several_mistakes_are_all_reported_in_one_run_each_as_alone():
    found = mistakes(with_changes(model.CLUSTER, *SEVERAL))
    assert found == [alone(path, value) for path, value in SEVERAL]
    assert found[3] == "lvs_cluster.services[0].real_servers[1].weight='heavy': must be an integer"


def test_the_message_is_one_mistake_a_line_grouped_by_place():
    """Whatever order the model finds them in: lvs_cluster itself, routers, then the
    services by index (services[10] after services[2])."""
    services = [{"name": "s%d" % index, "vip": "192.0.2.%d" % (10 + index), "port": 80,
                 "real_servers": [{"address": "198.51.100.21"}]} for index in range(11)]
    services[10]["scheduler"] = "wrrr"
    services[2]["real_servers"][0]["weight"] = -1
    description = {"routers": {"public_interface": "eth0", "ipvs_owner": "statik"},
                   "services": services}
    assert [line.split("=")[0] for line in mistakes(description)] == [
        "lvs_cluster.routers.ipvs_owner", "lvs_cluster.services[2].real_servers[0].weight",
        "lvs_cluster.services[10].scheduler"]


def test_high_availability_mistakes_with_the_services_ones():
    changes = [(ha.VRRP + ("virtual_router_id",), 256), (ha.VRRP + ("preempt",), "sometimes"),
               (("routers", "sync"), {"sync_id": 300}),
               (ha.HC0 + ("interval",), 0), (ha.HC0 + ("retry",), "twice"),
               (("services", 1, "sorry_server", "port"), 8080),
               (("services", 2, "real_servers", 0, "host"), "rs9")]
    found = mistakes(with_changes(ha.HA, *changes), ha.HOSTS, ha.ROUTERS)
    assert found == [alone(path, value, ha.HA, ha.HOSTS, ha.ROUTERS) for path, value in changes]


@pytest.mark.parametrize("case", [case for case in model.BAD
                                  if case[0] not in ("not a dictionary", "an unknown top-level key",
                                                     "no services", "mark ports overlapping another service",
                                                     "a tunnel type typo", "a GUE tunnel (no real-server side for it)",
                                                     "a GRE tunnel (no real-server side for it)")],
                         ids=lambda case: case[0])
def test_each_bad_description_with_another_mistake_elsewhere_reports_both(case):
    """The BAD table of test_cluster_model.py with a tunnel typo in services[2] as well (the
    cases left out change services[2]'s tunnel or leave nothing of the rest to check)."""
    _what, description, _start = case
    single = mistakes(description)
    other = alone(("services", 2, "tunnel", "type"), "ipipp")
    assert sorted(mistakes(changed(description, ("services", 2, "tunnel", "type"), "ipipp"))) == \
        sorted(single + [other])


@pytest.mark.parametrize("changes, expected", [
    # a forwarding typo: the real server's port is not compared with it, nor the tunnel
    ([(("services", 1, "forwarding"), "direkt"), (("services", 1, "real_servers", 0, "port"), 8080)],
     ["lvs_cluster.services[1].forwarding='direkt': must be one of nat, dr, tun"]),
    # a real server with a key the model does not know: that key alone, nothing guessed
    ([(model.RS0 + ("wieght",), 2), (model.RS0 + ("port",), DELETE)],
     ["lvs_cluster.services[0].real_servers[0].wieght=2: is not an option here (known: host, "
      "address, port, weight, upper_threshold, lower_threshold, health_check)"]),
    # vips on a service without a mark (fwmark forgotten): not also "vip is required"
    ([(("services", 0, "vips"), ["192.0.2.11"]), (("services", 0, "vip"), DELETE)],
     ["lvs_cluster.services[0].vips=['192.0.2.11']: only a firewall-mark service (fwmark) takes vips"]),
    # a bad VIP: the real servers' family is not compared with a family nobody knows
    ([(("services", 0, "vip"), "192.0.2.300")],
     ["lvs_cluster.services[0].vip='192.0.2.300': is not an IPv4 or IPv6 address (host names "
      "are not accepted)"]),
])
def test_a_mistake_is_not_reported_again_as_its_consequences(changes, expected):
    assert mistakes(with_changes(model.CLUSTER, *changes)) == expected


def test_a_bad_nat_address_leaves_the_private_vrrp_instance_unjudged():
    description = with_changes(ha.HA, (("routers", "nat_address"), "198.51.100/24"),
                               (ha.VRRP + ("private_virtual_router_id",), 52))
    assert mistakes(description, ha.HOSTS, ha.ROUTERS) == [
        "lvs_cluster.routers.nat_address='198.51.100': is not an IPv4 or IPv6 address (host names "
        "are not accepted)"]


def test_a_secret_is_never_shown_as_an_unknown_key():
    description = with_changes(ha.HA, (ha.VRRP + ("auth_pass",), "hunter2"),
                               (ha.VRRP + ("advert_int",), 1))
    found = mistakes(description, ha.HOSTS, ha.ROUTERS)
    assert found[0].startswith("lvs_cluster.routers.vrrp.auth_pass='(hidden)': a secret")
    assert found[1].startswith("lvs_cluster.routers.vrrp.advert_int=1: is not an option here")
    assert not any("hunter2" in line for line in found)


def test_the_filter_fails_with_every_mistake():
    wrong = with_changes(model.CLUSTER, *SEVERAL[:3])
    hostvars = dict((host, {"real_server_address": address}) for host, address in model.HOSTS.items())
    with pytest.raises(AnsibleFilterError) as caught:
        cluster_router(wrong, hostvars)
    assert str(caught.value) == "the cluster description is wrong: " + "\n".join(
        alone(path, value) for path, value in SEVERAL[:3])


def test_every_vip_outside_the_routers_subnets_is_reported():
    cluster = load(with_changes(ha.HA, (("services", 0, "vip"), "203.0.113.10"),
                                (("routers", "nat_address"), "203.0.113.1/24")), ha.HOSTS, ha.ROUTERS)
    with pytest.raises(ClusterError) as caught:
        check_router_interfaces(cluster, "router1", ha.FACTS)
    assert [line.split(": ")[0] for line in caught.value.messages] == [
        "lvs_cluster.routers.nat_address='203.0.113.1'", "lvs_cluster.services[0].vip='203.0.113.10'"]


def test_every_keepalived_line_too_long_is_reported_once_by_what_it_carries():
    description = with_changes(
        keepalived.HA, (("services", 2, "health_check"), {"type": "send_expect", "expect": "x" * 1200}),
        (("routers", "vrrp"), {"virtual_router_id": 51, "notify": "/usr/local/bin/" + "n" * 1100}))
    with pytest.raises(ClusterError) as caught:
        render(load(description, keepalived.HOSTS, keepalived.ROUTERS), "router1", keepalived.ADDRESSES)
    # the notify line and the check's (written for each real server and family: named once)
    assert [line.split("=")[0] for line in caught.value.messages] == [
        "lvs_cluster.routers.vrrp.notify", "lvs_cluster.services[2].health_check.expect"]
