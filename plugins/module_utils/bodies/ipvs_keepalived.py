# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the ipvs_keepalived module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import drain_markers
from ansible_collections.lvs.cluster.plugins.module_utils.command import result_or_fail
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_keepalived import desired_services, heal
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_retire import Retirement
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_module import ipvsadm_backend, service_options
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_checkers import (
    DEFAULT_DUMP_FILE,
    DEFAULT_PID_FILE,
    DumpRequest,
    parse,
)

SPEC = dict(
    argument_spec=dict(
        services=dict(type="list", elements="dict", required=True, options=service_options()),
        dump_file=dict(type="path", default=DEFAULT_DUMP_FILE),
        pid_file=dict(type="path", default=DEFAULT_PID_FILE),
        timeout=dict(type="int", default=10),
        drain_markers=dict(type="path"),
        drain_timeout=dict(type="int", default=0),
    ),
    supports_check_mode=True,
)


def run(module):
    return result_or_fail(module, lambda: _heal(module), lambda failed: _shape(failed, module._diff))


def _heal(module):
    params = module.params
    desired = desired_services(params["services"])
    if params["drain_markers"]:
        # a service keepalived does not know yet gets the described weights, a drained real
        # server's 0 (those it knows have keepalived's weight, its FILE_CHECK's included)
        drain_markers.quiesce(desired, drain_markers.read(params["drain_markers"]))
    if params["timeout"] < 1:
        module.fail_json(msg="timeout=%r: must be at least 1 (seconds)" % params["timeout"], changed=False)
    if params["drain_timeout"] < 0:
        module.fail_json(msg="drain_timeout=%r: must be 0 or more (seconds)" % params["drain_timeout"], changed=False)
    request = DumpRequest(params["pid_file"], params["dump_file"], params["timeout"])
    result = heal(ipvsadm_backend(module), lambda: parse(request()), desired,
                  check_mode=module.check_mode, diff=module._diff, retirement=Retirement(params["drain_timeout"]))
    return _shape(result, module._diff)


def _shape(result, diff):
    shaped = dict(result)
    before, after = shaped.pop("before", None), shaped.pop("after", None)
    if diff and before is not None:
        shaped["diff"] = {"before": {"services": before}, "after": {"services": after}}
    return shaped
