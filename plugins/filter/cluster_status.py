# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's status on the controller (playbooks/status.yml):
lvs_cluster | lvs.cluster.cluster_status(hostvars, routers, real_servers, reads) compares
each host's lvs.cluster.status read with the description and returns the report as data;
report | lvs.cluster.cluster_status_lines renders it as the lines a person reads.
The logic is module_utils/status_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.cluster import _address_of, _load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_real_server_projection import real_server_view
from ansible_collections.lvs.cluster.plugins.module_utils.status_report import expected, lines, report
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

# the real_server role's variables and their defaults (roles/real_server/defaults/main.yml)
ARP_METHOD = "real_server_arp_method"
ARP_METHOD_DEFAULT = "sysctl"
INTERFACE = "real_server_interface"


def cluster_status(description, hostvars, routers, real_servers, reads):
    if not isinstance(reads, dict):
        raise AnsibleFilterError("cluster_status: reads=%r: must be a dict of host to its lvs.cluster.status "
                                 "result" % (reads,))
    routers = list(routers or [])
    cluster = _load(description, hostvars, routers)
    hosts = []
    for host in real_servers or []:
        variables = hostvars[host] if host in hostvars else {}
        address = _address_of(hostvars, host) if host in hostvars else None
        if not address:
            raise AnsibleFilterError("%s: no address: set real_server_address (or ansible_host) for it" % host)
        address = ([a for a in ([address] if isinstance(address, str) else address) if ":" not in a]
                   or [address if isinstance(address, str) else address[0]])[0]
        try:
            view = real_server_view(cluster, address)
        except ValidationError as error:
            raise AnsibleFilterError("%s: %s" % (host, error))
        hosts.append({"host": host, "address": address, "dr_vips": view["dr_vips"], "tun_vips": view["tun_vips"],
                      "arp_method": variables.get(ARP_METHOD) or ARP_METHOD_DEFAULT,
                      "interface": variables.get(INTERFACE) or None})
    return report(expected(cluster, routers, hosts), reads)


def cluster_status_lines(status):
    if not isinstance(status, dict) or "flags" not in status:
        raise AnsibleFilterError("cluster_status_lines: its input must be cluster_status's report")
    return lines(status)


class FilterModule(object):
    def filters(self):
        return {"cluster_status": cluster_status, "cluster_status_lines": cluster_status_lines}
