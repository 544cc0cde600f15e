# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the router role applies, projected from a valid Cluster: the IPVS table, the
firewall marks, the addresses, the nftables file, the interfaces to look for.

Why apart: the filter cluster_router returns router_view() as it is, and the roles read
its keys (``__router.ipvs_services``, ``__router.nftables`` ...); keepalived_conf reads the
same addresses. One place builds them, from the typed records alone.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ROOT
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_ipvs import ipvs_entries
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import render_rules_file
from ansible_collections.lvs.cluster.plugins.module_utils.router_nftables import (
    render as render_nftables,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import address_sort_key

FTP_PORT = 21


def ipvs_services(cluster):
    """The whole IPVS table, as ipvs_service's ``services`` (list form)."""
    return [entry for service in cluster.services for entry in ipvs_entries(service)]


def fwmark_rules(cluster):
    """The firewall marks, as the fwmark module's ``marks``."""
    return [dict(fwmark=service.fwmark, vips=list(service.vips),
                 protocols=list(service.protocols),
                 ports=["%d-%d" % pair if pair[0] != pair[1] else pair[0]
                        for pair in service.ports])
            for service in cluster.services if service.fwmark is not None]


def router_addresses(cluster):
    """{'public': [VIP/len, ...], 'private': [NAT address/len] or []}."""
    vips = sorted({vip for service in cluster.services for vip in service.vips},
                  key=address_sort_key)
    public = ["%s/%d" % (vip, 128 if ":" in vip else 32) for vip in vips]
    nat = cluster.routers.nat_address
    private = ["%s/%d" % (nat.address, nat.prefix)] if nat and cluster.uses("nat") else []
    return {"public": public, "private": private}


def needs_ftp_helper(cluster):
    """A TCP service takes port 21: the kernel's FTP helper must follow its data connections."""
    return any("tcp" in service.protocols
               and any(low <= FTP_PORT <= high for low, high in service.ports)
               for service in cluster.services)


def router_interfaces(cluster):
    """The interfaces a router must have, each with the variable that names it (the role
    checks them on the host, before it changes anything)."""
    return [{"variable": "%s.routers.%s" % (ROOT, key), "name": getattr(cluster.routers, key)}
            for key in ("public_interface", "private_interface") if getattr(cluster.routers, key)]


def router_view(cluster):
    """What the router role applies (the filter cluster_router's value)."""
    routers = cluster.routers
    nat_address = routers.nat_address if cluster.uses("nat") else None
    table = ipvs_services(cluster)
    marks = fwmark_rules(cluster)
    return {
        # keepalived runs on the routers (VRRP, and/or it owns the IPVS table)
        "keepalived": cluster.uses_keepalived(),
        "ipvs_owner": routers.ipvs_owner,
        "connection_sync": routers.sync.enabled,
        # with ipvs_owner keepalived too: ipvs_keepalived keeps of its real servers those
        # keepalived's checks have in the table
        "ipvs_services": table,
        "ipvs_rules": render_rules_file(ipvs_services(cluster)),
        "fwmarks": marks,
        "nftables": render_nftables(fwmark_rules(cluster), nat_address, routers.public_interface),
        "addresses": router_addresses(cluster),
        "interfaces": router_interfaces(cluster),
        "public_interface": routers.public_interface,
        "private_interface": routers.private_interface,
        "nat": cluster.uses("nat"),
        "ftp_helper": needs_ftp_helper(cluster),
    }
