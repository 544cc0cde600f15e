# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body of the ipvs_service module: its options, and one run on anything shaped like
AnsibleModule (the module itself, or drift's check-mode stand-in)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import drain_markers
from ansible_collections.lvs.cluster.plugins.module_utils.command import result_or_fail
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import converge
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import plan_services
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import desired_service
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_retire import Retirement
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_module import ipvsadm_backend, service_options

SINGLE = ("protocol", "vip", "port", "fwmark", "family", "scheduler", "scheduler_flags",
          "persistence_timeout", "persistence_netmask", "persistence_engine", "one_packet",
          "destinations")


def _spec():
    argument_spec = service_options()
    argument_spec.update(services=dict(type="list", elements="dict", options=service_options()),
                         drain_markers=dict(type="path"), drain_timeout=dict(type="int", default=0))
    return dict(argument_spec=argument_spec, mutually_exclusive=[("services", name) for name in SINGLE],
                supports_check_mode=True)


SPEC = _spec()


def run(module):
    params = module.params
    list_form = params["services"] is not None
    if not list_form and params["protocol"] is None and params["fwmark"] is None:
        module.fail_json(msg="give protocol, vip and port, or fwmark (one service), or services (a list)")
    return result_or_fail(module, lambda: _converge(module, list_form),
                          lambda failed: _shape(failed, list_form, module._diff))


def _converge(module, list_form):
    params = module.params
    if list_form:
        desired = [desired_service(entry, "services[%d]." % index)
                   for index, entry in enumerate(params["services"])]
    else:
        desired = [desired_service(params)]
    if params["drain_markers"]:
        drain_markers.quiesce(desired, drain_markers.read(params["drain_markers"]))
    if params["drain_timeout"] < 0:
        module.fail_json(msg="drain_timeout=%r: must be 0 or more (seconds)" % params["drain_timeout"], changed=False)
    backend = ipvsadm_backend(module)
    live = backend.read_table()
    # the top-level purge is about services in the list form, about real servers otherwise
    targets, scope = plan_services(live, desired, params["purge"] if list_form else False)
    result = converge(backend, live, targets, scope, check_mode=module.check_mode,
                      compact=list_form, diff=module._diff, retirement=Retirement(params["drain_timeout"]))
    return _shape(result, list_form, module._diff)


def _shape(result, list_form, diff):
    shaped = dict(result)
    before, after = shaped.pop("before", None), shaped.pop("after", None)
    if list_form:
        # a summary (in result already); before / after only what changes
        if diff and before is not None:
            shaped["diff"] = {"before": {"services": before}, "after": {"services": after}}
    else:
        shaped["service"] = after[0] if after else None
        if diff:
            shaped["diff"] = {"before": before[0] if before else {}, "after": after[0] if after else {}}
    return shaped
