# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a planned IPVS change as one `ipvsadm -R` batch, with check mode and roll back.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.

`ipvsadm -R` goes on after a line the kernel refuses (and exits with the status of the last
line), so a batch is judged by its stderr and by the table read back. After a refusal every
service of the batch is classified: fully applied (kept, reported), untouched, or half
applied — those are rolled back to their state before the call, so no pool is left half
applied.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import (
    apply_operations,
    classify,
    operations,
    snapshot,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import service_name
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_retire import drain_first
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError


def converge(backend, live, targets, scope, check_mode=False, compact=False, diff=True, retirement=None):
    """Make the live table match targets for the keys in scope.

    backend: an ipvsadm.Ipvsadm (read_table, restore). live: the table read before.
    Returns a result dict (changed, commands, before, after); raises ApplyError (with the
    same kind of dict, plus applied / rolled_back / rc / stderr) when the kernel refused a
    line: applied are the commands of the services fully applied, rolled_back the names of
    the half-applied services put back as they were.
    before / after list every service in scope; with compact=True they list only the
    services that change, and only when diff is true (else they are left out), and the
    result has a summary (see summarise) instead.
    retirement: an ipvs_retire.Retirement - the real servers the change deletes that hold
    active connections are quiesced first and waited for (the result's `retired` says how
    that ended, its commands start with the quiesce); None deletes them at once.
    """
    ops = operations(live, targets, scope)
    predicted = apply_operations(live, ops)
    touched = set(op[1].key for op in ops)
    changed_keys = [key for key in scope if key in touched]
    result = {
        "changed": bool(ops),
        "commands": backend.commands(ops),
    }
    _report(result, live, predicted, scope, changed_keys, compact, diff)
    if retirement is not None:
        result["retired"] = []
    if not ops or check_mode:
        return result
    if retirement is not None:
        quiesced, result["retired"] = drain_first(backend, live, ops, retirement)
        result["commands"] = quiesced + result["commands"]
    rc, _out, err = backend.restore(ops)
    if rc == 0 and not (err or "").strip():
        return result
    # Something was refused: find out what the kernel holds now.
    now = backend.read_table()
    applied, _untouched, partial = classify(live, targets, now, scope)
    rolled_back = []
    rollback_error = ""
    if partial:
        back = dict((key, live.get(key)) for key in partial)
        undo = operations(now, back, partial)
        rb_rc, _rb_out, rb_err = backend.restore(undo)
        if rb_rc != 0 or (rb_err or "").strip():
            rollback_error = (rb_err or "").strip() or "rc=%s" % rb_rc
        now = backend.read_table()
        rolled_back = [service_name(key) for key in partial if now.get(key) == live.get(key)]
    changed_keys = [key for key in scope if now.get(key) != live.get(key)]
    result.update({
        "changed": bool(changed_keys),
        "applied": backend.commands([op for op in ops if op[1].key in applied]),
        "rolled_back": rolled_back,
        "rc": rc,
        "stderr": (err or "").strip(),
    })
    _report(result, live, now, scope, changed_keys, compact, diff)
    message = "ipvsadm -R refused part of the change (rc=%s): %s" % (rc, (err or "").strip() or "no message")
    message += "; fully applied: %s" % (", ".join(service_name(key) for key in applied) or "none")
    if partial:
        message += "; rolled back to their state before this task: %s" % (", ".join(rolled_back) or "none")
        not_back = [service_name(key) for key in partial if service_name(key) not in rolled_back]
        if not_back:
            message += "; COULD NOT ROLL BACK: %s (%s)" % (", ".join(not_back), rollback_error)
    raise ApplyError(message, result)


def _report(result, before, after, scope, changed_keys, compact, diff):
    if not compact:
        result["before"] = snapshot(before, scope)
        result["after"] = snapshot(after, scope)
        return
    result["summary"] = summarise(before, after, scope, changed_keys)
    if diff:
        result["before"] = snapshot(before, changed_keys)
        result["after"] = snapshot(after, changed_keys)
    else:
        result.pop("before", None)
        result.pop("after", None)


def summarise(before, after, scope, changed_keys):
    """Counts and names instead of the whole table (the list form of ipvs_service).

    services / destinations: the services in scope after the task and their real servers;
    added / changed / removed: the names of the services that changed, by kind;
    unchanged: how many services in scope stayed as they were.
    """
    added, changed, removed = [], [], []
    for key in changed_keys:
        if before.get(key) is None:
            added.append(service_name(key))
        elif after.get(key) is None:
            removed.append(service_name(key))
        else:
            changed.append(service_name(key))
    present = [after[key] for key in scope if after.get(key) is not None]
    return {
        "services": len(present),
        "destinations": sum(len(service.destinations) for service in present),
        "added": added,
        "changed": changed,
        "removed": removed,
        "unchanged": len(scope) - len(changed_keys),
    }
