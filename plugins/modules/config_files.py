#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_files
short_description: Converge several whole files in one call, each validated before any is replaced
version_added: 0.1.0
description:
  - Compares each file of O(files) (content and mode) with what is wanted and replaces the
    ones that differ. One call for all of a role's files (on a slow target every module call
    costs a round trip and a Python start, and C(copy) or C(template) cost two calls per file).
  - Every changed file is first written beside its target and checked with its O(files[].validate)
    command; only when all have passed are they moved into place (each atomically). A refused
    file leaves every file of the call as it was.
  - Missing parent directories are created (mode C(0755)). Owner and group are not managed
    (the files are created by the connecting user, normally root).
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  files:
    description: The files, each owned whole by this call.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description:
          - The whole text of the file.
          - V(null) (or omitted, without O(files[].link)) means the file must not exist; it is removed.
        type: str
      link:
        description:
          - Make the path a symbolic link to this absolute path instead of a file (how
            C(systemctl enable) enables a unit, with a link in a C(.wants) directory). The link
            may point to a file that does not exist yet.
        type: path
      mode:
        description: Permission bits, as an octal string.
        type: str
        default: "0644"
      validate:
        description:
          - A command that checks the new file before it replaces the live one, as an
            argument list; the argument with C(%s) gets the staged file's path.
          - For example V([nft, -c, -f, "%s"]).
        type: list
        elements: str
  daemon_reload:
    description:
      - After writing, run C(systemctl daemon-reload) when a file that was there before in one
        of systemd's unit directories (C(/etc/systemd/system/) and the others of
        C(man 5 systemd.unit)) changed or was removed (a unit, a drop-in or a link systemd may
        have loaded). A new unit file needs none (systemd reads it when it first needs it), nor
        a new link in a C(.wants) directory (read at the next boot, as C(systemctl enable)
        makes it, without the reload that costs seconds on a slow host). Not in check mode
        (RV(daemon_reloaded) then says whether a real run would).
    type: bool
    default: false
attributes:
  check_mode:
    description:
      - Reads the files and reports exactly which a real run would write (RV(changed_files),
        RV(diff)), changing nothing; validation commands do not run in check mode.
    support: full
  diff_mode:
    description: Returns RV(diff), each changed file's text before and after.
    support: full
  platform:
    description: Linux.
    platforms: posix
    support: full
"""

EXAMPLES = r"""
- name: The router's boot files in one call
  lvs.cluster.config_files:
    files:
      - path: /etc/lvs-cluster/router.nft
        content: "{{ nftables_text }}"
        validate: [nft, -c, -f, "%s"]
      - path: /etc/ipvsadm.rules
        content: "{{ rules_text }}"
      - path: /etc/lvs-cluster/old.conf
        content: null
      - path: /etc/systemd/system/multi-user.target.wants/lvs-cluster-router-nftables.service
        link: /etc/systemd/system/lvs-cluster-router-nftables.service
    daemon_reload: true   # systemd reads the changed unit files
  register: router_files
"""

RETURN = r"""
changed_files:
  description: The paths that were (in check mode, would be) written or removed.
  returned: always
  type: list
  elements: str
  sample: ["/etc/ipvsadm.rules"]
daemon_reloaded:
  description: Whether C(systemctl daemon-reload) ran (in check mode, would run) after the files were written.
  returned: always
  type: bool
  sample: true
validated:
  description: The validation commands that ran, on the staged copies (none in check mode).
  returned: success
  type: list
  elements: str
  sample: ["nft -c -f /etc/lvs-cluster/.lvs-cluster-1x2y3z"]
rc:
  description: The exit status of the validation that refused a file.
  returned: on failure to apply
  type: int
  sample: 1
stderr:
  description: What the refusing validation printed on its error output.
  returned: on failure to apply
  type: str
  sample: "Error: syntax error"
diff:
  description: Per changed file, its text before and after (a link as C(-> target)).
  returned: in diff mode
  type: list
  elements: dict
  sample: [{"before_header": "/etc/ipvsadm.rules", "after_header": "/etc/ipvsadm.rules", "before": "", "after": "-A -t 192.0.2.10:80 -s wlc\n"}]
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import config_files as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
