# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plan | lvs.cluster.plan_parts(run_tags, skip_tags, role): the names of the role's parts
that a run with these tags applies (both roles' converge call, tasks/converge.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError


def plan_parts(plan, run_tags, skip_tags, role):
    """Every part the role knows (part_tags) when the run asks for all tags or the role's own
    tag; otherwise the parts one of whose tags was asked for. A part all of whose tags are
    skipped is left out. The role's parts, not only this plan's: a part the description no
    longer asks for is selected too, for the role to take back what it set there (the
    router's keepalived_conf of a retired keepalived)."""
    try:
        part_tags = plan["part_tags"]
        items = part_tags.items()
    except (KeyError, TypeError, AttributeError) as error:
        raise AnsibleFilterError("plan_parts: not a role's plan (part_tags): %s" % error)
    every = "all" in run_tags or role in run_tags
    return [name for name, tags in items
            if (every or any(tag in run_tags for tag in tags)) and any(tag not in skip_tags for tag in tags)]


class FilterModule(object):
    def filters(self):
        return {"plan_parts": plan_parts}
