#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nat_masquerade
short_description: Masquerade what a router's NAT real servers send out by themselves
version_added: 0.1.0
description:
  - NAT real servers route through the routers. Their replies to clients are rewritten by
    IPVS; what they send out by themselves (package updates, DNS queries) leaves with their
    private addresses unless the router masquerades it. This module makes the router
    masquerade traffic from O(network) that leaves by O(interface).
  - The rule lives in a table of the collection's, C(ip lvs_cluster_nat) for an IPv4
    network or C(ip6 lvs_cluster_nat) for an IPv6 one, with one chain C(postrouting)
    (type nat, hook postrouting, priority srcnat, policy accept) holding only
    C(ip saddr NETWORK oifname "INTERFACE" masquerade) (C(ip6 saddr) for IPv6). The table
    of the other family is removed; without O(network) both are. No other table is
    touched, another tool's NAT tables included.
  - Both tables are read with C(nft -j list table) and compared as data (the network,
    the interface, the chain, nothing else in the table), not as the text one version of
    nftables prints. A table that differs (deleted or edited by hand, flagged dormant, with
    a rule, chain, set or masquerade option of someone else's) is replaced as a whole, both
    families in one C(nft -f -) transaction; nothing runs when both are as wanted.
  - Not compared, as they change nothing of what is masqueraded or as nftables 1.0.6 does
    not list them, are a counter on the rule and the comments of the table and the chain
    when the listing leaves them out.
  - The router role's boot file (P(lvs.cluster.cluster_router#filter)'s C(nftables)) holds
    the same tables, written by the same code.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - nft (nftables 1.0.6 tested) on the target, and a kernel with nf_tables and its NAT
    support for the family (C(nft_chain_nat), C(nft_masq)).
options:
  network:
    description:
      - The NAT real servers' subnet, C(ADDRESS/PREFIX), IPv4 or IPv6; the prefix length is
        required. Host bits are allowed and dropped, so the routers' NAT address with its
        prefix (V(198.51.100.1/24)) names its subnet (V(198.51.100.0/24)).
      - Null or empty removes the collection's tables, both families.
    type: str
  interface:
    description:
      - The router's interface the masqueraded traffic leaves by (its public interface).
      - Required with O(network).
    type: str
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - The tables are not persistent across reboots by themselves; the router role loads them
    at boot from its nftables file.
"""

EXAMPLES = r"""
- name: Masquerade what the NAT real servers of 198.51.100.0/24 send out by eth0
  lvs.cluster.nat_masquerade:
    network: 198.51.100.0/24
    interface: eth0

- name: The same from the routers' NAT address (its subnet is meant)
  lvs.cluster.nat_masquerade:
    network: 198.51.100.1/24
    interface: eth0

- name: An IPv6 cluster (the IPv4 table, if any, goes in the same transaction)
  lvs.cluster.nat_masquerade:
    network: 2001:db8:100::/64
    interface: eth0

- name: The cluster has no NAT service any more
  lvs.cluster.nat_masquerade:
    network: null
"""

RETURN = r"""
rules:
  description: The collection's masquerading after the run (in check mode, after it would have run); one entry or none.
  returned: always
  type: list
  elements: dict
  contains:
    family:
      description: V(ipv4) or V(ipv6).
      type: str
    network:
      description: The subnet masqueraded, normalised.
      type: str
    interface:
      description: The interface it leaves by.
      type: str
  sample: [{"family": "ipv4", "network": "198.51.100.0/24", "interface": "eth0"}]
before:
  description: The masquerade rules found in the collection's tables, same form as RV(rules).
  returned: always
  type: list
  elements: dict
  sample: []
stale:
  description:
    - What else the collection's tables were found to hold (removed by this run), each with
      C(family) (V(ip) or V(ip6)), C(chain) (V(*) for the table itself), C(handle) and C(rule)
      (what it is, the rule's expressions as nftables lists them).
  returned: always
  type: list
  elements: dict
  sample: [{"family": "ip", "chain": "postrouting", "handle": 3, "rule": "[{\"match\": ...}]"}]
commands:
  description:
    - What was applied (check mode, what would be), at most one C(nft -f -) with its input on
      the next lines (each table that differs replaced or deleted).
  returned: always
  type: list
  elements: str
  sample: ["nft -f -\ntable ip lvs_cluster_nat\ndelete table ip lvs_cluster_nat\ntable ip lvs_cluster_nat {\n..."]
applied:
  description: When the command failed, the commands (of RV(commands)) that ran before it (none).
  returned: on failure to apply
  type: list
  elements: str
  sample: []
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 1
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "Error: Could not process rule: No such file or directory"
diff:
  description: The collection's tables before and after, in nft syntax (what else the tables held as C(# stale) lines).
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "table ip lvs_cluster_nat {\n..."}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import nat_masquerade as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
