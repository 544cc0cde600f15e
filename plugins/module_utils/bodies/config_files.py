# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the config_files module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import config_files
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner, find_executable, result_or_fail

SPEC = dict(
    argument_spec=dict(files=dict(
        type="list", elements="dict", required=True,
        options=dict(path=dict(type="path", required=True), content=dict(type="str"), link=dict(type="path"),
                     mode=dict(type="str", default="0644"),
                     validate=dict(type="list", elements="str"))),
        daemon_reload=dict(type="bool", default=False)),
    supports_check_mode=True)


def _programs_found(module, entries, changes):
    """The changes with each validate command's program found on the target (its path in
    the command's place; results name the program as before). Not in check mode, where
    nothing is validated: a program an earlier part of the same converge call installs
    (keepalived-config-test) is not there yet."""
    found = []
    for entry in changes:
        check = entry["validate"]
        if check and "%s" not in check[0]:
            where = "files[%d].validate=%r" % (entries.index(entry), check)
            entry = dict(entry, validate=[find_executable(module, check[0], context=where)] + check[1:])
        found.append(entry)
    return found


def run(module):
    def work():
        entries = config_files.validate(module.params["files"])
        current = dict((entry["path"], config_files.read(entry["path"])) for entry in entries)
        changes = config_files.plan(entries, current)
        result = dict(changed=bool(changes), changed_files=[entry["path"] for entry in changes])
        result["daemon_reloaded"] = module.params["daemon_reload"] and config_files.reload_needed(changes, current)
        if module._diff:
            result["diff"] = config_files.diff(changes, current)
        if module.check_mode or not changes:
            return dict(result, validated=[])
        # found before any file is written: a host without systemd fails with nothing changed
        systemctl = result["daemon_reloaded"] and find_executable(module, "systemctl", context="daemon_reload=true")
        run = command_runner(module)
        result = config_files.apply(run, _programs_found(module, entries, changes), result)
        if systemctl:
            config_files.daemon_reload(run, systemctl, result)
        return result

    return result_or_fail(module, work)
