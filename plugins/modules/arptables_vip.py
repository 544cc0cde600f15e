#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: arptables_vip
short_description: Keep a direct-routing real server from answering or announcing ARP for its VIPs
version_added: 0.1.0
description:
  - On a real server of a direct-routing (or tunnelling) LVS cluster the VIP sits on the
    loopback interface, and the host must neither answer ARP requests for it nor use it as
    the sender address of its own ARP traffic, or clients reach the real server directly
    and bypass the LVS router.
  - This module installs the LVS guide's arptables method for a list of VIPs; for each VIP
    it drops incoming ARP whose target address is the VIP, and rewrites the sender
    address of outgoing ARP that carries the VIP to the server's real IP.
  - The rules belong to the collection and nothing else is touched. With the arptables
    back ends they live in two chains of their own, C(LVS_CLUSTER_VIP_IN) and
    C(LVS_CLUSTER_VIP_OUT), reached by one jump each inserted first in C(INPUT) and
    C(OUTPUT). With O(backend=nftables) they live in the table C(arp lvs_cluster_vip).
  - The arptables back ends change rules with single arptables commands (new rules are
    added before replaced ones are deleted, so a VIP is never left unprotected).
    C(arptables-restore) is deliberately not used - C(arptables-legacy-restore) flushes
    every chain and C(arptables-nft-restore) ignores C(--noflush), so both would destroy
    other tools' rules. The nftables back end replaces its whole table in one atomic
    C(nft -f) transaction.
  - The sysctl method (C(arp_ignore), C(arp_announce)) is the real_server role's business;
    use one method or both.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  vips:
    description:
      - The VIPs (IPv4 addresses; ARP does not exist for IPv6).
      - With O(state=present), at least one is needed.
      - With O(state=absent), the rules of these VIPs are removed; an empty list removes all
        the collection's ARP rules, chains and table.
    type: list
    elements: str
    default: []
  real_ip:
    description:
      - The real server's own IPv4 address on the LAN it shares with the LVS router;
        outgoing ARP for a VIP is sent with this sender address.
      - Required with O(state=present).
    type: str
  state:
    description:
      - V(present) installs the rules of O(vips); V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Also remove the collection's rules for VIPs not listed in O(vips) (with
        O(state=absent), everything of the collection's).
      - Rules found in the collection's chains or table that are not in its canonical
        form (duplicates, hand-added rules) are removed whatever this says.
    type: bool
    default: false
  backend:
    description:
      - V(arptables) runs C(arptables), whichever implementation the system's alternative
        selects (Debian 12 defaults to arptables-nft); V(arptables-legacy) and
        V(arptables-nft) name one explicitly.
      - V(nftables) uses an nftables table of the C(arp) family (needs the kernel's
        C(nf_tables) arp family, C(CONFIG_NF_TABLES_ARP)).
      - The nft-based back ends need a kernel with nf_tables for the arp family; kernels
        without it (such as Debian's user-mode-linux kernel) work with V(arptables-legacy) only.
    type: str
    choices: [arptables, arptables-legacy, arptables-nft, nftables]
    default: arptables
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - Rules are not persistent across reboots by themselves; run the module at boot (for
    example from the real_server role) or save the ruleset with your distribution's tools.
"""

EXAMPLES = r"""
- name: Suppress ARP for the VIPs on a direct-routing real server
  lvs.cluster.arptables_vip:
    vips:
      - 192.0.2.10
      - 192.0.2.20
    real_ip: 198.51.100.21

- name: Same with an nftables arp table, and drop the rules of any VIP not listed
  lvs.cluster.arptables_vip:
    vips: [192.0.2.10]
    real_ip: 198.51.100.21
    backend: nftables
    purge: true

- name: Explicitly use the legacy arptables (kernels without nf_tables arp support)
  lvs.cluster.arptables_vip:
    vips: [192.0.2.10]
    real_ip: 198.51.100.21
    backend: arptables-legacy

- name: Stop suppressing ARP for one VIP
  lvs.cluster.arptables_vip:
    vips: [192.0.2.20]
    state: absent

- name: Remove every ARP rule of the collection (chains or table included)
  lvs.cluster.arptables_vip:
    state: absent
"""

RETURN = r"""
vips:
  description:
    - The VIPs whose ARP is suppressed after the run (in check mode, after it would have run),
      with the real IP outgoing ARP uses (null if the VIP has a drop rule only).
  returned: always
  type: dict
  sample: {"192.0.2.10": "198.51.100.21"}
before:
  description: The collection's rules as found.
  returned: always
  type: dict
  contains:
    vips:
      description: VIP to real IP.
      type: dict
    drop:
      description: VIPs whose incoming ARP is dropped.
      type: list
      elements: str
    mangle:
      description: Outgoing ARP rewrites, a list of dicts with C(vip) and C(real_ip).
      type: list
      elements: dict
    stale:
      description: Rules in the collection's chains or table that are not in canonical form (removed by this run).
      type: list
      elements: dict
  sample: {"vips": {}, "drop": [], "mangle": [], "stale": []}
commands:
  description:
    - What was run (check mode, what would be run), in order, each the program's name and its
      arguments; the input of a program fed on stdin follows its command line, on the next lines.
    - For the arptables back ends, one command per arptables call.
    - For nftables, one C(nft -f -) with the ruleset it is given.
  returned: always
  type: list
  elements: str
  sample: ["arptables -N LVS_CLUSTER_VIP_IN", "arptables -A LVS_CLUSTER_VIP_IN -j DROP -d 192.0.2.10"]
applied:
  description: When a command failed, the commands (of RV(commands)) that ran before it.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["arptables -N LVS_CLUSTER_VIP_IN"]
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 1
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "arptables v0.0.5: can't initialize arptables table `filter'"
backend:
  description: The back end used.
  returned: always
  type: str
  sample: arptables-legacy
diff:
  description: The collection's rules before and after, in the back end's syntax.
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "-A INPUT -j LVS_CLUSTER_VIP_IN\n..."}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import arptables_vip as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
