#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: ip_address
short_description: Converge the collection's addresses on one interface, now and at boot
version_added: 0.1.0
description:
  - Puts the listed addresses on one interface (a direct-routing real server's VIPs on the
    loopback, a tunnelling real server's on C(tunl0), a router's VIPs and NAT address) and,
    with O(purge), removes the addresses the collection put there earlier that are no
    longer listed.
  - Which addresses are the collection's is kept in a record file per interface,
    C(/etc/lvs-cluster/addresses/<interface>) (iproute2 6.1 has no C(proto) for addresses,
    so the interface itself cannot say). An address that is neither recorded nor listed is
    never removed, whoever put it there. A listed address that is already on the interface
    is recorded (it is the collection's from then on).
  - The record file is an C(ip -batch) script, and the systemd template unit
    C(lvs-cluster-addresses@.service) (installed by the module, enabled once per interface
    as C(lvs-cluster-addresses@<interface>.service)) runs it at boot, after the
    distribution's network set-up; IPv6 addresses are added with C(nodad).
  - The unit is enabled as C(systemctl enable) does it, by its link in
    C(multi-user.target.wants), without the manager reload C(systemctl enable) makes (seconds
    on a slow host); systemd reads the links at boot. C(systemctl daemon-reload) runs only
    when an older text of the unit, which systemd may have loaded, is replaced.
  - Commands run in the C locale, as argument lists, never through a shell.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  interface:
    description:
      - The interface (C(lo), C(tunl0), C(eth0) ...). It must exist unless O(addresses) is
        empty and O(up) is false (then the record of a vanished interface is dropped).
    type: str
    required: true
  addresses:
    description:
      - The addresses, IPv4 or IPv6; C(ADDR) means a host address (/32 or /128), C(ADDR/LEN)
        gives the prefix length. An empty list with O(purge) removes all the collection's
        addresses from the interface.
    type: list
    elements: str
    default: []
  purge:
    description:
      - Remove the collection's addresses (those in the record file) that O(addresses) no
        longer lists. Addresses the collection did not record are never removed.
    type: bool
    default: true
  up:
    description:
      - Also bring the interface up (now, and at boot through the record), as C(tunl0) needs.
        False leaves the link state alone.
    type: bool
    default: false
  announce:
    description:
      - After adding an address, tell its segment that it lives here now - a gratuitous ARP
        (IPv4) or an unsolicited neighbour advertisement (IPv6), two of each - so that hosts
        whose neighbour entry still names the host that held the address before (a router
        replaced, a cluster moved) use this one at once. Only addresses this run adds are
        announced; never use it for addresses that must stay silent (a direct-routing real
        server's VIPs on the loopback).
    type: bool
    default: false
  hand_over:
    description:
      - Addresses handed to another owner that takes them over where they are (a router's
        VIPs and NAT address when keepalived starts to hold them - its start removes them
        and adds them again on the master within a second). When O(purge) drops one of them
        from the record it leaves the record and the boot unit but stays on the interface,
        so that the clients see no gap while the new owner starts. Others are removed as
        usual.
    type: list
    elements: str
    default: []
  keep_interfaces:
    description:
      - When given, the collection's addresses recorded on any interface other than
        O(interface) and those listed here are removed (from the interface, the record and
        the boot unit), as an empty O(addresses) would remove them; so a description that stops
        naming an interface takes back what it put there. Not given (the default), other
        interfaces are left alone.
    type: list
    elements: str
  boot:
    description:
      - Install the boot unit and enable it for this interface while the record holds
        anything (disable it when the record becomes empty), so the addresses come back
        after a reboot. False keeps the record but leaves systemd alone.
    type: bool
    default: true
extends_documentation_fragment:
  - lvs.cluster.attributes
notes:
  - Needs C(ip) (iproute2) and, with O(boot), systemd.
"""

EXAMPLES = r"""
- name: The direct-routing VIPs on the loopback of a real server
  lvs.cluster.ip_address:
    interface: lo
    addresses: [192.0.2.10, "2001:db8:2::10"]

- name: The tunnelling VIPs on tunl0, brought up
  lvs.cluster.ip_address:
    interface: tunl0
    addresses: [192.0.2.30]
    up: true

- name: A router's NAT address on its private interface
  lvs.cluster.ip_address:
    interface: eth1
    addresses: [198.51.100.1/24]

- name: This host serves nothing any more - remove the collection's VIPs from the loopback
  lvs.cluster.ip_address:
    interface: lo
    addresses: []
"""

RETURN = r"""
interface:
  description: The interface.
  returned: always
  type: str
  sample: lo
addresses:
  description: The collection's addresses on the interface after the run (in check mode, after it would have run).
  returned: always
  type: list
  elements: str
  sample: ["192.0.2.10/32", "2001:db8:2::10/128"]
before:
  description: What the module found.
  returned: always
  type: dict
  contains:
    addresses:
      description: The collection's addresses (recorded or listed) found on the interface.
      type: list
      elements: str
    recorded:
      description: The addresses of the record file.
      type: list
      elements: str
    exists:
      description: Whether the interface exists.
      type: bool
    up:
      description: Whether the interface was up.
      type: bool
  sample: {"addresses": [], "recorded": [], "exists": true, "up": true}
commands:
  description:
    - What was run (check mode, what would be run), in order, each the program's name and its arguments.
  returned: always
  type: list
  elements: str
  sample: ["ip address replace 192.0.2.10/32 dev lo"]
files:
  description: The files written or removed (check mode, that would be), the record, the boot unit and its link.
  returned: always
  type: list
  elements: str
  sample: ["/etc/lvs-cluster/addresses/lo"]
announced:
  description: The addresses announced (check mode, that would be) with O(announce).
  returned: always
  type: list
  elements: str
  sample: ["198.51.100.1"]
handed_over:
  description: The addresses of O(hand_over) dropped from the record and left on the interface (check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: ["192.0.2.10/32"]
unit:
  description: The boot unit enabled for the interface, null if none.
  returned: always
  type: str
  sample: lvs-cluster-addresses@lo.service
applied:
  description: When a command failed, the commands (of RV(commands)) that ran before it.
  returned: on failure to apply
  type: list
  elements: str
  sample: ["ip address replace 192.0.2.10/32 dev lo"]
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 2
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "RTNETLINK answers: Operation not permitted"
others:
  description: The other interfaces whose recorded addresses were (in check mode, would be) removed (O(keep_interfaces)).
  returned: always
  type: list
  elements: str
  sample: ["vec2"]
diff:
  description: The collection's addresses on the interface before and after, as record files (ip -batch lines).
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "address replace 192.0.2.10/32 dev lo\n"}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import ip_address as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
