# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the ip_address module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import ip_address, neighbour_announce
from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    command_runner,
    executable_finder,
    result_or_fail,
)

SPEC = dict(
    argument_spec=dict(
        interface=dict(type="str", required=True),
        addresses=dict(type="list", elements="str", default=[]),
        purge=dict(type="bool", default=True),
        up=dict(type="bool", default=False),
        boot=dict(type="bool", default=True),
        announce=dict(type="bool", default=False),
        hand_over=dict(type="list", elements="str", default=[]),
        keep_interfaces=dict(type="list", elements="str"),
    ),
    supports_check_mode=True,
)

ROOT = "/"


def run(module):
    params = module.params

    def work():
        return ip_address.converge_with_others(
            command_runner(module), executable_finder(module), ip_address.Files(ROOT), params["interface"],
            params["addresses"], keep_interfaces=params["keep_interfaces"], purge=params["purge"], up=params["up"],
            boot=params["boot"], check_mode=module.check_mode, diff=module._diff,
            announce=neighbour_announce.announce if params["announce"] else None, hand_over=params["hand_over"])

    return result_or_fail(module, work, interface=params["interface"])
