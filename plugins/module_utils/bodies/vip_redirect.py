# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the vip_redirect module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's and converge's stand-ins)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import redirect_backends, redirect_rules as rr
from ansible_collections.lvs.cluster.plugins.module_utils.rules_module import run_rules_module

SPEC = dict(
    argument_spec=dict(
        vips=dict(type="list", elements="str", default=[]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        purge=dict(type="bool", default=False),
        backend=dict(type="str", choices=list(redirect_backends.BACKENDS), default="nftables"),
    ),
    supports_check_mode=True,
)


def run(module):
    params = module.params

    def want_of():
        vips, state = rr.validate(params["vips"], params["state"])
        return lambda current: rr.desired_vips(current.vips, vips, state, params["purge"])

    return run_rules_module(module, redirect_backends.backend, want_of,
                            lambda current, desired: dict(before=current.as_dict(), vips=list(desired)))
