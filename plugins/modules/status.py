#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: status
short_description: Read a router's or a real server's state for the cluster's status report, in one call
version_added: 0.1.0
description:
  - Reads one host of an LVS cluster as data and changes nothing; C(playbooks/status.yml)
    calls it once per host and the filter P(lvs.cluster.cluster_status#filter) compares the reads
    with the cluster description.
  - On a router (O(role=router)) - its addresses (C(ip -j address show)); the IPVS table
    with each real server's weight, active and inactive connections, exact counters and
    rates (as M(lvs.cluster.ipvs_info) reads it); where keepalived runs, the state of each
    VRRP instance from keepalived's JSON dump (the signal C(keepalived --signum=JSON)
    names; the VRRP process writes C(/tmp/keepalived.json)) and keepalived's checker view
    of each real server (its data dump, C(/tmp/keepalived_check.data), on SIGUSR1); and
    the drain markers, the files of O(drain_dir) named by a real server's address, drained
    when the file holds C(1).
  - Each dump is taken only once keepalived has written a new file after the signal (a
    stale dump is never read). keepalived not running is reported, not a failure.
  - On a real server (O(role=real_server)) - its addresses (where its VIPs are, C(lo) or
    C(tunl0)), the ARP sysctls C(arp_ignore) and C(arp_announce) of every interface, and
    with O(arp_method=arptables) the VIPs that the collection's nftables table
    C(arp lvs_cluster_vip) drops ARP for.
  - Commands are argument lists run in the C locale, never through a shell.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - iproute2 with JSON output; on a router ipvsadm, and keepalived 2.2.7 built with JSON
    support (Debian 12's) where keepalived runs; nft with O(arp_method=arptables).
extends_documentation_fragment:
  - lvs.cluster.attributes.info
options:
  role:
    description: What the host is in the cluster.
    type: str
    required: true
    choices: [router, real_server]
  keepalived:
    description: On a router, read keepalived's VRRP and checker state (when keepalived runs).
    type: bool
    default: true
  keepalived_checkers:
    description:
      - On a router, read keepalived's checker view too - keepalived owns the IPVS table
        (C(ipvs_owner=keepalived)), so its checker process runs and writes the dump. With
        false (keepalived for VRRP only) the view is not asked for.
    type: bool
    default: true
  arp_method:
    description:
      - On a real server, the ARP method of the real_server role (C(real_server_arp_method));
        with C(arptables) the collection's nftables ARP table is read too.
    type: str
    choices: [sysctl, arptables, redirect]
  drain_dir:
    description: On a router, the directory of the drain markers.
    type: path
    default: /var/lib/lvs-cluster/drain
  timeout:
    description: Seconds to wait for each of keepalived's dumps.
    type: int
    default: 10
"""

EXAMPLES = r"""
- name: Read each host of the cluster
  lvs.cluster.status:
    role: "{{ 'router' if inventory_hostname in groups['lvs_routers'] else 'real_server' }}"
  register: lvs_status_read

- name: The VRRP state of each instance on this router
  ansible.builtin.debug:
    msg: "{{ lvs_status_read.keepalived.vrrp | items2dict(key_name='name', value_name='state') }}"
  when: inventory_hostname in groups['lvs_routers']
"""

RETURN = r"""
role:
  description: The role read.
  returned: success
  type: str
  sample: router
addresses:
  description: Every interface with its local addresses.
  returned: success
  type: list
  elements: dict
  sample: [{ifname: vec1, addresses: [192.0.2.1, 192.0.2.10, 192.0.2.30]}]
ipvs:
  description: On a router, the IPVS table as M(lvs.cluster.ipvs_info) returns it (services, timeouts, daemons).
  returned: role=router
  type: dict
keepalived:
  description:
    - On a router with O(keepalived) - C(running); C(error) (why a dump is missing, or null);
      C(vrrp), each VRRP instance with C(name), C(state) (MASTER, BACKUP, FAULT, INIT),
      C(interface), C(virtual_router_id), C(priority), C(addresses), C(became_master),
      C(released_master); C(checkers), keepalived's checker view of each virtual server
      (C(service), C(key), C(quorum_up), C(sorry_active), C(sorry_server), C(real_servers)
      with C(address), C(port), C(weight), C(alive)), null when it was not read; C(reads),
      how many times the view and the table were read (again while they disagreed on which
      real servers are in the kernel - a check acting between the two reads - up to 3).
  returned: role=router
  type: dict
  sample: {running: true, error: null, vrrp: [{name: lvs_public, state: MASTER}], checkers: []}
drain:
  description: On a router, the drain markers - real server address to drained (the file holds 1).
  returned: role=router
  type: dict
  sample: {198.51.100.23: true}
arp_sysctls:
  description: On a real server, C(arp_ignore) and C(arp_announce) of every interface and of C(all).
  returned: role=real_server
  type: dict
  sample: {all: {arp_ignore: 1, arp_announce: 2}, eth0: {arp_ignore: 0, arp_announce: 0}}
arp_drops:
  description: On a real server with O(arp_method=arptables), the VIPs whose ARP is dropped (null without the table).
  returned: role=real_server
  type: list
  elements: str
commands:
  description: The commands the read ran.
  returned: success
  type: list
  elements: str
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    command_runner,
    executable_finder,
    result_or_fail,
)
from ansible_collections.lvs.cluster.plugins.module_utils.status_read import Reader


def main():
    module = AnsibleModule(
        argument_spec=dict(
            role=dict(type="str", required=True, choices=["router", "real_server"]),
            keepalived=dict(type="bool", default=True),
            keepalived_checkers=dict(type="bool", default=True),
            arp_method=dict(type="str", choices=["sysctl", "arptables", "redirect"]),
            drain_dir=dict(type="path", default="/var/lib/lvs-cluster/drain"),
            timeout=dict(type="int", default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["timeout"] < 1:
        module.fail_json(msg="timeout=%s: must be at least 1 (seconds)" % params["timeout"])
    reader = Reader(command_runner(module), executable_finder(module), drain_dir=params["drain_dir"],
                    timeout=params["timeout"])

    def work():
        if params["role"] == "router":
            result = reader.read_router(keepalived=params["keepalived"], checkers=params["keepalived_checkers"])
        else:
            result = reader.read_real_server(arp_method=params["arp_method"])
        return dict(result, changed=False)

    module.exit_json(**result_or_fail(module, work))


if __name__ == "__main__":
    main()
