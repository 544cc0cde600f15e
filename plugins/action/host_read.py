# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host_read action: one command line over the connection (no Python on the host),
its output parsed on the controller by module_utils/host_read.py. See the module's
documentation (plugins/modules/host_read.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.lvs.cluster.plugins.module_utils.host_read import HostReadError, command, parse


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True   # it only reads: the same in check mode

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if self._task.args:
            result.update(failed=True, msg="host_read takes no options (got %s)" % ", ".join(sorted(self._task.args)))
            return result
        done = self._low_level_execute_command(command())
        result["changed"] = False
        try:
            result.update(parse(done.get("stdout", "")))
        except HostReadError as error:
            result.update(failed=True, msg="reading the host failed: %s" % error, rc=done.get("rc"),
                          stderr=done.get("stderr", ""))
        return result
