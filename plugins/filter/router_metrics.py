# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""listen_address | lvs.cluster.router_metrics_defaults(collectors, textfile_directory): the
router role's /etc/default/prometheus-node-exporter (module_utils/router_metrics.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.module_utils.router_metrics import exporter_defaults
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError


def router_metrics_defaults(listen_address, collectors, textfile_directory):
    try:
        return exporter_defaults(listen_address, collectors, textfile_directory)
    except ValidationError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {"router_metrics_defaults": router_metrics_defaults}
