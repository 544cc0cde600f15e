# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AnsibleModule every module of the collection runs on (glue: only this file, the
modules and the other glue know AnsibleModule).

Its run_command takes the calls the collection makes (module_utils/command.command_runner:
an argument list, data on stdin, the C locale, the exit status left to the caller) and
starts the program directly. basic.AnsibleModule.run_command gives Popen a preexec hook
(for a umask the collection never asks for), which makes Python copy the whole module
process with fork() instead of starting the child with vfork(): measured on the lab's
UML guests, 0.18 s a command against 0.05-0.07 s (docs/benchmarks.md). A router's read
runs 8 commands, its first converge dozens. Any other call goes to basic's run_command.

Unlike basic's, it reads the program's output until the program closes it: none of the
programs the collection runs (ip, nft, ipvsadm, sysctl, systemctl, the package and
firewall tools, keepalived's config test) leaves a child holding it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes, to_native


class AnsibleModule(basic.AnsibleModule):

    def run_command(self, args, check_rc=False, data=None, binary_data=False, environ_update=None, **kwargs):
        if check_rc or kwargs or not isinstance(args, (list, tuple)):
            return super(AnsibleModule, self).run_command(
                args, check_rc=check_rc, data=data, binary_data=binary_data, environ_update=environ_update, **kwargs)
        if data and not binary_data:
            data += "\n"
        try:
            process = subprocess.Popen(
                [to_bytes(arg, errors="surrogate_or_strict") for arg in args],
                stdin=subprocess.PIPE if data else None, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                close_fds=True, env=child_environment(os.environ, self.run_command_environ_update, environ_update))
            out, err = process.communicate(to_bytes(data) if data else None)
        except (OSError, IOError) as error:
            # as basic's run_command reports it (a program is found before it is run, so
            # this is a program that vanished or cannot be executed)
            self.fail_json(msg=to_native(error), rc=error.errno, cmd=" ".join(to_native(arg) for arg in args),
                           stdout="", stderr="")
        return (process.returncode, to_native(out, errors="surrogate_or_strict"),
                to_native(err, errors="surrogate_or_strict"))


def child_environment(environ, *updates):
    """The program's environment: the module's, the updates over it, and without the
    AnsiballZ paths in PYTHONPATH (as basic's run_command removes them)."""
    env = dict(environ)
    for update in updates:
        env.update(update or {})
    if "PYTHONPATH" in env:
        paths = [path for path in env["PYTHONPATH"].split(":")
                 if path and not path.endswith("/ansible_modlib.zip") and not path.endswith("/debug_dir")]
        if paths:
            env["PYTHONPATH"] = ":".join(paths)
        else:
            del env["PYTHONPATH"]
    return env
