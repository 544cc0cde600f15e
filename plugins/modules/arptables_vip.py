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
notes:
  - Check mode is supported and reports exactly the commands a real run would execute.
  - Diff mode shows the collection's rules before and after, in the back end's own syntax.
  - Rules are not persistent across reboots by themselves; run the module at boot (for
    example from the real_server role) or save the ruleset with your distribution's tools.
attributes:
  check_mode:
    support: full
    description: Computes the exact commands and reports them without running them.
  diff_mode:
    support: full
    description: Before and after of the collection's rules.
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
    - What was run (check mode, what would be run), in order.
    - For the arptables back ends, one command line per arptables call.
    - For nftables, one C(nft -f -) entry followed by the ruleset it was given on stdin.
  returned: always
  type: list
  elements: str
  sample: ["arptables -N LVS_CLUSTER_VIP_IN", "arptables -A LVS_CLUSTER_VIP_IN -j DROP -d 192.0.2.10"]
backend:
  description: The back end used, and the executable.
  returned: always
  type: str
  sample: arptables-legacy
diff:
  description: The collection's rules before and after, in the back end's syntax.
  returned: when diff mode is on
  type: dict
  sample: {"before": "", "after": "-A INPUT -j LVS_CLUSTER_VIP_IN\n..."}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression as arp
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner


def main():
    module = AnsibleModule(
        argument_spec=dict(
            vips=dict(type="list", elements="str", default=[]),
            real_ip=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            purge=dict(type="bool", default=False),
            backend=dict(type="str", choices=list(arp.BACKENDS), default="arptables"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    backend = params["backend"]
    try:
        vips, real_ip = arp.validate(params["vips"], params["real_ip"], params["state"], params["purge"], backend)
    except arp.ArpSuppressionError as error:
        module.fail_json(msg=str(error))

    executable = "nft" if backend == "nftables" else backend
    binary = module.get_bin_path(executable)
    if binary is None:
        module.fail_json(msg="backend: %r needs the executable %r, which is not installed (or not on PATH)"
                         % (backend, executable))

    run = command_runner(module)
    result = dict(changed=False, backend=backend, commands=[])
    if backend == "nftables":
        rc, out, err = run([binary, "-j", "list", "table", "arp", arp.NFT_TABLE])
        if rc != 0:
            if "No such file or directory" not in err:
                module.fail_json(msg="reading the nftables table arp %s failed: %s" % (arp.NFT_TABLE, err.strip()),
                                 rc=rc, stderr=err)
            out = ""
        current = arp.parse_nft_json(out)
        desired = arp.desired_state(current, vips, real_ip, params["state"], params["purge"])
        changed = arp.nft_needs_change(current, desired)
        script = arp.nft_script(current, desired) if changed else ""
        if script:
            result["commands"] = ["%s -f -" % binary, script]
        before_text, after_text = arp.render_nft_current(current), arp.render_nft_table(desired)
        if script and not module.check_mode:
            rc, out, err = run([binary, "-f", "-"], data=script)
            if rc != 0:
                module.fail_json(msg="nft refused the ruleset (nothing was changed: nft -f is one transaction): %s"
                                 % err.strip(), rc=rc, stderr=err, **result)
    else:
        rc, out, err = run([binary, "-L", "-n", "--line-numbers"])
        if rc != 0:
            module.fail_json(msg="%s -L failed (%s); does the kernel support this arptables back end?"
                             % (backend, err.strip()), rc=rc, stderr=err)
        current = arp.read_arptables(out)
        desired = arp.desired_state(current, vips, real_ip, params["state"], params["purge"])
        plan = arp.plan_arptables(current, desired)
        changed = bool(plan)
        result["commands"] = [" ".join([backend] + argv) for argv in plan]
        before_text, after_text = arp.render_arptables(current), arp.render_arptables(desired)
        if plan and not module.check_mode:
            done = []
            for argv in plan:
                rc, out, err = run([binary] + argv)
                if rc != 0:
                    hint = ""
                    if "Operation not supported" in err:
                        hint = " The kernel lacks what this back end needs; try backend=arptables-legacy."
                    module.fail_json(msg="%s failed: %s (%s applied before it; run the module again to "
                                         "converge).%s" % (" ".join([backend] + argv), err.strip(),
                                                           "%d commands" % len(done) if done else "nothing was", hint),
                                     rc=rc, stderr=err, applied=done, **result)
                done.append(" ".join([backend] + argv))

    result["changed"] = changed
    result["before"] = current.as_dict()
    result["vips"] = desired.vips()
    if module._diff:
        result["diff"] = dict(before=before_text, after=after_text)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
