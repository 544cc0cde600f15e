# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the arptables_vip module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import arp_backends, arp_suppression as arp
from ansible_collections.lvs.cluster.plugins.module_utils.rules_module import run_rules_module

SPEC = dict(
    argument_spec=dict(
        vips=dict(type="list", elements="str", default=[]),
        real_ip=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        purge=dict(type="bool", default=False),
        backend=dict(type="str", choices=list(arp_backends.BACKENDS), default="arptables"),
    ),
    supports_check_mode=True,
)


def run(module):
    params = module.params

    def want_of():
        vips, real_ip, state = arp.validate(params["vips"], params["real_ip"], params["state"])
        return lambda current: arp.desired_state(current, vips, real_ip, state, params["purge"])

    return run_rules_module(module, arp_backends.backend, want_of,
                            lambda current, desired: dict(before=current.as_dict(), vips=desired.vips()))
