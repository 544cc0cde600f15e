#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: fwmark
short_description: Mark packets to a VIP's ports with a firewall mark for an IPVS fwmark service
version_added: 0.1.0
description:
  - An IPVS virtual service can match a firewall mark instead of an address and port, so
    that several ports (HTTP 80 and HTTPS 443; FTP 21 and its passive port range) form one
    service and a client's connections to all of them reach the same real server.
  - This module sets the mark on packets to a VIP, a protocol and destination ports or port
    ranges, in PREROUTING before IPVS sees them. The IPVS service itself is made by
    M(lvs.cluster.ipvs_service) with the same O(fwmark).
  - The rules belong to the collection and are tagged, nothing else is touched. With
    O(backend=nftables) they live in the table C(inet lvs_cluster_fwmark) (chain
    C(prerouting), priority mangle), replaced as a whole in one C(nft -f) transaction.
    With the iptables back ends they live in the chain C(LVS_CLUSTER_FWMARK) of the mangle
    table, jumped to first from C(PREROUTING), each rule commented
    C(lvs.cluster fwmark <mark>), rewritten with C(iptables-restore --noflush) (and
    C(ip6tables-restore) for IPv6 VIPs), one transaction per address family.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  fwmark:
    description:
      - The firewall mark, an integer 1 to 4294967295, as the O(lvs.cluster.ipvs_service#module:fwmark) of the IPVS service.
      - With O(state=present), the rules of this mark become exactly O(vips) x
        O(protocols) x O(ports); the collection's rules of other marks stay unless O(purge).
      - Mutually exclusive with O(marks).
    type: int
  vips:
    description:
      - The VIPs (IPv4 or IPv6) whose packets get O(fwmark).
    type: list
    elements: str
  protocols:
    description:
      - Transport protocols to mark.
    type: list
    elements: str
    choices: [tcp, udp, sctp]
    default: [tcp]
  ports:
    description:
      - Destination ports and ranges, for example V(80), V(443), V(10000-20000) (or
        V(10000:20000)). Overlapping and adjacent ports are merged.
    type: list
    elements: str
  marks:
    description:
      - Several marks in one call (each entry takes the options O(fwmark), O(vips),
        O(protocols), O(ports) above), so one run converges the whole set; with O(purge)
        every other mark of the collection's is removed.
    type: list
    elements: dict
    suboptions:
      fwmark:
        description: The firewall mark, 1 to 4294967295.
        type: int
        required: true
      vips:
        description: The VIPs.
        type: list
        elements: str
      protocols:
        description: Transport protocols.
        type: list
        elements: str
        choices: [tcp, udp, sctp]
        default: [tcp]
      ports:
        description: Destination ports and ranges.
        type: list
        elements: str
  state:
    description:
      - V(present) makes the rules of the given marks exactly what is given.
      - V(absent) removes the rules of the given marks (VIPs, protocols and ports
        are then not needed); without any mark it removes all of the collection's
        rules, its chain or table included.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Also remove the collection's rules of marks not given.
      - Rules in the collection's chain or table that are not in its canonical form are
        removed whatever this says.
    type: bool
    default: false
  backend:
    description:
      - V(nftables) uses the table C(inet lvs_cluster_fwmark).
      - V(iptables) runs C(iptables-restore)/C(ip6tables-restore), whichever
        implementation the system's alternative selects; V(iptables-legacy) and
        V(iptables-nft) name one explicitly.
      - The nft-based back ends need the kernel's nf_tables ip/ip6/inet families; kernels
        without them (such as Debian's user-mode-linux kernel) work with V(iptables-legacy) only.
    type: str
    choices: [nftables, iptables, iptables-legacy, iptables-nft]
    default: nftables
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - Rules are not persistent across reboots by themselves.
"""

EXAMPLES = r"""
- name: HTTP and HTTPS of one VIP as one IPVS fwmark service (mark 80)
  lvs.cluster.fwmark:
    fwmark: 80
    vips: [192.0.2.10]
    ports: [80, 443]

- name: FTP with its passive port range (the IPVS service then uses fwmark 21)
  lvs.cluster.fwmark:
    fwmark: 21
    vips: [192.0.2.10]
    ports: ["21", "10000-20000"]
    backend: iptables

- name: The whole set in one call; marks not listed are removed
  lvs.cluster.fwmark:
    marks:
      - fwmark: 80
        vips: [192.0.2.10, "2001:db8:2::10"]
        ports: [80, 443]
      - fwmark: 53
        vips: [192.0.2.10]
        protocols: [udp, tcp]
        ports: [53]
    purge: true

- name: Remove one mark's rules
  lvs.cluster.fwmark:
    fwmark: 21
    state: absent

- name: Remove every fwmark rule of the collection
  lvs.cluster.fwmark:
    state: absent
"""

RETURN = r"""
rules:
  description: The collection's mark rules after the run (in check mode, after it would have run), one per mark, VIP and protocol.
  returned: always
  type: list
  elements: dict
  sample: [{"fwmark": 21, "family": "ipv4", "vip": "192.0.2.10", "protocol": "tcp", "ports": ["21", "10000-20000"]}]
before:
  description: The collection's rules as found, same form as RV(rules).
  returned: always
  type: list
  elements: dict
  sample: []
stale:
  description: Rules found in the collection's chain or table that are not in canonical form (removed by this run).
  returned: always
  type: list
  elements: dict
  sample: []
commands:
  description:
    - What was applied (check mode, what would be), in order, each the program's name and its
      arguments; the input of a program fed on stdin follows its command line, on the next lines
      (C(nft -f -), or C(iptables-restore --noflush) and C(ip6tables-restore --noflush)).
  returned: always
  type: list
  elements: str
  sample: ["nft -f -\ntable inet lvs_cluster_fwmark\n..."]
applied:
  description: When a command failed, the commands (of RV(commands)) that ran before it.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["iptables-restore --noflush\n*mangle\n..."]
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 1
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "iptables-restore: line 3 failed"
backend:
  description: The back end used.
  returned: always
  type: str
  sample: nftables
diff:
  description: The collection's rules before and after, in the back end's syntax.
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "table inet lvs_cluster_fwmark {\n..."}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import fwmark as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
