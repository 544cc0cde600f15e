# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the nat_routing module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import nat_routing
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner, find_executable, result_or_fail

SPEC = dict(
    argument_spec=dict(
        gateway=dict(type="str", default=None),
        sources=dict(type="list", elements="str", default=[]),
    ),
    supports_check_mode=True,
)


def run(module):
    params = module.params

    def work():
        return nat_routing.converge(command_runner(module), params["gateway"], params["sources"],
                                    check_mode=module.check_mode, diff=module._diff,
                                    ip=find_executable(module, nat_routing.IP))

    return result_or_fail(module, work)
