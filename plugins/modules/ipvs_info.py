#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ipvs_info
short_description: Read the live IPVS table as structured data
version_added: 0.1.0
description:
  - Returns the IPVS (Linux Virtual Server) table of the target as data, that is every virtual
    service with its scheduler, flags and persistence, every real server with forwarding
    method, weight, thresholds, active and inactive connections, exact counters and rates,
    plus the connection timeouts and the connection sync daemons.
  - Reads C(ipvsadm -Sn) and C(ipvsadm -Ln --exact) with C(--thresholds), C(--stats),
    C(--rate), C(--timeout) and C(--daemon), always numeric and exact, in the C locale.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (1.31 tested) on the target, and a kernel with IPVS (ip_vs).
extends_documentation_fragment:
  - lvs.cluster.attributes.info
options: {}
"""

EXAMPLES = r"""
- name: Read the IPVS table
  lvs.cluster.ipvs_info:
  register: lvs

- name: Active connections per real server of tcp 192.0.2.10:80
  ansible.builtin.debug:
    msg: "{{ item.address }}: {{ item.active_connections }}"
  loop: "{{ (lvs.ipvs.services | selectattr('vip', 'equalto', '192.0.2.10') | selectattr('port', 'equalto', 80)
            | first).destinations }}"
"""

RETURN = r"""
ipvs:
  description: The live IPVS table.
  returned: always
  type: dict
  contains:
    services:
      description:
        - Virtual services with protocol, vip, port, fwmark, family, scheduler,
          scheduler_flags, persistence_timeout, persistence_netmask, persistence_engine,
          one_packet (as the options of P(lvs.cluster.ipvs_service#module)), the sums
          active_connections and inactive_connections, stats and rates, and destinations.
        - stats has connections, packets_in, packets_out, bytes_in, bytes_out (exact
          totals); rates has cps, packets_in_per_second, packets_out_per_second,
          bytes_in_per_second, bytes_out_per_second.
        - Each destination has address, port, method, weight, upper_threshold,
          lower_threshold, tunnel_type, tunnel_port, tunnel_checksum,
          active_connections, inactive_connections, stats and rates.
      type: list
      elements: dict
      returned: always
      sample:
        - protocol: tcp
          vip: 192.0.2.10
          port: 7
          fwmark: null
          family: ipv4
          scheduler: rr
          scheduler_flags: []
          persistence_timeout: 0
          persistence_netmask: null
          persistence_engine: null
          one_packet: false
          active_connections: 0
          inactive_connections: 6
          stats: {connections: 6, packets_in: 41, packets_out: 35, bytes_in: 2216, bytes_out: 1928}
          rates: {cps: 0, packets_in_per_second: 2, packets_out_per_second: 1, bytes_in_per_second: 84, bytes_out_per_second: 73}
          destinations:
            - {address: 198.51.100.21, port: 7, method: nat, weight: 1, upper_threshold: 0, lower_threshold: 0,
               tunnel_type: null, tunnel_port: null, tunnel_checksum: null, active_connections: 0,
               inactive_connections: 6, stats: {connections: 6}, rates: {cps: 0}}
    timeouts:
      description: Connection timeouts in seconds (tcp, tcpfin, udp).
      type: dict
      returned: always
      sample: {tcp: 900, tcpfin: 120, udp: 300}
    daemons:
      description: Running connection sync daemons (state master or backup, mcast_interface, syncid, maxlen, group, port, ttl).
      type: list
      elements: dict
      returned: always
      sample: [{state: master, mcast_interface: eth1, syncid: 5, maxlen: 1472, group: 224.0.0.81, port: 8848, ttl: 1}]
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_module import ipvsadm_backend
from ansible_collections.lvs.cluster.plugins.module_utils.command import result_or_fail


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(**result_or_fail(module, lambda: dict(changed=False, ipvs=ipvsadm_backend(module).info())))


if __name__ == "__main__":
    main()
