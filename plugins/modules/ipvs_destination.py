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
    C(ipvsadm).
  - The service is named by O(protocol), O(service_address) and O(service_port), or by
    O(fwmark) and O(family). It must exist (see P(lvs.cluster.ipvs_service#module)); a real
    server for a service that does not exist is refused.
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
attributes:
  check_mode:
    description: Predicts exactly what a real run changes, changing nothing.
    support: full
  diff_mode:
    description: Before and after state of the real server.
    support: full
  platform:
    description: Linux with IPVS.
    platforms: posix
    support: full
options:
  protocol:
    description: Protocol of the service (with O(service_address) and O(service_port)).
    type: str
    choices: [tcp, udp, sctp]
  service_address:
    description: Virtual IP address of the service (IPv4 or IPv6).
    type: str
  service_port:
    description: Port of the service (0-65535).
    type: int
  fwmark:
    description: Firewall mark of the service (1 to 4294967295), instead of O(protocol), O(service_address), O(service_port).
    type: int
  family:
    description: Address family of a firewall-mark service. Default V(ipv4).
    type: str
    choices: [ipv4, ipv6]
  address:
    description: Address of the real server, of the service's family.
    type: str
    required: true
  port:
    description:
      - Port of the real server. Default the service's port (0 for a firewall-mark service).
      - Only V(nat) can map to another port; under V(dr) and V(tun) it must be the service's port.
    type: int
  method:
    description: Forwarding method (masquerading, direct routing, tunneling). Default V(dr) for a new one.
    type: str
    choices: [nat, dr, tun]
  weight:
    description: Weight 0-65535; V(0) quiesces the server. Default V(1) for a new one.
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
    description: V(absent) removes the real server.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: A real server by NAT, mapping port 80 to 8080
  lvs.cluster.ipvs_destination:
    protocol: tcp
    service_address: 192.0.2.10
    service_port: 80
    address: 198.51.100.21
    port: 8080
    method: nat
    weight: 100

- name: Quiesce it (no new connections, established ones continue)
  lvs.cluster.ipvs_destination:
    protocol: tcp
    service_address: 192.0.2.10
    service_port: 80
    address: 198.51.100.21
    port: 8080
    weight: 0

- name: A real server of an IPv6 firewall-mark service through a GUE tunnel
  lvs.cluster.ipvs_destination:
    fwmark: 80
    family: ipv6
    address: "2001:db8:51::22"
    method: tun
    tunnel_type: gue
    tunnel_port: 6080
    tunnel_checksum: csum

- name: Remove it
  lvs.cluster.ipvs_destination:
    fwmark: 80
    family: ipv6
    address: "2001:db8:51::22"
    state: absent
"""

RETURN = r"""
commands:
  description: The ipvsadm command lines of the change; in check mode the ones it would run.
  returned: always
  type: list
  elements: str
  sample: ["-e -t 192.0.2.10:80 -r 198.51.100.21:8080 -m -w 0 -x 0 -y 0"]
service:
  description: The service's name (protocol and address:port, or fwmark and family).
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
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import ApplyError, converge
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import plan_destination
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import ValidationError, service_name
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_module import destination_options, ipvsadm_backend
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import IpvsadmError, ParseError


def main():
    argument_spec = destination_options()
    argument_spec.update(
        protocol=dict(type="str", choices=["tcp", "udp", "sctp"]),
        service_address=dict(type="str"),
        service_port=dict(type="int"),
        fwmark=dict(type="int"),
        family=dict(type="str", choices=["ipv4", "ipv6"]),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        required_one_of=[("protocol", "fwmark")],
        mutually_exclusive=[("fwmark", "protocol"), ("fwmark", "service_address"), ("fwmark", "service_port")],
        supports_check_mode=True,
    )
    scope, dest_key = [None], None
    try:
        backend = ipvsadm_backend(module)
        live = backend.read_table()
        targets, scope, dest_key = plan_destination(live, module.params)
        result = converge(backend, live, targets, scope, check_mode=module.check_mode)
    except ValidationError as error:
        module.fail_json(msg=str(error), changed=False)
    except (IpvsadmError, ParseError) as error:
        module.fail_json(msg=str(error), changed=False)
    except ApplyError as error:
        module.fail_json(msg=str(error), **_shape(error.result, scope[0], dest_key))
    module.exit_json(**_shape(result, scope[0], dest_key))


def _pick(services, dest_key):
    for service in services:
        for dest in service["destinations"]:
            if (dest["address"], dest["port"]) == dest_key:
                return dest
    return None


def _shape(result, key, dest_key):
    shaped = dict(result)
    before = _pick(shaped.pop("before"), dest_key)
    after = _pick(shaped.pop("after"), dest_key)
    shaped["service"] = service_name(key)
    shaped["destination"] = after
    shaped["diff"] = {"before": before or {}, "after": after or {}}
    return shaped


if __name__ == "__main__":
    main()
