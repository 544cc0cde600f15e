#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: host_read
short_description: Read a host's distribution, interfaces, addresses and default routes without Python on it
version_added: 0.1.0
description:
  - Runs one command line on the host over the connection, as M(ansible.builtin.raw) does
    (no Python starts there), made of fixed read-only commands in the C locale -
    C(cat /etc/os-release), C(ip -j address show), C(ip -j route show table main default) for
    IPv4 and IPv6 - and parses their output on the controller.
  - The roles read a host with it before they validate it. On a slow host a module costs
    2-4 s, mostly Python starting, and M(ansible.builtin.setup) with the network facts more.
  - An action plugin; this file holds its documentation.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - On the host, a POSIX shell and iproute2 with JSON output (C(ip -j), iproute2 4.13 or later). No Python.
options: {}
extends_documentation_fragment:
  - lvs.cluster.attributes.info
"""

EXAMPLES = r"""
- name: Read the host
  lvs.cluster.host_read:
  register: read

- name: Its interfaces
  ansible.builtin.debug:
    msg: "{{ read.addresses | map(attribute='ifname') | list }}"
"""

RETURN = r"""
os_family:
  description:
    - The distribution's family as Ansible's facts name it, from C(ID) and C(ID_LIKE) of
      C(/etc/os-release) - C(Debian) or C(RedHat) - or null for another family.
  returned: success
  type: str
  sample: Debian
os_release:
  description: C(ID) and C(VERSION_ID) of C(/etc/os-release) (null when absent).
  returned: success
  type: dict
  sample: {id: debian, version_id: "12"}
addresses:
  description: Every interface with its local addresses (the same read as RV(interfaces), by interface name).
  returned: success
  type: list
  elements: dict
  sample: [{ifname: lo, addresses: [127.0.0.1, "::1"]}, {ifname: eth0, addresses: [192.0.2.11]}]
interfaces:
  description:
    - Each interface's addresses in the shape of Ansible's facts of an interface - C(ipv4)
      (the first IPv4 address, with its prefix), C(ipv4_secondaries), C(ipv6) (each with
      its prefix and scope) - which the cluster model's checks read.
  returned: success
  type: dict
  sample: {eth0: {ipv4: {address: 192.0.2.11, prefix: "24"}, ipv4_secondaries: [], ipv6: []}}
default_gateways:
  description: The gateways of the main table's default routes, per family.
  returned: success
  type: dict
  sample: {ipv4: [192.0.2.254], ipv6: []}
"""
