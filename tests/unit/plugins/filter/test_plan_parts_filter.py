"""plan_parts: which parts of a role's plan a run applies, by its tags (both roles'
tasks/converge.yml)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.plugins.filter.plan_parts import FilterModule, plan_parts

PLAN = {
    "parts": [{"name": "kernel_modules"}, {"name": "sysctls"}, {"name": "boot_files"},
              {"name": "loopback"}, {"name": "nat_routing"}, {"name": "untagged"}],
    "part_tags": {
        "kernel_modules": ["real_server_dr", "real_server_tun"],
        "sysctls": ["real_server_dr", "real_server_tun"],
        "boot_files": ["real_server_dr", "real_server_nat"],
        "loopback": ["real_server_dr"],
        "nat_routing": ["real_server_nat"],
        "tunnel": ["real_server_tun"],   # a part this host's plan does not have
    },
}
TAGGED = ["kernel_modules", "sysctls", "boot_files", "loopback", "nat_routing", "tunnel"]


@pytest.mark.parametrize("run_tags", [["all"], ["real_server"], ["real_server", "other"]])
def test_all_tags_or_the_roles_own_select_every_part_the_role_knows(run_tags):
    """tunnel too, which this plan does not have: the role takes back what it set there."""
    assert plan_parts(PLAN, run_tags, [], "real_server") == TAGGED


def test_one_tag_selects_the_parts_it_names():
    assert plan_parts(PLAN, ["real_server_nat"], [], "real_server") == ["boot_files", "nat_routing"]
    assert plan_parts(PLAN, ["real_server_tun"], [], "real_server") == ["kernel_modules", "sysctls", "tunnel"]


def test_a_part_is_left_out_only_when_every_tag_of_it_is_skipped():
    assert plan_parts(PLAN, ["all"], ["real_server_dr"], "real_server") == [
        "kernel_modules", "sysctls", "boot_files", "nat_routing", "tunnel"]
    assert plan_parts(PLAN, ["all"], ["real_server_dr", "real_server_nat"], "real_server") == [
        "kernel_modules", "sysctls", "tunnel"]


def test_another_roles_tag_selects_nothing():
    assert plan_parts(PLAN, ["router"], [], "real_server") == []


def test_not_a_plan_is_refused_by_name():
    with pytest.raises(AnsibleFilterError, match="plan_parts: not a role's plan"):
        plan_parts({"parts": []}, ["all"], [], "router")
    with pytest.raises(AnsibleFilterError, match="plan_parts: not a role's plan"):
        plan_parts({"part_tags": ["ipvs"]}, ["all"], [], "router")


def test_registered():
    assert FilterModule().filters()["plan_parts"] is plan_parts
