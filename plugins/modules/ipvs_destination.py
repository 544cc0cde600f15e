#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ipvs_destination
short_description: Manage one real server (destination) of an IPVS virtual service
version_added: 0.1.0
description:
  - Adds, changes or removes one real server of an existing IPVS virtual service with
    C(ipvsadm), leaving the service's other real servers alone.
  - The service is named as in P(lvs.cluster.ipvs_service#module), by O(protocol), O(vip)
    and O(port), or by O(fwmark) and O(family). It must exist; a real server for a service
    that does not exist is refused.
  - The real server is O(destination), a dictionary with the options of one entry of
    O(lvs.cluster.ipvs_service#module:destinations).
  - A change of weight, forwarding method, tunnel settings or thresholds is an in-place
    edit (C(ipvsadm -e)), so established connections survive it.
  - Options left out keep the value of an existing real server; a new one gets the default
    named in each option.
  - Bad input fails with a message naming the option and the value, and changes nothing.
  - To converge a whole pool in one call use O(lvs.cluster.ipvs_service#module:destinations).
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (1.31 tested) on the target, and a kernel with IPVS (ip_vs).
extends_documentation_fragment:
  - lvs.cluster.attributes
options:
  protocol:
    description:
      - Protocol of the virtual service. Give it with O(vip) and O(port); leave it out
        for a firewall-mark service (O(fwmark)).
    type: str
    choices: [tcp, udp, sctp]
  vip:
    description:
      - The virtual IP address (VIP) of the service, IPv4 or IPv6 (no host names).
    type: str
  port:
    description:
      - Port of the virtual service, 0-65535. V(0) (all ports) only for a persistent service.
    type: int
  fwmark:
    description:
      - Firewall mark (1 to 4294967295) identifying a firewall-mark service, instead of
        O(protocol), O(vip) and O(port).
    type: int
  family:
    description:
      - Address family of a firewall-mark service (a mark exists once per family).
      - For a service with a VIP it may be given and must match the VIP.
      - Default V(ipv4) for a firewall-mark service.
    type: str
    choices: [ipv4, ipv6]
  destination:
    description:
      - The real server, with the options of one entry of
        O(lvs.cluster.ipvs_service#module:destinations).
    type: dict
    required: true
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
"""

EXAMPLES = r"""
- name: A real server by NAT, mapping port 80 to 8080
  lvs.cluster.ipvs_destination:
    protocol: tcp
    vip: 192.0.2.10
    port: 80
    destination:
      address: 198.51.100.21
      port: 8080
      method: nat
      weight: 100

- name: Quiesce it (no new connections, established ones continue)
  lvs.cluster.ipvs_destination:
    protocol: tcp
    vip: 192.0.2.10
    port: 80
    destination: {address: 198.51.100.21, port: 8080, weight: 0}

- name: A real server of an IPv6 firewall-mark service through a GUE tunnel
  lvs.cluster.ipvs_destination:
    fwmark: 80
    family: ipv6
    destination:
      address: "2001:db8:51::22"
      method: tun
      tunnel_type: gue
      tunnel_port: 6080
      tunnel_checksum: csum

- name: Remove it
  lvs.cluster.ipvs_destination:
    fwmark: 80
    family: ipv6
    destination: {address: "2001:db8:51::22", state: absent}
"""

RETURN = r"""
commands:
  description:
    - The commands of the change (in check mode, those a real run would apply), each one
      C(ipvsadm) command line, applied as one C(ipvsadm -R) batch.
  returned: always
  type: list
  elements: str
  sample: ["ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.21:8080 -m -w 0 -x 0 -y 0"]
service:
  description: The service's name (protocol and VIP:port, or fwmark and family).
  returned: always
  type: str
  sample: tcp 192.0.2.10:80
destination:
  description: The real server after the task; null when absent.
  returned: always
  type: dict
  contains:
    address: {description: Address., type: str, returned: always, sample: 198.51.100.21}
    port: {description: Port., type: int, returned: always, sample: 8080}
    method: {description: "nat, dr or tun.", type: str, returned: always, sample: nat}
    weight: {description: Weight., type: int, returned: always, sample: 100}
    upper_threshold: {description: Upper connection threshold., type: int, returned: always, sample: 0}
    lower_threshold: {description: Lower connection threshold., type: int, returned: always, sample: 0}
    tunnel_type: {description: Tunnel type (tun only)., type: str, returned: always, sample: null}
    tunnel_port: {description: GUE tunnel port., type: int, returned: always, sample: null}
    tunnel_checksum: {description: "Tunnel checksum (gue, gre).", type: str, returned: always, sample: null}
diff:
  description: The real server before and after.
  returned: in diff mode
  type: dict
applied:
  description: After a kernel refusal, the commands (of RV(commands)) that took effect.
  returned: on failure to apply
  type: list
  elements: str
  sample: []
rolled_back:
  description: After a kernel refusal, the service's name if it was restored to its state before the task.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["tcp 192.0.2.10:80"]
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
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.command import result_or_fail
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import converge
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import plan_destination
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import service_name
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_module import (
    destination_options,
    identity_options,
    ipvsadm_backend,
)


def main():
    argument_spec = identity_options()
    argument_spec.update(destination=dict(type="dict", required=True, options=destination_options()))
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[("protocol", "fwmark")],
        mutually_exclusive=[("fwmark", "protocol"), ("fwmark", "vip"), ("fwmark", "port")],
        supports_check_mode=True,
    )
    plan = {}

    def work():
        backend = ipvsadm_backend(module)
        live = backend.read_table()
        targets, scope, plan["dest_key"] = plan_destination(live, module.params)
        plan["key"] = scope[0]
        result = converge(backend, live, targets, scope, check_mode=module.check_mode)
        return _shape(result, plan["key"], plan["dest_key"], module._diff)

    module.exit_json(**result_or_fail(
        module, work, lambda failed: _shape(failed, plan["key"], plan["dest_key"], module._diff)))


def _pick(services, dest_key):
    for service in services:
        for dest in service["destinations"]:
            if (dest["address"], dest["port"]) == dest_key:
                return dest
    return None


def _shape(result, key, dest_key, diff):
    shaped = dict(result)
    before = _pick(shaped.pop("before"), dest_key)
    after = _pick(shaped.pop("after"), dest_key)
    shaped["service"] = service_name(key)
    shaped["destination"] = after
    if diff:
        shaped["diff"] = {"before": before or {}, "after": after or {}}
    return shaped


if __name__ == "__main__":
    main()
