# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Converge the collection's own firewall rules (arptables_vip, fwmark) through a back end.

A back end has read() -> state, plan(current, desired) -> steps, render_current(state) and
render(desired) (text for diff), and note(argv, stderr) (what a failed step means). A step is
(argv, stdin or None); the steps run in order and the first failure stops them.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, command_text


def converge(backend, run, want, check_mode=False, diff=False):
    """(current, desired, result): read, plan with want(current) -> desired, apply.

    result has changed, commands and, in diff mode, diff. Raises ApplyError with the result,
    applied (the commands that took effect), rc and stderr when a step fails.
    """
    current = backend.read()
    desired = want(current)
    steps = backend.plan(current, desired)
    result = {"changed": bool(steps), "commands": [command_text(argv, data) for argv, data in steps]}
    if diff:
        result["diff"] = {"before": backend.render_current(current), "after": backend.render(desired)}
    if not check_mode:
        _apply(backend, run, steps, result)
    return current, desired, result


def _apply(backend, run, steps, result):
    for done, (argv, data) in enumerate(steps):
        rc, _out, err = run(argv, data=data)
        if rc != 0:
            failed = dict(result, changed=done > 0, applied=result["commands"][:done], rc=rc, stderr=err)
            message = "%s failed (rc=%s): %s; %d of %d commands applied before it. %s" % (
                command_text(argv), rc, err.strip() or "no message", done, len(steps), backend.note(argv, err))
            raise ApplyError(message.strip(), failed)
