# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plan | lvs.cluster.plan_parts(run_tags, skip_tags, role): the names of the parts of a
role's plan that a run with these tags applies, in the plan's order (both roles' converge
call, tasks/converge.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def plan_parts(plan, run_tags, skip_tags, role):
    """Every part when the run asks for all tags or the role's own tag; otherwise the parts
    one of whose tags was asked for. A part all of whose tags are skipped is left out."""
    try:
        part_names = [part["name"] for part in plan["parts"]]
        part_tags = plan["part_tags"]
    except (KeyError, TypeError) as error:
        raise AnsibleFilterError("plan_parts: not a role's plan (parts, part_tags): %s" % error)
    every = "all" in run_tags or role in run_tags
    selected = []
    for name in part_names:
        tags = part_tags.get(name, [])
        asked = every or any(tag in run_tags for tag in tags)
        if asked and any(tag not in skip_tags for tag in tags):
            selected.append(name)
    return selected


class FilterModule(object):
    def filters(self):
        return {"plan_parts": plan_parts}
