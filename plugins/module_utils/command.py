# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection runs a command, reports it, and reports a failure.

A command is an argument list, run in the C locale (the parsers read English, unlocalised
output), never through a shell; its exit status is left to the caller. The pure logic in
module_utils takes the returned ``run(argv, data=None) -> (rc, out, err)`` callable, so it
can be tested with recorded outputs instead of AnsibleModule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

C_LOCALE = {"LC_ALL": "C", "LANG": "C"}


class CommandError(RuntimeError):
    """A command that reads the target failed, or printed what cannot be parsed."""

    def __init__(self, message, rc=None, stderr=""):
        super(CommandError, self).__init__(message)
        self.rc = rc
        self.stderr = stderr


class ApplyError(RuntimeError):
    """Applying a change failed; result is the module's result so far (applied, rc, stderr...)."""

    def __init__(self, message, result):
        super(ApplyError, self).__init__(message)
        self.result = result


def command_text(argv, data=None):
    """One entry of a result's ``commands``: the program's name (not its path) and its
    arguments; input given on stdin follows on the next lines."""
    text = " ".join([os.path.basename(argv[0])] + list(argv[1:]))
    if data:
        text += "\n" + data.rstrip("\n")
    return text


def command_runner(module):
    """run(argv, data=None) on the target through module.run_command; data goes to stdin as is."""
    def run(argv, data=None):
        return module.run_command(argv, data=data, binary_data=True, environ_update=C_LOCALE,
                                  check_rc=False)
    return run


def not_installed(name):
    """What every part of the collection says of a program the host does not have."""
    return "needs the executable %r, which is not installed (or not on PATH)" % name


def find_binary(module, name, backend):
    """The path of name on the target; a failure that names the back end needing it."""
    path = module.get_bin_path(name)
    if path is None:
        module.fail_json(msg="backend=%r: %s" % (backend, not_installed(name)), changed=False)
    return path


def result_or_fail(module, work, shape=None, **extra):
    """work() -> the module's result; bad input, a failed read and a failed change become
    fail_json, the same way in every module (shape turns an ApplyError's result into the
    module's result, as work does for a success)."""
    try:
        return work()
    except ValidationError as error:
        module.fail_json(msg=str(error), changed=False, **extra)
    except CommandError as error:
        module.fail_json(msg=str(error), changed=False, rc=error.rc, stderr=error.stderr, **extra)
    except ApplyError as error:
        result = shape(error.result) if shape else error.result
        module.fail_json(msg=str(error), **dict(result, **extra))
