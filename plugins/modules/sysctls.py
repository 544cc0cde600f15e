#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sysctls
short_description: Set kernel parameters now and at boot, several in one call
version_added: 0.1.0
description:
  - Writes O(settings) to one file under C(/etc/sysctl.d) (read by systemd-sysctl at boot),
    each with its comment, and sets every parameter whose live value differs with one
    C(sysctl -w) call.
  - The live values are compared as well as the file, so a parameter changed by hand
    (C(sysctl -w net.ipv4.ip_forward=0)) is found and put back although the file is
    unchanged. Several parameters cost one module call, not one per parameter.
  - The file belongs to this call; it holds exactly O(settings), and the value each
    parameter had before this call first set it. A parameter O(settings) no longer holds is
    put back to that value (unless it was changed since by someone else, or is gone with its
    interface), so what the collection set, it takes back.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  settings:
    description:
      - Parameter name (as C(sysctl) spells it, for example V(net.ipv4.ip_forward)) to value.
      - A parameter the kernel does not have is an error naming it (load the module that
        provides it first, for example C(ip_vs) for C(net.ipv4.vs.*)).
      - An empty dictionary removes the file (live values stay as they are).
    type: dict
    required: true
  comments:
    description:
      - Parameter name to the reason it is set, written above it in the file.
    type: dict
    default: {}
  path:
    description:
      - The file, normally C(/etc/sysctl.d/NN-name.conf).
    type: path
    required: true
extends_documentation_fragment:
  - lvs.cluster.attributes
"""

EXAMPLES = r"""
- name: Forward packets and keep IPVS connection entries in conntrack
  lvs.cluster.sysctls:
    path: /etc/sysctl.d/60-lvs-cluster-router.conf
    settings:
      net.ipv4.ip_forward: 1
      net.ipv4.vs.conntrack: 1
    comments:
      net.ipv4.ip_forward: NAT replies are routed back through the router
"""

RETURN = r"""
live_changes:
  description:
    - The parameters whose live value was (in check mode, would be) set, with their new values;
      a parameter no longer in O(settings) with the value it had before this module set it.
  returned: always
  type: dict
  sample: {"net.ipv4.ip_forward": "1"}
file_changed:
  description: Whether the file was (would be) rewritten.
  returned: always
  type: bool
  sample: false
commands:
  description: What was applied (in check mode, what would be), each the program's name and its arguments.
  returned: always
  type: list
  elements: str
  sample: ["sysctl -w net.ipv4.ip_forward=1"]
applied:
  description: When the command failed, the commands (of RV(commands)) that ran before it (none).
  returned: on failure to apply
  type: list
  elements: str
  sample: []
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 1
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "modprobe: FATAL: Module ip_vs_nope not found"
diff:
  description: The file and the live values, before and after.
  returned: in diff mode
  type: dict
  sample: {"before": "net.ipv4.ip_forward = 0\n", "after": "net.ipv4.ip_forward = 1\n"}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import sysctls as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
