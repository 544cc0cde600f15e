#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ipvs_keepalived
short_description: Heal an IPVS table that keepalived owns, without restarting keepalived
version_added: 0.1.0
description:
  - When keepalived's C(virtual_server) blocks and health checks own the IPVS table, a
    keepalived reload compares its old configuration with the new one, never with the
    kernel; a real server or a service deleted by hand (C(ipvsadm -d), C(ipvsadm -D)), or a
    weight or scheduler changed by hand, stays so. This module puts the table back to what
    keepalived believes it holds, without restarting or reloading keepalived.
  - It asks keepalived for its view (C(SIGUSR1) to the main process; keepalived's checker
    process writes O(dump_file)), reads the live table with C(ipvsadm), and applies the
    difference as one C(ipvsadm -R) batch, with the same planning and roll back as
    P(lvs.cluster.ipvs_service#module).
  - The table it heals to is each service of O(services) with the settings given there
    (options left out take a new service's defaults, not the live values), and as real
    servers those of O(services) that keepalived has in the kernel, with keepalived's
    weight (0 while a failed one is kept by C(inhibit_on_failure)), plus keepalived's sorry
    server while it is in the kernel. A real server whose health check failed is never
    added back.
  - A service of O(services) that keepalived does not know yet (its reload is still to come)
    gets no real servers; the reload adds them. A service keepalived knows that O(services)
    no longer lists is left as it is; the reload removes it. Every other service is
    removed.
  - A health check may change keepalived's table while the module applies its own change.
    After a change the module therefore reads keepalived's view again, and plans and applies
    again while it changed, at most three times; then it fails.
  - Every option is checked before anything is read or changed.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - keepalived 2.2.7 running on the target (Debian 12's), with its checker process (it has
    one when it has virtual servers).
  - ipvsadm (1.31 tested) on the target, and a kernel with IPVS (ip_vs).
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - Reads keepalived 2.2.7's dump format (C(dump_vs) and C(dump_rs) of its
    C(keepalived/check/check_data.c)) and refuses any line it does not know (another
    version's format, a C(virtual_server_group), track files), rather than guess.
  - In check mode keepalived still writes its dump (a read; nothing else changes).
  - Fails when keepalived does not run (no pid file, a stale one, or a process that is not
    keepalived, which is never signalled).
options:
  services:
    description:
      - The services keepalived manages, in P(lvs.cluster.ipvs_service#module)'s list form,
        each with its real servers (the C(router) role passes C(ipvs_services) of the
        P(lvs.cluster.cluster_router#filter) filter).
    type: list
    elements: dict
    required: true
    suboptions:
      protocol:
        description: Protocol of the virtual service (with O(services[].vip) and O(services[].port)).
        type: str
        choices: [tcp, udp, sctp]
      vip:
        description: The virtual IP address (VIP), IPv4 or IPv6.
        type: str
      port:
        description: Port of the virtual service, 0-65535 (0 only for a persistent service).
        type: int
      fwmark:
        description: Firewall mark (1 to 4294967295) of a firewall-mark service.
        type: int
      family:
        description: Address family of a firewall-mark service; default V(ipv4).
        type: str
        choices: [ipv4, ipv6]
      scheduler:
        description: Scheduling algorithm; default V(wlc).
        type: str
        choices: [rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos]
      scheduler_flags:
        description: Scheduler flags (V(sh-*) with V(sh), V(mh-*) with V(mh)); default none.
        type: list
        elements: str
        choices: [sh-fallback, sh-port, mh-fallback, mh-port]
      persistence_timeout:
        description: Persistence timeout in seconds; default V(0) (not persistent).
        type: int
      persistence_netmask:
        description:
          - Granularity of persistence (IPv4 netmask or prefix length, IPv6 prefix length);
            default host granularity.
        type: str
      persistence_engine:
        description: Alternative persistence engine; default none.
        type: str
        choices: [sip, none]
      one_packet:
        description: One-packet scheduling (udp and firewall-mark services); default V(false).
        type: bool
      destinations:
        description:
          - The service's real servers as the description has them. Only those keepalived
            has in the kernel are kept or restored, with keepalived's weight (the weight
            given here is keepalived's configuration, not the kernel's).
        type: list
        elements: dict
        suboptions:
          address:
            description: Real server address, of the service's family.
            type: str
            required: true
          port:
            description: Real server port; default the service's port (0 for a firewall mark).
            type: int
          method:
            description: Forwarding method; default V(dr).
            type: str
            choices: [nat, dr, tun]
          weight:
            description: Not used (keepalived's weight applies); accepted so that the list form passes unchanged.
            type: int
          upper_threshold:
            description: Upper connection threshold, 0-65535; default V(0).
            type: int
          lower_threshold:
            description: Lower connection threshold, 0-65535; default V(0).
            type: int
          tunnel_type:
            description: Tunnel type under V(tun); default V(ipip).
            type: str
            choices: [ipip, gue, gre]
          tunnel_port:
            description: Destination port of a V(gue) tunnel.
            type: int
          tunnel_checksum:
            description: Checksum of a V(gue) or V(gre) tunnel; default V(nocsum).
            type: str
            choices: [nocsum, csum, remcsum]
          state:
            description: V(absent) leaves this real server out.
            type: str
            choices: [present, absent]
            default: present
      purge:
        description:
          - Not used; a service's real servers are always exactly those above. Accepted so
            that the list form passes unchanged.
        type: bool
        default: false
      state:
        description: V(absent) removes the service (keepalived's next reload may add it again).
        type: str
        choices: [present, absent]
        default: present
  dump_file:
    description:
      - Where keepalived's checker process writes its dump on C(SIGUSR1) (keepalived's
        C(tmp_dir) and file name; another name with C(instance) or C(net_namespace)).
    type: path
    default: /tmp/keepalived_check.data
  pid_file:
    description: keepalived's main process's pid file.
    type: path
    default: /run/keepalived.pid
  timeout:
    description: Seconds to wait for each dump.
    type: int
    default: 10
  drain_markers:
    description:
      - A directory of drain markers (as P(lvs.cluster.ipvs_service#module)'s O(lvs.cluster.ipvs_service#module:drain_markers)).
      - A service keepalived does not know yet is written with the described weights, a
        real server with a marker at weight 0 - what keepalived's C(FILE_CHECK) on the marker
        gives it once it loads the service. Services keepalived knows keep keepalived's
        weights.
    type: path
  drain_timeout:
    description:
      - Seconds to wait for the active connections of the real servers this call removes
        (those keepalived holds that O(services) no longer lists), as
        P(lvs.cluster.ipvs_service#module)'s O(lvs.cluster.ipvs_service#module:drain_timeout) -
        quiesced (weight 0) first, removed once they hold none or after this wait.
      - Then keepalived's reload finds them gone; their clients were not cut.
    type: int
    default: 0
seealso:
  - module: lvs.cluster.ipvs_service
  - module: lvs.cluster.ipvs_info
"""

EXAMPLES = r"""
- name: Heal the table keepalived owns (what the router role does while keepalived runs)
  lvs.cluster.ipvs_keepalived:
    services: "{{ (lvs_cluster | lvs.cluster.cluster_router(hostvars)).ipvs_services }}"

- name: One NAT service with its three real servers
  lvs.cluster.ipvs_keepalived:
    services:
      - protocol: tcp
        vip: 192.0.2.10
        port: 80
        scheduler: wrr
        destinations:
          - {address: 198.51.100.21, method: nat, weight: 3}
          - {address: 198.51.100.22, method: nat, weight: 2}
          - {address: 198.51.100.23, method: nat, weight: 1}
"""

RETURN = r"""
commands:
  description:
    - The commands of the change, in order (in check mode, those a real run would apply),
      every round's; each round is one C(ipvsadm -R) batch.
  returned: always
  type: list
  elements: str
  sample: ["ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"]
summary:
  description:
    - What the task did to the services concerned (listed or removed), as
      P(lvs.cluster.ipvs_service#module) reports it for its list form.
  returned: always
  type: dict
  contains:
    services: {description: Services concerned that exist after the task., type: int, returned: always, sample: 2}
    destinations: {description: Their real servers after the task., type: int, returned: always, sample: 6}
    added: {description: Services created., type: list, elements: str, returned: always, sample: ["fwmark 80"]}
    changed: {description: Services changed in place (settings or real servers)., type: list, elements: str, returned: always,
              sample: ["tcp 192.0.2.10:80"]}
    removed: {description: Services removed., type: list, elements: str, returned: always, sample: ["tcp 192.0.2.99:80"]}
    unchanged: {description: Number of services concerned left as they were., type: int, returned: always, sample: 0}
  sample: {services: 2, destinations: 6, added: [], changed: ["tcp 192.0.2.10:80"], removed: [], unchanged: 1}
rounds:
  description:
    - How many times a change was applied; 0 when there was nothing to change (and in check
      mode), 2 or 3 when keepalived's checkers changed its table meanwhile.
  returned: always
  type: int
  sample: 1
left_out:
  description:
    - The real servers of O(services) that the table leaves out, because keepalived has them
      out of the kernel (a failed health check) or does not know them (not reloaded yet).
  returned: always
  type: list
  elements: str
  sample: ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]
retired:
  description:
    - As P(lvs.cluster.ipvs_service#module)'s RV(lvs.cluster.ipvs_service#module:retired) - the
      real servers removed that held connections (active or inactive), and how their wait ended.
  returned: success
  type: list
  elements: dict
  sample: [{service: "tcp 192.0.2.10:80", destination: "198.51.100.22:80", active_connections: 12, left: 0, waited_s: 14.0}]
applied:
  description:
    - After a kernel refusal, the commands (of RV(commands)) that took effect, that is
      those of the rounds before and of the services whose change was fully applied.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"]
rc:
  description: The exit status of C(ipvsadm -R) after a kernel refusal, or of a failed C(ipvsadm) read.
  returned: on failure to apply or to read
  type: int
  sample: 2
stderr:
  description: What C(ipvsadm) printed on its error output then.
  returned: on failure to apply or to read
  type: str
  sample: "Memory allocation problem"
rolled_back:
  description: After a kernel refusal, the half-applied services restored to their state before that round.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["tcp 192.0.2.10:80"]
diff:
  description: Before and after state of the services that change (added, changed or removed).
  returned: "in diff mode (C(--diff) or C(diff: true))"
  type: dict
  sample: {before: {services: []}, after: {services: [{protocol: tcp, vip: 192.0.2.10, port: 80}]}}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import ipvs_keepalived as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
