#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: vip_redirect
short_description: Redirect a direct-routing real server's VIP traffic to the host itself, without holding the VIPs
version_added: 0.1.0
description:
  - On a real server of a direct-routing (or tunnelling) LVS cluster, packets arrive with a
    VIP as their destination. The usual ways to accept them put the VIP on the loopback
    interface and then keep the host from answering ARP for it (the sysctl method, or
    M(lvs.cluster.arptables_vip)). The guide's third way, the "redirect" method, does not
    put the VIP on the host at all, so there is no ARP to suppress - the kernel redirects
    the VIP's packets to the host's own address (the primary address of the interface they
    arrive on), and connection tracking turns the replies' source back into the VIP.
  - This module installs that redirect for a list of VIPs, IPv4 and IPv6.
  - The rules belong to the collection and nothing else is touched. With
    O(backend=nftables) they live in the table C(inet lvs_cluster_redirect) (chain
    C(prerouting), type nat, priority dstnat, one rule C(ip daddr VIP redirect) or
    C(ip6 daddr VIP redirect) per VIP), read with C(nft -j) and compared as data, and
    replaced as a whole in one C(nft -f) transaction (deleted when no VIP is left).
  - With the iptables back ends they live, per address family, in the chain
    C(LVS_CLUSTER_REDIRECT) of the nat table (one rule C(-d VIP/32 -j REDIRECT), or
    C(/128), per VIP), reached by exactly one jump, first in C(PREROUTING); they are read with
    C(iptables-save -t nat) (C(ip6tables-save)) and rewritten with one
    C(iptables-restore --noflush) (C(ip6tables-restore)) per family that needs a change,
    one transaction each. Other jumps to the chain are removed; another tool's rules in
    C(PREROUTING) stay as they are.
  - Rules found in the collection's table or chains that are not in its canonical form
    (another shape, a VIP twice, a wrong chain or priority) are replaced.
  - The real_server role loads the same rules at boot from files; the
    P(lvs.cluster.vip_redirect_file#filter) filter renders them with this module's code.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - With O(backend=nftables), C(nft) (nftables 0.9.7 or newer; 1.0.6 tested) and a kernel
    with nf_tables NAT for the inet family (C(nft_nat), C(nft_redirect)).
  - With the iptables back ends, C(iptables-save)/C(iptables-restore) and
    C(ip6tables-save)/C(ip6tables-restore) of the chosen flavour (1.8.9 tested) and a kernel
    with the nat table of both families (C(iptable_nat) and C(ip6table_nat) with
    C(xt_REDIRECT), or nf_tables for C(iptables-nft)); both families are read on every run.
options:
  vips:
    description:
      - The VIPs (IPv4 or IPv6 addresses, no host names); duplicates count once.
      - With O(state=present), at least one is needed.
      - With O(state=absent), the redirects of these VIPs are removed; an empty list removes
        all of the collection's redirect rules, its table or chains included.
    type: list
    elements: str
    default: []
  state:
    description:
      - V(present) redirects O(vips); V(absent) stops redirecting them.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - Also remove the collection's redirects of VIPs not listed in O(vips) (with
        O(state=absent), everything of the collection's).
      - Rules found in the collection's table or chains that are not in its canonical form
        are removed whatever this says.
    type: bool
    default: false
  backend:
    description:
      - V(nftables) uses the table C(inet lvs_cluster_redirect).
      - V(iptables) runs C(iptables-save)/C(iptables-restore) (and their C(ip6tables)
        counterparts), whichever implementation the system's alternative selects (Debian 12
        defaults to iptables-nft); V(iptables-legacy) and V(iptables-nft) name one
        explicitly.
      - The nft-based back ends need the kernel's nf_tables; kernels without it (such as
        Debian's user-mode-linux kernel) work with V(iptables-legacy) only.
    type: str
    choices: [nftables, iptables, iptables-legacy, iptables-nft]
    default: nftables
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - Rules are not persistent across reboots by themselves; the real_server role loads them
    at boot from files rendered by the P(lvs.cluster.vip_redirect_file#filter) filter.
  - A redirected packet gets the address of the interface it arrived on; the real server
    needs an address of the packet's family on that interface.
seealso:
  - module: lvs.cluster.arptables_vip
  - plugin: lvs.cluster.vip_redirect_file
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Accept the VIPs' traffic on a direct-routing real server without holding the VIPs
  lvs.cluster.vip_redirect:
    vips:
      - 192.0.2.10
      - 2001:db8:2::10

- name: The same with iptables (legacy), and drop the redirect of any VIP not listed
  lvs.cluster.vip_redirect:
    vips: [192.0.2.10]
    backend: iptables-legacy
    purge: true

- name: Stop redirecting one VIP
  lvs.cluster.vip_redirect:
    vips: [192.0.2.10]
    state: absent

- name: Remove every redirect rule of the collection (table included)
  lvs.cluster.vip_redirect:
    state: absent
"""

RETURN = r"""
vips:
  description: The VIPs redirected after the run (in check mode, after it would have run), sorted, IPv4 first.
  returned: always
  type: list
  elements: str
  sample: ["192.0.2.10", "2001:db8:2::10"]
before:
  description: The collection's redirect rules as found.
  returned: always
  type: dict
  contains:
    vips:
      description: The VIPs redirected by a rule in canonical form, sorted.
      type: list
      elements: str
    stale:
      description:
        - What the collection's table or chains held that is not in canonical form (removed by
          this run), each with its C(chain) and C(rule); nftables adds the rule's C(handle),
          iptables the C(family) and, for a jump that is not the first rule of C(PREROUTING),
          its C(number).
      type: list
      elements: dict
  sample: {"vips": ["192.0.2.10"], "stale": [{"family": "ipv4", "chain": "PREROUTING", "number": 3,
                                              "rule": "-j LVS_CLUSTER_REDIRECT"}]}
commands:
  description:
    - What was run (check mode, what would be run), in order, each the program's name and its
      arguments; the input of a program fed on stdin follows its command line, on the next lines.
    - For nftables, one C(nft -f -) with the ruleset it is given.
    - For the iptables back ends, one C(iptables-restore --noflush) and/or
      C(ip6tables-restore --noflush) (of the chosen flavour), one per family that changes.
  returned: always
  type: list
  elements: str
  sample: ["nft -f -\ntable inet lvs_cluster_redirect\ndelete table inet lvs_cluster_redirect\n..."]
applied:
  description: When a command failed, the commands (of RV(commands)) that ran before it.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["iptables-restore --noflush\n*nat\n:LVS_CLUSTER_REDIRECT - [0:0]\n..."]
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 1
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "ip6tables-restore: line 2 failed"
backend:
  description: The back end used.
  returned: always
  type: str
  sample: nftables
diff:
  description: The collection's rules before and after, in the back end's syntax.
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "table inet lvs_cluster_redirect {\n..."}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import vip_redirect as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
