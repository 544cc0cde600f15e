# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the kernel_modules module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.lvs.cluster.plugins.module_utils import kernel_modules as km, owned_file
from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    ApplyError,
    command_runner,
    command_text,
    find_executable,
    result_or_fail,
)

SPEC = dict(
    argument_spec=dict(names=dict(type="list", elements="str", required=True),
                       path=dict(type="path", required=True)),
    supports_check_mode=True)

HEADER = "Written by lvs.cluster (the kernel_modules module); changes here are overwritten."


def _loaded():
    return set(os.listdir("/sys/module")) if os.path.isdir("/sys/module") else set()


def _diff_text(text, loaded):
    return (text or "") + "# loaded now: %s\n" % " ".join(loaded)


def run(module):
    params = module.params

    def work():
        names = km.validate(params["names"])
        loaded = _loaded()
        absent = km.missing(names, loaded)
        current_text = owned_file.read(params["path"])
        listed, ours = km.parse_file(current_text)
        # what the collection loaded and the description no longer asks for, it unloads
        unload = km.unloads(names, listed, ours, loaded)
        wanted_text = km.render_file(names, HEADER, km.records(names, listed, ours, loaded)) if names else None
        file_changed = current_text != wanted_text
        commands = ([command_text(km.unload_argv(unload))] if unload else []) + \
            ([command_text(km.load_argv(absent))] if absent else [])
        result = dict(changed=bool(absent or unload) or file_changed, loaded=absent, unloaded=unload,
                      file_changed=file_changed, commands=commands)
        if module._diff:
            present = [name for name in names if name not in absent]
            result["diff"] = {"before": _diff_text(current_text, present + unload),
                              "after": _diff_text(wanted_text, names)}
        # found in check mode too: the run it predicts needs it
        modprobe = find_executable(module, km.MODPROBE) if absent or unload else None
        if module.check_mode:
            return result
        run_command = command_runner(module)
        if unload:
            rc, _out, err = run_command(km.unload_argv(unload, modprobe))
            if rc != 0:
                raise ApplyError("%s failed (rc=%s): %s" % (commands[0], rc, err.strip()),
                                 dict(result, changed=False, applied=[], rc=rc, stderr=err))
        try:
            return owned_file.apply(run_command, km.load_argv(absent, modprobe) if absent else None,
                                    params["path"], wanted_text, result)
        except ApplyError as error:
            error.result["applied"] = commands[:1] if unload else []
            raise

    return result_or_fail(module, work)
