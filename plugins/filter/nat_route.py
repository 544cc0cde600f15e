# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gateway | lvs.cluster.nat_route_unit(sources): the boot unit that restores the
nat_routing module's rules and table, rendered on the controller by the module's own code
(plugins/module_utils/nat_routing.py), so check mode predicts the file exactly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils import nat_routing
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError


def nat_route_unit(gateway, sources):
    try:
        return nat_routing.unit_text(gateway, sources)
    except ValidationError as error:
        raise AnsibleFilterError("nat_route_unit: %s" % error)


class FilterModule(object):
    def filters(self):
        return {"nat_route_unit": nat_route_unit}
