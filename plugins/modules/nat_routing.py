#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nat_routing
short_description: Route a NAT real server's replies through the routers, by source, leaving main's default alone
version_added: 0.1.0
description:
  - A NAT reply leaves with one of O(sources) (the host's own addresses in NAT services) as
    its source and must go back through O(gateway), the routers' floating NAT address; a
    direct-routing or tunnelling reply (source the VIP) must leave by the host's own default
    gateway. The main table's default route is never touched.
  - Sets routing table 32701 to C(default via GATEWAY), the rule C(from SOURCE lookup 32701)
    at priority 32701 for each source, and before them C(lookup main suppress_prefixlength 0)
    at priority 32700, so that every route of main more specific than its default (the LAN,
    the routers' health checks) still wins.
  - Rules at priorities 32700 and 32701 and routes in table 32701 are the collection's; any
    of them that is not wanted is removed; nothing else is changed. Without O(gateway), all
    of them go (both families). Reads C(ip -j rule) and C(ip -j route show table 32701)
    before it writes, and again after, to check the result.
  - Live only; the real_server role restores the same state at boot with
    C(lvs-cluster-nat-route.service) (filter P(lvs.cluster.nat_route_unit#filter)).
author:
  - lvs.cluster maintainers (@lvs-cluster)
options:
  gateway:
    description: The routers' floating NAT address (IPv4 or IPv6). Empty or null removes the collection's rules and routes.
    type: str
  sources:
    description: The host's NAT real-server addresses (the gateway's family); required with O(gateway).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - lvs.cluster.attributes
"""

EXAMPLES = r"""
- name: NAT replies of 198.51.100.21 through the routers' NAT address
  lvs.cluster.nat_routing:
    gateway: 198.51.100.1
    sources: [198.51.100.21]

- name: The host serves no NAT service any more
  lvs.cluster.nat_routing:
    gateway: null
"""

RETURN = r"""
commands:
  description: What was applied (in check mode, what would be), each the program's name and its arguments.
  returned: always
  type: list
  elements: str
  sample: ["ip -4 route replace default via 198.51.100.1 table 32701", "ip -4 rule add priority 32700 table main suppress_prefixlength 0"]
table:
  description: The routing table the collection uses.
  returned: always
  type: int
  sample: 32701
priorities:
  description: The rule priorities the collection uses.
  returned: always
  type: list
  elements: int
  sample: [32700, 32701]
applied:
  description: When a command failed, the commands (of RV(commands)) that ran before it.
  returned: on failure to apply
  type: list
  elements: str
  sample: []
rc:
  description: The exit status of the command that failed.
  returned: on failure
  type: int
  sample: 2
stderr:
  description: What the command that failed printed on its error output.
  returned: on failure
  type: str
  sample: "Error: Nexthop has invalid gateway."
diff:
  description: The collection's rules and routes, before and after.
  returned: in diff mode
  type: dict
  sample: {"before": "", "after": "priority 32700 table main suppress_prefixlength 0\n"}
"""

from ansible_collections.lvs.cluster.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils.bodies import nat_routing as body


def main():
    module = AnsibleModule(**body.SPEC)
    module.exit_json(**body.run(module))


if __name__ == "__main__":
    main()
