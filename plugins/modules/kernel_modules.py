#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kernel_modules
short_description: Load kernel modules now and at every boot, several in one call
version_added: 0.1.0
description:
  - Loads the modules of O(names) that are not loaded (one C(modprobe -a) call) and lists
    them in one file under C(/etc/modules-load.d), which systemd-modules-load reads at boot
    (before systemd-sysctl, so their parameters exist when sysctl.d files are applied).
  - A module counts as loaded when C(/sys/module/NAME) exists, which covers modules built
    into the kernel.
  - The file belongs to this call; it lists exactly O(names), and which of them this call
    loaded itself. A module it loaded that O(names) no longer lists is unloaded
    (C(modprobe -r), before any load), so what the collection set, it takes back; a
    module that was loaded before is left loaded.
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  names:
    description:
      - The modules, for example V(ip_vs), V(ip_vs_wrr), V(ip_vs_ftp).
      - An empty list removes the file (nothing is unloaded).
    type: list
    elements: str
    required: true
  path:
    description: The file, normally C(/etc/modules-load.d/NAME.conf).
    type: path
    required: true
extends_documentation_fragment:
  - lvs.cluster.attributes
"""

EXAMPLES = r"""
- name: IPVS and its FTP helper, now and at boot
  lvs.cluster.kernel_modules:
    names: [ip_vs, ip_vs_ftp]
    path: /etc/modules-load.d/lvs-cluster-router.conf
"""

RETURN = r"""
loaded:
  description: The modules that were (in check mode, would be) loaded by this call.
  returned: always
  type: list
  elements: str
  sample: ["ip_vs_ftp"]
unloaded:
  description: The modules that were (in check mode, would be) unloaded by this call.
  returned: always
  type: list
  elements: str
  sample: ["ipip"]
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
  sample: ["modprobe -a ip_vs_ftp"]
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
  description: The file before and after, with the modules that are loaded.
  returned: in diff mode
  type: dict
  sample: {"before": "ip_vs\n", "after": "ip_vs\nip_vs_ftp\n"}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import kernel_modules as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
