# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the sysctls module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import owned_file, sysctl_settings as sysctl
from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    command_runner,
    command_text,
    find_executable,
    result_or_fail,
)

SPEC = dict(
    argument_spec=dict(settings=dict(type="dict", required=True),
                       comments=dict(type="dict", default={}),
                       path=dict(type="path", required=True)),
    supports_check_mode=True)

HEADER = "Written by lvs.cluster (the sysctls module); changes here are overwritten."


def _diff_text(text, live, keys):
    return (text or "") + "".join("# live: %s = %s\n" % (key, live.get(key)) for key in keys)


def run(module):
    params = module.params

    def work():
        entries = sysctl.validate(params["settings"], params["comments"])
        run_command = command_runner(module)
        current_text = owned_file.read(params["path"])
        settings, was = sysctl.parse_file(current_text)
        dropped = sysctl.dropped_keys(entries, settings, was)
        program = find_executable(module, sysctl.SYSCTL) if entries or dropped else None
        live = sysctl.parse_live(entries, *run_command(sysctl.read_argv(entries, program))) if entries else {}
        # what the collection set and the description no longer asks for goes back to what
        # it was before (read apart: an interface's parameter may be gone with it)
        dropped_live = sysctl.parse_listed(*run_command(sysctl.listed_argv(dropped, program))) if dropped else {}
        changes = sysctl.changed_live(entries, live) + sysctl.restores(dropped, settings, was, dropped_live)
        wanted_text = sysctl.render_file(entries, HEADER, sysctl.records(entries, settings, was, live)) if entries else None
        file_changed = current_text != wanted_text
        commands = [command_text(sysctl.write_argv(changes))] if changes else []
        result = dict(changed=bool(changes) or file_changed, file_changed=file_changed,
                      live_changes=dict(changes), commands=commands)
        if module._diff:
            keys = [key for key, _v, _c in entries] + dropped
            live = dict(live, **dropped_live)
            result["diff"] = {"before": _diff_text(current_text, live, keys),
                              "after": _diff_text(wanted_text, dict(live, **dict(changes)), keys)}
        if module.check_mode:
            return result
        return owned_file.apply(run_command, sysctl.write_argv(changes, program) if changes else None,
                                params["path"], wanted_text, result)

    return result_or_fail(module, work)
