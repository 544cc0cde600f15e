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
    M(lvs.cluster.ipvs_service) with its fwmark option.
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
  mark:
    description:
      - The firewall mark, 1 to 4294967295 (decimal or C(0x) hexadecimal).
      - With O(state=present), the rules of this mark become exactly O(addresses) x
        O(protocols) x O(ports); the collection's rules of other marks stay unless O(purge).
      - Mutually exclusive with O(marks).
    type: str
  addresses:
    description:
      - The VIPs (IPv4 or IPv6) whose packets get O(mark).
    type: list
    elements: str
    aliases: [address]
  protocols:
    description:
      - Transport protocols to mark.
    type: list
    elements: str
    choices: [tcp, udp, sctp]
    default: [tcp]
    aliases: [protocol]
  ports:
    description:
      - Destination ports and ranges, for example V(80), V(443), V(10000-20000) (or
        V(10000:20000)). Overlapping and adjacent ports are merged.
    type: list
    elements: str
  marks:
    description:
      - Several marks in one call (each entry takes the options O(mark), O(addresses),
        O(protocols), O(ports) above), so one run converges the whole set; with O(purge)
        every other mark of the collection's is removed.
    type: list
    elements: dict
    suboptions:
      mark:
        description: The firewall mark, 1 to 4294967295.
        type: str
        required: true
      addresses:
        description: The VIPs.
        type: list
        elements: str
        aliases: [address]
      protocols:
        description: Transport protocols.
        type: list
        elements: str
        choices: [tcp, udp, sctp]
        default: [tcp]
        aliases: [protocol]
      ports:
        description: Destination ports and ranges.
        type: list
        elements: str
  state:
    description:
      - V(present) makes the rules of the given marks exactly what is given.
      - V(absent) removes the rules of the given marks (addresses, protocols and ports
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
notes:
  - Check mode is supported and reports exactly what a real run would apply.
  - Diff mode shows the collection's rules before and after, in the back end's own syntax.
  - Rules are not persistent across reboots by themselves.
attributes:
  check_mode:
    support: full
    description: Computes the exact change and reports it without applying it.
  diff_mode:
    support: full
    description: Before and after of the collection's rules.
"""

EXAMPLES = r"""
- name: HTTP and HTTPS of one VIP as one IPVS fwmark service (mark 80)
  lvs.cluster.fwmark:
    mark: 80
    address: 192.0.2.10
    ports: [80, 443]

- name: FTP with its passive port range (the IPVS service then uses fwmark 21)
  lvs.cluster.fwmark:
    mark: 21
    address: 192.0.2.10
    ports: ["21", "10000-20000"]
    backend: iptables

- name: The whole set in one call; marks not listed are removed
  lvs.cluster.fwmark:
    marks:
      - mark: 80
        addresses: [192.0.2.10, "2001:db8:2::10"]
        ports: [80, 443]
      - mark: 53
        addresses: [192.0.2.10]
        protocols: [udp, tcp]
        ports: [53]
    purge: true

- name: Remove one mark's rules
  lvs.cluster.fwmark:
    mark: 21
    state: absent

- name: Remove every fwmark rule of the collection
  lvs.cluster.fwmark:
    state: absent
"""

RETURN = r"""
rules:
  description: The collection's mark rules after the run (in check mode, after it would have run), one per mark, address and protocol.
  returned: always
  type: list
  elements: dict
  sample: [{"mark": 21, "family": "ipv4", "address": "192.0.2.10", "protocol": "tcp", "ports": ["21", "10000-20000"]}]
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
    - What was applied (check mode, what would be), in order; each C(nft -f -) or
      C(iptables-restore --noflush) entry is followed by the text it was given on stdin.
  returned: always
  type: list
  elements: str
  sample: ["nft -f -", "table inet lvs_cluster_fwmark\n..."]
backend:
  description: The back end used.
  returned: always
  type: str
  sample: nftables
diff:
  description: The collection's rules before and after, in the back end's syntax.
  returned: when diff mode is on
  type: dict
  sample: {"before": "", "after": "table inet lvs_cluster_fwmark {\n..."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils import fwmark_rules as fw
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner

IPT_TOOLS = {
    "iptables": ("iptables", "ip6tables"),
    "iptables-legacy": ("iptables-legacy", "ip6tables-legacy"),
    "iptables-nft": ("iptables-nft", "ip6tables-nft"),
}


def _entries(params):
    if params["marks"]:
        return params["marks"]
    if params["mark"] is None:
        for option in ("addresses", "ports"):
            if params[option]:
                raise fw.FwmarkError("%s: given without a mark (set mark, or use marks)" % option)
        return []
    return [dict(mark=params["mark"], addresses=params["addresses"], protocols=params["protocols"],
                 ports=params["ports"])]


def _bin(module, name, backend):
    path = module.get_bin_path(name)
    if path is None:
        module.fail_json(msg="backend: %r needs the executable %r, which is not installed (or not on PATH)"
                         % (backend, name))
    return path


def main():
    entry_spec = dict(
        mark=dict(type="str", required=True),
        addresses=dict(type="list", elements="str", aliases=["address"]),
        protocols=dict(type="list", elements="str", choices=list(fw.PROTOCOLS), default=["tcp"],
                       aliases=["protocol"]),
        ports=dict(type="list", elements="str"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            mark=dict(type="str"),
            addresses=dict(type="list", elements="str", aliases=["address"]),
            protocols=dict(type="list", elements="str", choices=list(fw.PROTOCOLS), default=["tcp"],
                           aliases=["protocol"]),
            ports=dict(type="list", elements="str"),
            marks=dict(type="list", elements="dict", options=entry_spec),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            purge=dict(type="bool", default=False),
            backend=dict(type="str", choices=list(fw.BACKENDS), default="nftables"),
        ),
        mutually_exclusive=[("mark", "marks")],
        supports_check_mode=True,
    )
    params = module.params
    backend, state, purge = params["backend"], params["state"], params["purge"]
    try:
        wanted = fw.validate(_entries(params), state, purge, backend, top_level=not params["marks"])
    except fw.FwmarkError as error:
        module.fail_json(msg=str(error))

    run = command_runner(module)
    result = dict(changed=False, backend=backend, commands=[])
    if backend == "nftables":
        nft = _bin(module, "nft", backend)
        rc, out, err = run([nft, "-j", "list", "table", "inet", fw.NFT_TABLE])
        if rc != 0:
            if "No such file or directory" not in err:
                module.fail_json(msg="reading the nftables table inet %s failed: %s" % (fw.NFT_TABLE, err.strip()),
                                 rc=rc, stderr=err)
            out = ""
        current = fw.parse_nft_json(out)
        rules = fw.desired_rules(current.rules, wanted, state, purge)
        changed = fw.nft_needs_change(current, rules)
        before_text, after_text = fw.render_nft_current(current), fw.render_nft_table(rules)
        if changed:
            script = fw.nft_script(current.present, rules)
            result["commands"] = ["%s -f -" % nft, script]
            if not module.check_mode:
                rc, out, err = run([nft, "-f", "-"], data=script)
                if rc != 0:
                    module.fail_json(msg="nft refused the ruleset (nothing was changed: nft -f is one "
                                         "transaction): %s" % err.strip(), rc=rc, stderr=err, **result)
    else:
        tools = IPT_TOOLS[backend]
        states = {}
        binaries = {}
        for family, tool in zip((4, 6), tools):
            binaries[family] = (_bin(module, tool + "-save", backend), _bin(module, tool + "-restore", backend))
            rc, out, err = run([binaries[family][0], "-t", "mangle"])
            if rc != 0:
                module.fail_json(msg="%s-save -t mangle failed (%s); does the kernel support this back end?"
                                 % (tool, err.strip()), rc=rc, stderr=err)
            states[family] = fw.parse_iptables_save(out, family)
        current = fw.merge_families(states[4], states[6])
        rules = fw.desired_rules(current.rules, wanted, state, purge)
        payloads = [(family, fw.ipt_restore_payload(current, rules, family)) for family in (4, 6)]
        payloads = [(family, payload) for family, payload in payloads if payload]
        changed = bool(payloads)
        before_text, after_text = fw.render_ipt(current), fw.render_ipt(rules)
        for family, payload in payloads:
            result["commands"] += ["%s --noflush" % binaries[family][1], payload]
        if not module.check_mode:
            applied = []
            for family, payload in payloads:
                rc, out, err = run([binaries[family][1], "--noflush"], data=payload)
                if rc != 0:
                    module.fail_json(msg="%s --noflush refused the IPv%d rules (that family is unchanged): %s"
                                     % (binaries[family][1], family, err.strip()),
                                     rc=rc, stderr=err, applied_families=applied, **result)
                applied.append("ipv%d" % family)

    result["changed"] = changed
    result["before"] = fw.rules_as_dicts(current.rules)
    result["stale"] = current.stale
    result["rules"] = fw.rules_as_dicts(rules)
    if module._diff:
        result["diff"] = dict(before=before_text, after=after_text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
