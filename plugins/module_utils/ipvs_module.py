# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Glue shared by the IPVS modules: argument specs and the ipvsadm runner on AnsibleModule.

Only the glue (this file, ansible_module.py, command.py, rules_module.py) and the modules
know AnsibleModule; the logic is in validation, ipvs_model, ipvs_diff, ipvs_apply and
ipvsadm.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    METHODS,
    PERSISTENCE_ENGINES,
    SCHEDULERS,
    TUNNEL_CHECKSUMS,
    TUNNEL_TYPES,
    ALL_FLAGS,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import FAMILIES, PROTOCOLS
from ansible_collections.lvs.cluster.plugins.module_utils.command import command_runner, find_executable
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import Ipvsadm


def destination_options():
    return dict(
        address=dict(type="str", required=True),
        port=dict(type="int"),
        method=dict(type="str", choices=list(METHODS)),
        weight=dict(type="int"),
        upper_threshold=dict(type="int"),
        lower_threshold=dict(type="int"),
        tunnel_type=dict(type="str", choices=list(TUNNEL_TYPES)),
        tunnel_port=dict(type="int"),
        tunnel_checksum=dict(type="str", choices=list(TUNNEL_CHECKSUMS)),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def identity_options():
    """What names a service: protocol, vip and port, or fwmark and family."""
    return dict(
        protocol=dict(type="str", choices=list(PROTOCOLS)),
        vip=dict(type="str"),
        port=dict(type="int"),
        fwmark=dict(type="int"),
        family=dict(type="str", choices=list(FAMILIES)),
    )


def service_options():
    options = identity_options()
    options.update(
        scheduler=dict(type="str", choices=list(SCHEDULERS)),
        scheduler_flags=dict(type="list", elements="str", choices=list(ALL_FLAGS)),
        persistence_timeout=dict(type="int"),
        persistence_netmask=dict(type="str"),
        persistence_engine=dict(type="str", choices=list(PERSISTENCE_ENGINES) + ["none"]),
        one_packet=dict(type="bool"),
        destinations=dict(type="list", elements="dict", options=destination_options()),
        purge=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )
    return options


def ipvsadm_backend(module):
    return Ipvsadm(command_runner(module), binary=find_executable(module, "ipvsadm"))
