# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vips | lvs.cluster.vip_redirect_file(backend, family): the vip_redirect module's rules for
these VIPs as the file a real server loads at boot (nft -f, or ip[6]tables-restore --noflush
for one family), rendered on the controller by the module's own code
(plugins/module_utils/redirect_rules.py), so it is known before the module runs and check
mode predicts the file exactly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils import redirect_rules as rr
from ansible_collections.lvs.cluster.plugins.module_utils.redirect_backends import BACKENDS
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    ValidationError,
    choice,
    fail,
    family as parse_family,
)


def boot_file(vips, backend="nftables", family=None):
    """The file's text ('' when it holds no rule); ValidationError on bad input."""
    backend = choice("backend", backend, BACKENDS)
    if backend == "nftables":
        if family is not None:
            fail("family", family, "only the iptables back ends keep one file per family; "
                 "the nftables table holds both")
    elif parse_family("family", family) is None:
        fail("family", family, "backend=%s needs the file's family, ipv4 or ipv6" % backend)
    if not vips:
        return ""
    vips, _state = rr.validate(vips, "present")
    if backend == "nftables":
        return rr.nft_boot_file(vips)
    return rr.ipt_boot_file(vips, family.strip().lower())


def vip_redirect_file(vips, backend="nftables", family=None):
    try:
        return boot_file(vips, backend, family)
    except ValidationError as error:
        raise AnsibleFilterError("vip_redirect_file: %s" % error)


class FilterModule(object):
    def filters(self):
        return {"vip_redirect_file": vip_redirect_file}
