#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: converge
short_description: Several of the collection's module calls applied in one call, in order
version_added: 0.1.0
description:
  - Applies each part of O(parts) the way its module would (the same code, the module's body
    in C(module_utils/bodies)), in the order given, all in one process on the host, and stops
    at the first part that fails; the parts after it are not run.
  - Check mode and diff mode reach every part as they would reach its module, so check mode
    predicts what each module would do, and RV(parts) holds each module's own result
    (C(changed), C(commands), in diff mode C(diff)).
  - On a slow host every module call costs about 2 s, mostly Python starting; a role that
    converges a host with one call pays that once.
  - The counterpart of M(lvs.cluster.drift), which takes the same list and only checks it.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  parts:
    description: The module calls to apply, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The part's key in RV(parts) and RV(changed_parts); unique.
        type: str
        required: true
      module:
        description: The module, without the collection's prefix.
        type: str
        required: true
        choices: [arptables_vip, config_files, fwmark, ip_address, ipvs_keepalived, ipvs_service,
                  kernel_modules, nat_masquerade, nat_routing, sysctls, vip_redirect]
      args:
        description: The module's options, as a task would give them.
        type: dict
        default: {}
extends_documentation_fragment:
  - lvs.cluster.attributes
"""

EXAMPLES = r"""
- name: The router's kernel, in one call
  lvs.cluster.converge:
    parts:
      - name: kernel_modules
        module: kernel_modules
        args:
          names: [ip_vs]
          path: /etc/modules-load.d/lvs-cluster.conf
      - name: sysctls
        module: sysctls
        args:
          settings: {net.ipv4.ip_forward: 1}
          path: /etc/sysctl.d/60-lvs-cluster-router.conf
  register: router_converge

- name: Reload what reads the files, when they changed
  ansible.builtin.systemd_service:
    name: systemd-modules-load
    state: restarted
  when: "'kernel_modules' in router_converge.changed_parts"
"""

RETURN = r"""
changed_parts:
  description: The names of the parts that changed the host (would, in check mode), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["sysctls"]
commands:
  description: The commands the parts ran (would run, in check mode), in order; each part's own are in RV(parts).
  returned: always
  type: list
  elements: str
  sample: ["sysctl -w net.ipv4.ip_forward=1"]
parts:
  description:
    - Each part that ran, by name, with its module's result (C(changed), C(commands) and the
      module's other keys; in diff mode C(diff)).
    - A part that failed has C(failed=true) and its module's C(msg); the parts after it are absent.
  returned: always
  type: dict
  sample: {"sysctls": {"changed": true, "commands": ["sysctl -w net.ipv4.ip_forward=1"]}}
diff:
  description: Each changed part's before and after, headed by the part's name.
  returned: in diff mode, when a part changed
  type: list
  elements: dict
failed_part:
  description: The name of the part that failed (nothing after it ran).
  returned: on failure
  type: str
  sample: sysctls
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.converge import converge
from ansible_collections.lvs.cluster.plugins.module_utils.drift import BODIES


def main():
    module = AnsibleModule(
        argument_spec=dict(
            parts=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                module=dict(type="str", required=True, choices=sorted(BODIES)),
                args=dict(type="dict", default={}))),
        ),
        supports_check_mode=True,
    )
    names = [part["name"] for part in module.params["parts"]]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        module.fail_json(msg="parts[].name=%r: given more than once (names are unique)" % twice[0])
    ok, result = converge(module, module.params["parts"])
    if ok:
        module.exit_json(**result)
    module.fail_json(**result)


if __name__ == "__main__":
    main()
