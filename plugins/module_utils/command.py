# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection runs a command, reports it, and reports a failure.

A command is an argument list, run in the C locale (the parsers read English, unlocalised
output), never through a shell; its exit status is left to the caller. The pure logic in
module_utils takes the returned ``run(argv, data=None) -> (rc, out, err)`` callable, so it
can be tested with recorded outputs instead of AnsibleModule. A program is found on the
target by find_executable (or executable_finder's ``which(name)``) before it is run, and
run by the path found.
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


def find_executable(module, name, required=True, context=None):
    """The one way the collection finds a program on the target: its path, from
    module.get_bin_path (PATH, then /sbin, /usr/sbin and /usr/local/sbin; an absolute name
    is checked as it is). Every program a module runs is found here first, so a missing one
    is reported the same way everywhere: not_installed(name), led by context when given
    (``backend='nftables'``, ``files[0].validate=[...]``), as the module's failure.

    get_bin_path is never asked to fail by itself: Ansible's message is another, and under
    drift and converge (module_utils/drift.BodyCall) the failure must be the body's
    fail_json, which fails one call or part, not the whole module.

    required=False: None when it is missing, for a caller to whom that is an answer (a
    probe of a tool the host may not have; drift's reads, answered rc 127)."""
    path = module.get_bin_path(name)
    if path is None and required:
        message = not_installed(name)
        module.fail_json(msg="%s: %s" % (context, message) if context else message, changed=False)
    return path


def executable_finder(module, required=True, context=None):
    """which(name) -> path: find_executable for one module, for the pure logic that takes
    a ``which`` callable (the rule back ends, ip_address, host_probes)."""
    return lambda name: find_executable(module, name, required=required, context=context)


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
