# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the fwmark module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import fwmark_backends, fwmark_rules as fw
from ansible_collections.lvs.cluster.plugins.module_utils.rules_module import run_rules_module
from ansible_collections.lvs.cluster.plugins.module_utils.validation import PROTOCOLS, fail

ENTRY = ("fwmark", "vips", "protocols", "ports")


def _spec():
    entry_spec = dict(
        fwmark=dict(type="int", required=True),
        vips=dict(type="list", elements="str"),
        protocols=dict(type="list", elements="str", choices=list(PROTOCOLS), default=["tcp"]),
        ports=dict(type="list", elements="str"),
    )
    argument_spec = dict(entry_spec, fwmark=dict(type="int"))
    argument_spec.update(
        marks=dict(type="list", elements="dict", options=entry_spec),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        purge=dict(type="bool", default=False),
        backend=dict(type="str", choices=list(fwmark_backends.BACKENDS), default="nftables"),
    )
    return dict(argument_spec=argument_spec, mutually_exclusive=[("fwmark", "marks")], supports_check_mode=True)


SPEC = _spec()


def _entries(params):
    if params["marks"]:
        return params["marks"]
    if params["fwmark"] is None:
        for option in ("vips", "ports"):
            if params[option]:
                fail(option, params[option], "given without a mark (set fwmark, or use marks)")
        return []
    return [dict((option, params[option]) for option in ENTRY)]


def run(module):
    params = module.params

    def want_of():
        state, wanted = fw.validate(_entries(params), params["state"], top_level=not params["marks"])
        return lambda current: fw.desired_rules(current.rules, wanted, state, params["purge"])

    return run_rules_module(module, fwmark_backends.backend, want_of,
                            lambda current, desired: dict(before=fw.rules_as_dicts(current.rules),
                                                          stale=current.stale, rules=fw.rules_as_dicts(desired)))
