# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several of the collection's module calls applied in one Python process on the host, in
the order given, each by its module's own body (module_utils/bodies), stopping at the first
that fails: a role converges a host with one call instead of one per module (on a slow host
each call costs about 2 s, most of it Python starting). Check mode and diff mode reach each
body as they would reach its module, so the prediction is the module's own.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.lvs.cluster.plugins.module_utils.drift import BODIES, BodyCall


class PartFailed(Exception):
    """A body called fail_json: the part failed, with what the body reported."""

    def __init__(self, msg, result):
        super(PartFailed, self).__init__(msg)
        self.result = result


class PartCall(BodyCall):
    """A body's call in the run's own check and diff modes."""

    def __init__(self, module, params):
        super(PartCall, self).__init__(module, params, module.check_mode, module._diff)

    def fail_json(self, msg, **result):
        raise PartFailed(msg, result)


def _diffs(name, result):
    """The part's diff as a list of before/after entries, each header led by the part's name
    (a module's own header, such as a file's path, kept after it)."""
    diff = result.get("diff")
    if not diff:
        return []
    entries = diff if isinstance(diff, list) else [diff]
    return [dict(entry, before_header=_header(name, entry.get("before_header")),
                 after_header=_header(name, entry.get("after_header"))) for entry in entries]


def _header(name, header):
    return "%s: %s" % (name, header) if header else name


def apply_part(module, part):
    """One part's result; raises PartFailed (its options refused, or the body failing)."""
    body = BODIES[part["module"]]
    spec = dict((key, value) for key, value in body.SPEC.items() if key != "supports_check_mode")
    checked = ArgumentSpecValidator(**spec).validate(part["args"])
    if checked.error_messages:
        raise PartFailed("; ".join(checked.error_messages), {"changed": False})
    return body.run(PartCall(module, checked.validated_parameters))


def converge(module, parts):
    """(ok, result): every part applied in order, or the first failure and what came before.

    result: changed, changed_parts (names, in order), commands (every part's, in order),
    parts ({name: the body's result}),
    diff (in diff mode: each changed part's entries, headed by its name); on a failure also
    failed_part and msg ("NAME (parts[I], MODULE): the body's message"), the failed part's
    own result under parts, and nothing after it run."""
    done, diffs = {}, []
    for index, part in enumerate(parts):
        name = part["name"]
        try:
            result = apply_part(module, part)
        except PartFailed as failed:
            done[name] = dict(failed.result, failed=True, msg=str(failed))
            return False, _summary(parts, done, diffs, dict(
                failed_part=name, msg="%s (parts[%d], %s): %s" % (name, index, part["module"], failed)))
        done[name] = result
        if result.get("changed"):
            diffs.extend(_diffs(name, result))
    return True, _summary(parts, done, diffs, {})


def _summary(parts, done, diffs, extra):
    changed_parts = [part["name"] for part in parts
                     if part["name"] in done and done[part["name"]].get("changed")]
    commands = [command for part in parts if part["name"] in done
                for command in done[part["name"]].get("commands") or []]
    result = dict(changed=bool(changed_parts), changed_parts=changed_parts, commands=commands,
                  parts=done, **extra)
    if diffs:
        result["diff"] = diffs
    return result
