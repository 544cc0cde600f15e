#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: drift
short_description: Whether several of the collection's module calls would change the host, in one call
version_added: 0.1.0
description:
  - Runs each call of O(calls) the way its module runs in check mode (the same code, the
    module's body in C(module_utils/bodies)), all in one process on the host, and reports
    which would change it. Changes nothing.
  - Also runs the read-only commands of O(reads) and returns their output.
  - The roles ask once whether a host already is as described and skip their other calls
    when it is; on a slow host every module call costs about 2 s, mostly Python starting.
  - A call that cannot be checked (its module would fail, for example a parameter of a
    kernel module that is not loaded yet) counts as drifted.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  calls:
    description: The module calls to check.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The call's key in RV(calls) and RV(drifted); unique.
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
  reads:
    description: Read-only commands to run (argument lists, C locale, never a shell).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The command's key in RV(reads); unique.
        type: str
        required: true
      argv:
        description: The program and its arguments.
        type: list
        elements: str
        required: true
  probes:
    description:
      - What else to read from the host, answered as data in RV(probes) (each parsed by the
        collection, JSON where the tool has it), so that a role decides on data.
    type: dict
    default: {}
    suboptions:
      packages:
        description: Packages whose absence to report (C(dpkg-query), else C(rpm)).
        type: list
        elements: str
      units:
        description: systemd units whose C(ActiveState) and C(UnitFileState) to report.
        type: list
        elements: str
      sync_daemons:
        description: Report the IPVS connection sync daemons running.
        type: bool
        default: false
      login_shells:
        description: Users whose login shell to report (V(null) for a user that does not exist).
        type: list
        elements: str
      keepalived_conf:
        description: A keepalived.conf to describe (exists, written by the collection, number of virtual_server blocks).
        type: dict
        suboptions:
          path:
            description: The file.
            type: path
            required: true
          header:
            description: The first line's start that marks the collection's own file.
            type: str
            required: true
extends_documentation_fragment:
  - lvs.cluster.attributes.info
"""

EXAMPLES = r"""
- name: Is this router already as described?
  lvs.cluster.drift:
    calls:
      - name: sysctls
        module: sysctls
        args:
          settings: {net.ipv4.ip_forward: 1}
          path: /etc/sysctl.d/60-lvs-cluster-router.conf
    reads:
      - name: ipvsadm_enabled
        argv: [systemctl, is-enabled, ipvsadm]
  register: router_drift
"""

RETURN = r"""
in_sync:
  description: No call would change the host (and every one could be checked).
  returned: always
  type: bool
  sample: true
drifted:
  description: The names of the calls that would change the host or could not be checked, in the order given.
  returned: always
  type: list
  elements: str
  sample: ["sysctls"]
calls:
  description: Each call by name, C(changed) (V(null) when it could not be checked, with C(msg) saying why).
  returned: always
  type: dict
  sample: {"sysctls": {"changed": true}, "ipvs": {"changed": null, "msg": "needs the executable 'ipvsadm'"}}
reads:
  description:
    - Each command by name, C(rc), C(stdout), C(stdout_lines), C(stderr).
    - A program that is not installed is C(rc=127) with a C(stderr) that names it (not a failure).
  returned: always
  type: dict
  sample: {"ipvsadm_enabled": {"rc": 0, "stdout": "enabled\n", "stdout_lines": ["enabled"], "stderr": ""}}
probes:
  description:
    - The probes asked for, as data - C(missing_packages) (list), C(units) (per unit
      C(active) and C(enabled), the C(ActiveState) and C(UnitFileState) systemd reports),
      C(sync_daemons) (the states running, C(master) / C(backup)),
      C(login_shells) (user -> shell or V(null)), C(keepalived_conf) (C(exists), C(ours),
      C(virtual_servers)).
  returned: always
  type: dict
  sample: {"missing_packages": [], "units": {"keepalived": {"active": "active", "enabled": "enabled"}}}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.drift import BODIES, drift


def main():
    module = AnsibleModule(
        argument_spec=dict(
            calls=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                module=dict(type="str", required=True, choices=sorted(BODIES)),
                args=dict(type="dict", default={}))),
            reads=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                argv=dict(type="list", elements="str", required=True))),
            probes=dict(type="dict", default={}, options=dict(
                packages=dict(type="list", elements="str"),
                units=dict(type="list", elements="str"),
                sync_daemons=dict(type="bool", default=False),
                login_shells=dict(type="list", elements="str"),
                keepalived_conf=dict(type="dict", options=dict(
                    path=dict(type="path", required=True),
                    header=dict(type="str", required=True))))),
        ),
        supports_check_mode=True,
    )
    for option in ("calls", "reads"):
        names = [entry["name"] for entry in module.params[option]]
        twice = sorted(set(name for name in names if names.count(name) > 1))
        if twice:
            module.fail_json(msg="%s[].name=%r: given more than once (names are unique)" % (option, twice[0]))
    module.exit_json(**drift(module, module.params["calls"], module.params["reads"], module.params["probes"]))


if __name__ == "__main__":
    main()
