# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster model on the controller: lvs_cluster | lvs.cluster.cluster_router(hostvars),
lvs_cluster | lvs.cluster.cluster_real_server(hostvars, inventory_hostname),
lvs_cluster | lvs.cluster.cluster_keepalived_conf(hostvars, groups['lvs_routers'],
inventory_hostname) (with keepalived_conf_for_test for `keepalived -t`) and
lvs_cluster | lvs.cluster.cluster_router_interfaces(hostvars, groups['lvs_routers'],
inventory_hostname), and for draining real servers
lvs_cluster | lvs.cluster.cluster_drain(hostvars, names, tables) with
tables | lvs.cluster.drain_open_connections(addresses).

Each validates the whole description first (plugins/module_utils/cluster_model.py) and
fails naming every bad variable and its value, one a line after "the cluster description
is wrong: ", so a play that starts with them changes nothing on any host when the
description is wrong. What they return is projected by module_utils/cluster_*_projection.py
and keepalived_conf.py; the host checks are module_utils/cluster_host_checks.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_drain import drain_plan, open_connections
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_host_checks import (
    check_router_interfaces,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_real_server_projection import (
    ADDRESS_VARIABLE,
    real_server_view,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_router_projection import (
    router_view,
)
from ansible_collections.lvs.cluster.plugins.module_utils.drain_markers import (
    DEFAULT_DIRECTORY as DEFAULT_DRAIN_DIRECTORY,
)
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import (
    DEFAULT_SCRIPT_USER,
    DEFAULT_SEND_EXPECT_HELPER,
    for_config_test,
    render as render_keepalived,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError


def _referenced_hosts(description):
    names = set()
    services = description.get("services") if isinstance(description, dict) else None
    for service in services if isinstance(services, list) else []:
        servers = service.get("real_servers") if isinstance(service, dict) else None
        for server in servers if isinstance(servers, list) else []:
            if isinstance(server, dict) and isinstance(server.get("host"), str):
                names.add(server["host"])
    return names


def _address_of(hostvars, name):
    variables = hostvars[name]
    return variables.get(ADDRESS_VARIABLE) or variables.get("ansible_host")


def _addresses(description, hostvars):
    """{host: address or None} for the inventory hosts the description names."""
    return dict((name, _address_of(hostvars, name))
                for name in _referenced_hosts(description) if name in hostvars)


def _load(description, hostvars, routers=None):
    try:
        return load(description, _addresses(description, hostvars),
                    None if routers is None else list(routers))
    except ClusterError as error:
        raise AnsibleFilterError("the cluster description is wrong: %s" % error)


# The router role's read of a router (lvs.cluster.host_read): its interfaces in the shape
# of Ansible's facts of them. Without it (the filters used on their own), Ansible's facts.
HOST_READ = "__router_host_read"


def _host_interfaces(hostvars, host):
    """{interface: its facts (ipv4, ipv4_secondaries, ipv6)} of a host."""
    variables = hostvars[host] if host in hostvars else {}
    read = variables.get(HOST_READ)
    if isinstance(read, dict) and isinstance(read.get("interfaces"), dict):
        return read["interfaces"]
    facts = variables.get("ansible_facts") or {}
    # (Ansible writes - and : in an interface's fact name as _)
    return dict((name, facts.get(name) or facts.get(name.replace("-", "_").replace(":", "_")) or {})
                for name in facts.get("interfaces") or [])


def _interface_facts(hostvars, host, name):
    return _host_interfaces(hostvars, host).get(name) or {}


def _instance_address(facts, family):
    if family == "ipv4":
        return (facts.get("ipv4") or {}).get("address")
    for entry in facts.get("ipv6") or []:
        if entry.get("scope") not in ("link", "host"):
            return entry.get("address")
    return None


def _vrrp_addresses(cluster, hostvars, routers):
    """{router: {"public": address, "private": address}}: each router's own address, of
    the instance's family, on the public and private interface (from its facts)."""
    addresses = {}
    for host in routers:
        own = {}
        for instance, family in cluster.routers.vrrp_families.items():
            interface = getattr(cluster.routers, "%s_interface" % instance)
            address = _instance_address(_interface_facts(hostvars, host, interface), family)
            if address:
                own[instance] = address
        addresses[host] = own
    return addresses


def cluster_router(description, hostvars, routers=None):
    return router_view(_load(description, hostvars, routers))


def cluster_keepalived_conf(description, hostvars, routers, host, secret=None,
                            script_user=DEFAULT_SCRIPT_USER,
                            send_expect_helper=DEFAULT_SEND_EXPECT_HELPER,
                            drain_directory=DEFAULT_DRAIN_DIRECTORY, vrrp_state_program=None):
    """keepalived.conf of one router; first the host check its addresses need (every VIP
    and the NAT address in a subnet of the router: cluster_router_interfaces), so that a
    role renders the file and makes the check with one load of the description."""
    cluster = _load(description, hostvars, routers)
    _check_interfaces(cluster, hostvars, host)
    try:
        return render_keepalived(cluster, host, _vrrp_addresses(cluster, hostvars, routers),
                                 secret=secret, script_user=script_user,
                                 send_expect_helper=send_expect_helper,
                                 drain_directory=drain_directory,
                                 vrrp_state_program=vrrp_state_program)
    except ClusterError as error:       # never shows the secret: the message says (hidden)
        raise AnsibleFilterError("keepalived.conf of %s: %s" % (host, error))


def keepalived_conf_for_test(text):
    try:
        return for_config_test(text)
    except ValueError as error:
        raise AnsibleFilterError("keepalived_conf_for_test: %s" % error)


def cluster_router_interfaces(description, hostvars, routers, host):
    return _check_interfaces(_load(description, hostvars, routers), hostvars, host)


def _check_interfaces(cluster, hostvars, host):
    try:
        return check_router_interfaces(cluster, host, _host_interfaces(hostvars, host))
    except ClusterError as error:
        raise AnsibleFilterError("the cluster description is wrong: %s" % error)


def cluster_real_server(description, hostvars, host):
    cluster = _load(description, hostvars)
    address = _address_of(hostvars, host) if host in hostvars else None
    if not address:
        raise AnsibleFilterError("%s: no address: set %s (or ansible_host) for it"
                                 % (host, ADDRESS_VARIABLE))
    try:
        return real_server_view(cluster, address)
    except ValidationError as error:
        raise AnsibleFilterError("%s: %s" % (host, error))


def cluster_drain(description, hostvars, names, tables, minimum=1):
    """What draining the named real servers does (module_utils/cluster_drain.py): their
    addresses, the virtual services they are in on each router, and the refusals of a drain
    that would leave fewer than minimum real servers in service."""
    try:
        return drain_plan(_load(description, hostvars), names, tables, minimum)
    except ClusterError as error:
        raise AnsibleFilterError(str(error))


def drain_open_connections(tables, addresses):
    return open_connections(tables, addresses)


class FilterModule(object):
    def filters(self):
        return {"cluster_router": cluster_router, "cluster_real_server": cluster_real_server,
                "cluster_keepalived_conf": cluster_keepalived_conf,
                "keepalived_conf_for_test": keepalived_conf_for_test,
                "cluster_router_interfaces": cluster_router_interfaces,
                "cluster_drain": cluster_drain, "drain_open_connections": drain_open_connections}
