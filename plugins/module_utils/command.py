# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection runs a command: an argument list, the C locale (the
parsers read English, unlocalised output), never a shell, the exit status left to the caller.

The pure logic in module_utils takes the returned `run(argv, data=None) -> (rc, out, err)`
callable, so it can be tested with recorded outputs instead of AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


def command_runner(module):
    """run(argv, data=None) on the target through module.run_command; data goes to stdin as is."""
    def run(argv, data=None):
        return module.run_command(argv, data=data, binary_data=True, environ_update=C_LOCALE,
                                  check_rc=False)
    return run
