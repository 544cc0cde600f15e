# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the nat_masquerade module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's and converge's stand-ins)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import nat_masquerade as nat
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner, find_executable, result_or_fail
from ansible_collections.lvs.cluster.plugins.module_utils.rules import converge

SPEC = dict(
    argument_spec=dict(
        network=dict(type="str"),
        interface=dict(type="str"),
    ),
    supports_check_mode=True,
)


def run(module):
    params = module.params

    def work():
        wanted = nat.validate(params["network"], params["interface"])
        nft = find_executable(module, "nft")
        run_command = command_runner(module)
        current, desired, result = converge(nat.NftMasquerade(run_command, nft), run_command, lambda _current: wanted,
                                            check_mode=module.check_mode, diff=module._diff)
        return dict(before=nat.rules_as_dicts(current.rules), stale=current.stale,
                    rules=nat.rules_as_dicts(desired), **result)

    return result_or_fail(module, work)
