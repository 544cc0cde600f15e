#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ipvs_service
short_description: Manage IPVS virtual services, their real servers, or a whole IPVS table
version_added: 0.1.0
description:
  - Creates, changes and removes Linux Virtual Server (IPVS) virtual services with
    C(ipvsadm), optionally together with their real servers (O(destinations)).
  - A virtual service is identified by O(protocol), O(vip) and O(port), or by a
    firewall mark (O(fwmark)) and an address family (O(family)).
  - With O(services) one call converges many services (the whole table with
    O(purge=true)) in a single process and a single C(ipvsadm -R) batch.
  - A change of scheduler, scheduler flags, persistence or one-packet scheduling is an
    in-place edit (C(ipvsadm -E)); a change of a real server's weight, forwarding method,
    tunnel settings or thresholds is an in-place edit (C(ipvsadm -e)). Established
    connections survive them. Only a different identity (VIP, port, protocol, mark) is
    a different service.
  - Options left out keep the value of an existing service or real server; a new one gets
    the default named in each option.
  - Every option is checked before anything is changed; bad input fails with a message
    that names the option and the value, and leaves the table as it was.
  - All changes of one call are applied as one C(ipvsadm -R) batch. If the kernel refuses a
    line, services that were only partly changed are rolled back to their state before the
    call, and the failure reports which services were fully applied (RV(applied)).
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (1.31 tested) on the target, and a kernel with IPVS (ip_vs).
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - C(ipvsadm -R) goes on after a line the kernel refuses and exits with the status of the
    last line only; the module therefore judges a batch by C(ipvsadm)'s error output and by
    reading the table back.
  - Firewall marks of 2^31 and more are handled as unsigned numbers (ipvsadm 1.31 prints
    them negative).
  - Marking packets (iptables, nftables) is not done here; see the P(lvs.cluster.fwmark#module) module.
options:
  protocol: &protocol
    description:
      - Protocol of the virtual service. Give it with O(vip) and O(port); leave it out
        for a firewall-mark service (O(fwmark)).
    type: str
    choices: [tcp, udp, sctp]
  vip: &vip
    description:
      - The virtual IP address (VIP) of the service, IPv4 or IPv6 (no host names).
    type: str
  port: &port
    description:
      - Port of the virtual service, 0-65535. V(0) (all ports) only for a persistent service.
    type: int
  fwmark: &fwmark
    description:
      - Firewall mark (1 to 4294967295) identifying a firewall-mark service, instead of
        O(protocol), O(vip) and O(port).
    type: int
  family: &family
    description:
      - Address family of a firewall-mark service (a mark exists once per family).
      - For a service with a VIP it may be given and must match the VIP.
      - Default V(ipv4) for a firewall-mark service.
    type: str
    choices: [ipv4, ipv6]
  scheduler: &scheduler
    description:
      - Scheduling algorithm. Default V(wlc) for a new service.
      - V(twos) needs a kernel with ip_vs_twos (Linux 6.4 or later); older kernels refuse it.
    type: str
    choices: [rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos]
  scheduler_flags: &scheduler_flags
    description:
      - Scheduler flags; V(sh-fallback) and V(sh-port) only with the V(sh) scheduler,
        V(mh-fallback) and V(mh-port) only with V(mh). V([]) clears them.
    type: list
    elements: str
    choices: [sh-fallback, sh-port, mh-fallback, mh-port]
  persistence_timeout: &persistence_timeout
    description:
      - Persistence timeout in seconds (1 to 2678400); V(0) makes the service not
        persistent. Default V(0) for a new service.
    type: int
  persistence_netmask: &persistence_netmask
    description:
      - Granularity of persistence. For IPv4 a netmask (V(255.255.255.0)) or a prefix length
        (V(24), converted to a netmask); for IPv6 a prefix length (V(64)).
      - Default host granularity (V(255.255.255.255) or V(128)). Needs persistence.
    type: str
  persistence_engine: &persistence_engine
    description:
      - Alternative persistence engine; V(none) removes it. Needs persistence.
    type: str
    choices: [sip, none]
  one_packet: &one_packet
    description:
      - One-packet scheduling (each UDP datagram scheduled on its own). Only for udp and
        firewall-mark services. Default V(false) for a new service.
    type: bool
  destinations: &destinations
    description:
      - Real servers of the service. Leave out to leave the real servers alone.
      - Listed ones are added or changed in place; unlisted ones stay unless
        O(purge=true).
    type: list
    elements: dict
    suboptions:
      address:
        description: Real server address, of the service's family.
        type: str
        required: true
      port:
        description:
          - Real server port. Default the service's port (0 for a firewall-mark service).
          - Only V(nat) can map to another port; under V(dr) and V(tun) it must be the
            service's port.
        type: int
      method:
        description: Forwarding method (masquerading, direct routing, tunneling). Default V(dr) for a new one.
        type: str
        choices: [nat, dr, tun]
      weight:
        description: Weight 0-65535; V(0) quiesces the server (no new connections). Default V(1) for a new one.
        type: int
      upper_threshold:
        description: Upper connection threshold, 0-65535 (V(0) = none). Default V(0) for a new one.
        type: int
      lower_threshold:
        description: Lower connection threshold, 0-65535, not above the upper one. Default V(0) for a new one.
        type: int
      tunnel_type:
        description: Tunnel type under V(tun). Default V(ipip).
        type: str
        choices: [ipip, gue, gre]
      tunnel_port:
        description: Destination port of a V(gue) tunnel (required for gue).
        type: int
      tunnel_checksum:
        description: Checksum of a V(gue) or V(gre) tunnel; V(remcsum) only for gue. Default V(nocsum).
        type: str
        choices: [nocsum, csum, remcsum]
      state:
        description: V(absent) removes this real server.
        type: str
        choices: [present, absent]
        default: present
  purge: &purge
    description:
      - Remove what the call does not list, at the level of the option.
      - In a service (the single-service form, or an entry of O(services)) with
        O(destinations), the service's real servers that are not listed.
      - At the top level of the list form, every service of the table that is not listed
        in O(services) (O(services=[]) with it clears the table).
    type: bool
    default: false
  state: &state
    description:
      - V(absent) removes the service with its real servers.
    type: str
    choices: [present, absent]
    default: present
  services:
    description:
      - Many services in one call, each a dictionary with the service options above
        (O(protocol), O(vip), O(port), O(fwmark), O(family), O(scheduler),
        O(scheduler_flags), O(persistence_timeout), O(persistence_netmask),
        O(persistence_engine), O(one_packet), O(destinations), O(purge),
        O(state)).
      - O(purge) at the top level then removes the services not listed.
      - Mutually exclusive with the single-service options.
    type: list
    elements: dict
    suboptions:
      protocol: *protocol
      vip: *vip
      port: *port
      fwmark: *fwmark
      family: *family
      scheduler: *scheduler
      scheduler_flags: *scheduler_flags
      persistence_timeout: *persistence_timeout
      persistence_netmask: *persistence_netmask
      persistence_engine: *persistence_engine
      one_packet: *one_packet
      destinations: *destinations
      purge: *purge
      state: *state
  drain_markers:
    description:
      - A directory of drain markers (the router role's O(lvs.cluster.router#role:main:router_drain_directory),
        written by C(playbooks/drain.yml)) - a file named after a real server's address
        holding a non-zero number.
      - A listed real server (O(destinations)) with a marker gets weight 0 - no new
        connections, its established ones continue - whatever its O(destinations[].weight),
        on every run until the marker is gone. A missing directory drains nothing.
    type: path
  drain_timeout:
    description:
      - Seconds to wait for the active connections of the real servers this call removes
        (left out of a purged pool, or in a service removed). Those that hold any connection
        (active or inactive - a connection being opened counts as inactive) are first
        quiesced (weight 0 - no new connection, the established ones continue, in place),
        then, after one second at least, removed once they hold no active one or after this
        wait, whichever comes first; RV(retired) says how each ended.
      - V(0) removes them at once; with C(net.ipv4.vs.expire_nodest_conn=1) their
        connections end at their next packet.
      - Check mode neither quiesces nor waits.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: A web service by NAT on three real servers, and nothing else in its pool
  lvs.cluster.ipvs_service:
    protocol: tcp
    vip: 192.0.2.10
    port: 80
    scheduler: wlc
    destinations:
      - {address: 198.51.100.21, method: nat, weight: 100}
      - {address: 198.51.100.22, method: nat, weight: 100}
      - {address: 198.51.100.23, method: nat, weight: 0}   # quiesced
    purge: true

- name: Change the scheduler in place (connections survive)
  lvs.cluster.ipvs_service:
    protocol: tcp
    vip: 192.0.2.10
    port: 80
    scheduler: rr

- name: HTTP and HTTPS as one firewall-mark service, persistent per /24, IPv6 by prefix
  lvs.cluster.ipvs_service:
    services:
      - fwmark: 80
        scheduler: wlc
        persistence_timeout: 300
        persistence_netmask: 255.255.255.0
        destinations:
          - {address: 198.51.100.21}
          - {address: 198.51.100.22}
      - fwmark: 80
        family: ipv6
        persistence_timeout: 300
        persistence_netmask: "64"
        destinations:
          - {address: "2001:db8:51::21"}

- name: The whole table of a router in one call; services not listed are removed
  lvs.cluster.ipvs_service:
    services: "{{ lvs_services }}"
    purge: true

- name: Source hashing with fallback and port, SIP persistence on UDP
  lvs.cluster.ipvs_service:
    services:
      - {protocol: udp, vip: 192.0.2.10, port: 53, scheduler: sh, scheduler_flags: [sh-fallback, sh-port]}
      - {protocol: udp, vip: 192.0.2.10, port: 5060, scheduler: rr, persistence_timeout: 60,
         persistence_engine: sip, one_packet: true}

- name: Remove a service
  lvs.cluster.ipvs_service:
    protocol: tcp
    vip: "2001:db8:2::10"
    port: 443
    state: absent
"""

RETURN = r"""
commands:
  description:
    - The commands of the change, in order (in check mode, those a real run would apply).
    - Each is one C(ipvsadm) command line; they are applied together as one
      C(ipvsadm -R) batch.
  returned: always
  type: list
  elements: str
  sample: ["ipvsadm -E -t 192.0.2.10:80 -s rr", "ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 5 -x 0 -y 0"]
service:
  description: The service after the task (single-service form); null when absent.
  returned: when O(services) is not used
  type: dict
  contains:
    protocol: {description: "tcp, udp, sctp or fwmark.", type: str, returned: always, sample: tcp}
    vip: {description: Virtual IP address (null for fwmark)., type: str, returned: always, sample: 192.0.2.10}
    port: {description: Port (null for fwmark)., type: int, returned: always, sample: 80}
    fwmark: {description: Firewall mark (null unless fwmark)., type: int, returned: always, sample: null}
    family: {description: ipv4 or ipv6., type: str, returned: always, sample: ipv4}
    scheduler: {description: Scheduler., type: str, returned: always, sample: wlc}
    scheduler_flags: {description: Scheduler flags., type: list, elements: str, returned: always, sample: []}
    persistence_timeout: {description: "Persistence timeout, 0 when not persistent.", type: int, returned: always, sample: 0}
    persistence_netmask: {description: Persistence netmask (IPv4) or prefix length (IPv6); null when not persistent., type: raw,
                          returned: always, sample: null}
    persistence_engine: {description: Persistence engine or null., type: str, returned: always, sample: null}
    one_packet: {description: One-packet scheduling., type: bool, returned: always, sample: false}
    destinations:
      description: Real servers (address, port, method, weight, upper_threshold, lower_threshold, tunnel_type, tunnel_port, tunnel_checksum).
      type: list
      elements: dict
      returned: always
      sample: [{address: 198.51.100.21, port: 80, method: nat, weight: 1, upper_threshold: 0, lower_threshold: 0,
                tunnel_type: null, tunnel_port: null, tunnel_checksum: null}]
summary:
  description:
    - What the task did to the services concerned (list form), in counts and names instead of
      the whole table (a list of 1,000 services returns a few names, not 11,000 entries).
    - The state of the services that changed is in RV(diff) in diff mode; the whole table is
      read by P(lvs.cluster.ipvs_info#module).
  returned: when O(services) is used
  type: dict
  contains:
    services: {description: Services concerned (listed or purged) that exist after the task., type: int, returned: always, sample: 1000}
    destinations: {description: Their real servers after the task., type: int, returned: always, sample: 10000}
    added: {description: Services created., type: list, elements: str, returned: always, sample: ["tcp 192.0.2.10:80"]}
    changed: {description: Services changed in place (settings or real servers)., type: list, elements: str, returned: always,
              sample: ["fwmark 80"]}
    removed: {description: Services removed., type: list, elements: str, returned: always, sample: ["tcp [2001:db8:2::10]:443"]}
    unchanged: {description: Number of services concerned left as they were., type: int, returned: always, sample: 997}
  sample: {services: 2, destinations: 6, added: ["tcp 192.0.2.10:80"], changed: [], removed: [], unchanged: 1}
applied:
  description:
    - After a kernel refusal, the commands (of RV(commands)) that took effect, that is
      those of the services whose change was fully applied.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["ipvsadm -A -t 192.0.2.10:80 -s wlc"]
rc:
  description: The exit status of C(ipvsadm -R) after a kernel refusal.
  returned: on failure to apply
  type: int
  sample: 2
stderr:
  description: What C(ipvsadm -R) printed on its error output after a kernel refusal.
  returned: on failure to apply
  type: str
  sample: "Memory allocation problem"
retired:
  description:
    - The real servers this call removed that held connections (active or inactive), quiesced and waited
      for (O(drain_timeout) above 0) - per real server its service, its address, the active
      connections at the start, those left when it was removed (0 unless the wait timed
      out) and the seconds waited.
  returned: success
  type: list
  elements: dict
  sample: [{service: "tcp 192.0.2.10:80", destination: "198.51.100.22:80", active_connections: 12, left: 0, waited_s: 14.0}]
rolled_back:
  description: After a kernel refusal, the half-applied services restored to their state before the task.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["tcp 192.0.2.10:81"]
diff:
  description:
    - Before and after state of the service (single-service form), as in RV(service).
    - In the list form, before and after state of only the services that change (added,
      changed or removed).
  returned: "in diff mode (C(--diff) or C(diff: true))"
  type: dict
  sample: {before: {services: []}, after: {services: [{protocol: tcp, vip: 192.0.2.10, port: 80}]}}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import ipvs_service as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
