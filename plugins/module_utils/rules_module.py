# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue of the modules that own firewall rules (arptables_vip, fwmark) on AnsibleModule:
validate, pick the back end, converge (rules.converge), report or fail."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    command_runner,
    executable_finder,
    result_or_fail,
)
from ansible_collections.lvs.cluster.plugins.module_utils.rules import converge


def run_rules_module(module, make_backend, want_of, report):
    """The module's result. make_backend(name, run, which) -> back end; want_of() validates
    the options and returns want(current) -> desired; report(current, desired) -> the
    module's own keys."""
    name = module.params["backend"]

    def work():
        want = want_of()
        run = command_runner(module)
        backend = make_backend(name, run, executable_finder(module, context="backend=%r" % name))
        current, desired, result = converge(backend, run, want, check_mode=module.check_mode, diff=module._diff)
        return dict(report(current, desired), backend=name, **result)

    return result_or_fail(module, work, backend=name)
