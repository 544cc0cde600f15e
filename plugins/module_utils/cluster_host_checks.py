# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of a valid Cluster against a host's facts: every VIP and the NAT address must
lie in a subnet of one of the router's interfaces.

Why apart: the description alone cannot say it; the router role calls it (filter
cluster_router_interfaces) with the router's Ansible facts, before it changes anything.
Every address outside them all is reported, one a line, as the description's mistakes are.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ROOT, Mistakes


def interface_networks(facts):
    """The networks (ipaddress objects) of one interface, from Ansible's facts of it
    (``ansible_facts[name]``: ``ipv4`` {address, netmask|prefix}, ``ipv4_secondaries``,
    ``ipv6`` [{address, prefix, scope}]); link-local IPv6 networks are left out."""
    networks = []
    if not isinstance(facts, dict):
        return networks
    ipv4 = [facts.get("ipv4")] if isinstance(facts.get("ipv4"), dict) else list(facts.get("ipv4") or [])
    for entry in ipv4 + list(facts.get("ipv4_secondaries") or []):
        if not isinstance(entry, dict) or not entry.get("address"):
            continue
        mask = entry.get("prefix") or entry.get("netmask") or "32"
        networks.append(ipaddress.ip_network(u"%s/%s" % (entry["address"], mask), strict=False))
    for entry in facts.get("ipv6") or []:
        if not isinstance(entry, dict) or not entry.get("address") or entry.get("scope") == "link":
            continue
        network = ipaddress.ip_network(u"%s/%s" % (entry["address"].split("%")[0],
                                                   entry.get("prefix") or 128), strict=False)
        if not network.is_link_local:
            networks.append(network)
    return networks


def check_router_interfaces(cluster, host, interfaces):
    """Every VIP and the NAT address must lie in a subnet of one of this router's
    interfaces (a VIP outside them all is unreachable: no neighbour asks for it).

    interfaces: {interface name: ansible_facts[name]}. Returns {address: interface name}
    (the first interface, by name, whose subnet holds it); raises ClusterError with the
    variable path of every address outside every subnet."""
    networks = [(name, network) for name in sorted(interfaces)
                for network in interface_networks(interfaces[name])]
    shown = ", ".join("%s %s" % (name, network) for name, network in networks) or "no addresses"
    mistakes = Mistakes()

    def place(path, text):
        address = ipaddress.ip_address(u"%s" % text)
        for name, network in networks:
            if network.version == address.version and address in network:
                return name
        mistakes.fail(path, text, "is outside every subnet of %s's interfaces (%s): no neighbour "
                      "would send its traffic there" % (host, shown))
        return None

    found = {}
    for service in cluster.services:
        for number, vip in enumerate(service.vips):
            found[vip] = place("%s.vips[%d]" % (service.path, number) if service.fwmark is not None
                               else "%s.vip" % service.path, vip)
    nat = cluster.routers.nat_address
    if nat is not None and cluster.uses("nat"):
        found[nat.address] = place("%s.routers.nat_address" % ROOT, nat.address)
    mistakes.raise_any()
    return found
