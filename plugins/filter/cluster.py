# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster model on the controller: lvs_cluster | lvs.cluster.cluster_router(hostvars)
and lvs_cluster | lvs.cluster.cluster_real_server(hostvars, inventory_hostname).

Both validate the whole description first (plugins/module_utils/cluster_model.py) and fail
naming the bad variable and its value, so a play that starts with them changes nothing
on any host when the description is wrong."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import (
    ClusterError,
    load,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import render_rules_file
from ansible_collections.lvs.cluster.plugins.module_utils.router_nftables import render as render_nftables

# A real server named by inventory host is reached at this host variable, else ansible_host.
ADDRESS_VARIABLE = "real_server_address"


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


def _load(description, hostvars):
    try:
        return load(description, _addresses(description, hostvars))
    except ClusterError as error:
        raise AnsibleFilterError("the cluster description is wrong: %s" % error)


def _router_interfaces(cluster):
    """The interfaces a router must have, each with the variable that names it (the role
    checks them on the host, before it changes anything)."""
    return [{"variable": "lvs_cluster.routers.%s" % key, "name": cluster.routers[key]}
            for key in ("public_interface", "private_interface") if cluster.routers[key]]


def cluster_router(description, hostvars):
    cluster = _load(description, hostvars)
    nat_address = cluster.routers["nat_address"] if cluster.uses("nat") else None
    return {
        "ipvs_services": cluster.ipvs_services(),
        "ipvs_rules": render_rules_file(cluster.ipvs_services()),
        "fwmarks": cluster.fwmark_rules(),
        "nftables": render_nftables(cluster.fwmark_rules(), nat_address, cluster.routers["public_interface"]),
        "addresses": cluster.router_addresses(),
        "interfaces": _router_interfaces(cluster),
        "public_interface": cluster.routers["public_interface"],
        "private_interface": cluster.routers["private_interface"],
        "nat": cluster.uses("nat"),
        "ftp_helper": cluster.needs_ftp_helper(),
    }


def cluster_real_server(description, hostvars, host):
    cluster = _load(description, hostvars)
    address = _address_of(hostvars, host) if host in hostvars else None
    if not address:
        raise AnsibleFilterError("%s: no address: set %s (or ansible_host) for it"
                                 % (host, ADDRESS_VARIABLE))
    return cluster.real_server(address)


class FilterModule(object):
    def filters(self):
        return {"cluster_router": cluster_router, "cluster_real_server": cluster_real_server}
