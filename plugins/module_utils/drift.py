# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several of the collection's module calls, each run in check mode by its own body
(module_utils/bodies), in one Python process on the host: which of them would change it.

A module call costs about 2 s on a slow host, most of it Python starting and importing
Ansible's module code; the work itself is a few reads. A role that asks once whether the
host already is as described can skip its other calls when it is (the no-op re-run).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.lvs.cluster.plugins.module_utils.bodies import (
    arptables_vip,
    config_files,
    fwmark,
    ip_address,
    ipvs_keepalived,
    ipvs_service,
    kernel_modules,
    nat_masquerade,
    nat_routing,
    sysctls,
    vip_redirect,
)
from ansible_collections.lvs.cluster.plugins.module_utils import host_probes
from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    command_runner,
    executable_finder,
    find_executable,
    not_installed,
)

BODIES = {
    "arptables_vip": arptables_vip,
    "config_files": config_files,
    "fwmark": fwmark,
    "ip_address": ip_address,
    "ipvs_keepalived": ipvs_keepalived,
    "ipvs_service": ipvs_service,
    "kernel_modules": kernel_modules,
    "nat_masquerade": nat_masquerade,
    "nat_routing": nat_routing,
    "sysctls": sysctls,
    "vip_redirect": vip_redirect,
}


class CallFailed(Exception):
    """A body called fail_json: the call cannot be checked (for example a parameter of a
    kernel module not loaded yet), so it counts as one that would change the host."""


class BodyCall(object):
    """What a body sees of AnsibleModule for one call: its own validated options, the given
    check and diff modes, commands and executables through the real module; fail_json is
    the caller's (subclasses raise their own exception). Bodies find programs with
    command.find_executable, which calls get_bin_path without required and fails through
    this call's fail_json: one part fails, not the whole drift or converge module."""

    def __init__(self, module, params, check_mode, diff):
        self._module = module
        self.params = params
        self.check_mode = check_mode
        self._diff = diff

    def run_command(self, *args, **kwargs):
        return self._module.run_command(*args, **kwargs)

    def get_bin_path(self, name, required=False, opt_dirs=None):
        if required:
            return find_executable(self, name)
        return self._module.get_bin_path(name, required=False, opt_dirs=opt_dirs)

    def fail_json(self, msg, **result):
        raise NotImplementedError


class CheckModeCall(BodyCall):
    """A body's call in check mode always, no diff (drift). Its commands go through the
    drift's one ReadOnce: nothing changes the host during a drift, so a command several
    parts read with (``nft -j list ruleset``, ``ip -j address show``) runs once."""

    def __init__(self, module, params, reads=None):
        super(CheckModeCall, self).__init__(module, params, check_mode=True, diff=False)
        self._reads = reads or ReadOnce()

    def run_command(self, *args, **kwargs):
        return self._reads(self._module.run_command, *args, **kwargs)

    def fail_json(self, msg, **_result):
        raise CallFailed(msg)


class ReadOnce(object):
    """Runs each distinct command once and answers its repeats from memory: only for a
    module that changes nothing (drift), where the host cannot change between two reads.
    Each run costs 0.2-0.5 s on a slow host; a router's parts and probes repeat several."""

    def __init__(self):
        self._done = {}

    def __call__(self, run_command, argv, **kwargs):
        key = repr((list(argv), sorted(kwargs.items())))
        if key not in self._done:
            self._done[key] = run_command(argv, **kwargs)
        return self._done[key]


class _ReadOnceModule(object):
    """module, its run_command through a ReadOnce (for command_runner)."""

    def __init__(self, module, once):
        self._module, self._once = module, once

    def run_command(self, *args, **kwargs):
        return self._once(self._module.run_command, *args, **kwargs)


def check_call(module, body, args, reads=None):
    """{changed: bool} or, when the call cannot be checked, {changed: None, msg}. reads: the
    drift's ReadOnce (a fresh one when not given)."""
    spec = dict((key, value) for key, value in body.SPEC.items() if key != "supports_check_mode")
    checked = ArgumentSpecValidator(**spec).validate(args)
    if checked.error_messages:
        return dict(changed=None, msg="; ".join(checked.error_messages))
    try:
        result = body.run(CheckModeCall(module, checked.validated_parameters, reads or ReadOnce()))
    except CallFailed as failed:
        return dict(changed=None, msg=str(failed))
    return dict(changed=bool(result.get("changed")))


def drift(module, calls, reads, probes=None):
    """The module's result: each call checked, each read run (argv, C locale, never a shell),
    each probe answered as data (host_probes)."""
    once = ReadOnce()
    checked = dict((call["name"], check_call(module, BODIES[call["module"]], call["args"], once)) for call in calls)
    drifted = [call["name"] for call in calls if checked[call["name"]]["changed"] is not False]
    run, done = command_runner(_ReadOnceModule(module, once)), {}
    for read in reads:
        program = find_executable(module, read["argv"][0], required=False)
        if program is None:
            # a host the role has not set up yet (ipvsadm, nft not installed): an answer,
            # as a shell gives it, not a failure of the whole step
            rc, out, err = 127, "", not_installed(read["argv"][0])
        else:
            rc, out, err = run([program] + read["argv"][1:])
        done[read["name"]] = dict(rc=rc, stdout=out, stdout_lines=out.splitlines(), stderr=err)
    found = host_probes.probe(run, executable_finder(module, required=False), probes or {})
    return dict(changed=False, in_sync=not drifted, drifted=drifted, calls=checked, reads=done, probes=found)
