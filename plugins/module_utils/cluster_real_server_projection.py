# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one real server carries, projected from a valid Cluster: its VIPs by forwarding
method, and the NAT gateway and sources when it serves a NAT service.

Why apart: the filter cluster_real_server returns real_server_view() as it is, and the
real_server role reads its keys (dr_vips, tun_vips, nat_gateway, nat_sources, services,
nat_services); it needs nothing of the routers' side but the NAT address.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address as parse_address,
    address_sort_key,
)

ADDRESS_VARIABLE = "real_server_address"


def real_server_view(cluster, addresses):
    """What the real server with these addresses (one, or a list: a dual-stack host)
    carries: VIPs by forwarding method and the NAT gateway (the routers' floating NAT
    address) when it serves a NAT service. Raises ValidationError for an address that is
    none."""
    if not isinstance(addresses, (list, tuple)):
        addresses = [addresses]
    addresses = [parse_address(ADDRESS_VARIABLE, text)[0] for text in addresses]
    nat = cluster.routers.nat_address
    view = {"dr_vips": set(), "tun_vips": set(), "nat_gateway": None, "nat_sources": set(),
            "nat_services": [], "services": []}
    for service in cluster.services:
        served = [server.family for server in service.real_servers if server.address in addresses]
        if not served:
            continue
        view["services"].append(service.name)
        # IPVS sends a real server only the traffic of VIPs of the family it serves with
        vips = [vip for vip in service.vips if ("ipv6" if ":" in vip else "ipv4") in served]
        if service.forwarding == "dr":
            view["dr_vips"].update(vips)
        elif service.forwarding == "tun":
            view["tun_vips"].update(vips)
        else:
            view["nat_gateway"] = nat.address
            # the sources of its NAT replies (the gateway's family: the routers route them
            # back through that address)
            view["nat_sources"].update(
                server.address for server in service.real_servers
                if server.address in addresses and server.family == nat.family)
            view["nat_services"].append(service.name)
    for key in ("nat_sources", "dr_vips", "tun_vips"):
        view[key] = sorted(view[key], key=address_sort_key)
    return view
