"""Each role's variables are documented where users read them, and the argument specs and
defaults agree: every option of every entry point's spec is in the role's README and
(except the shared description) has a default; every public default has a spec; every
entry point's spec carries defaults/main.yml's value as its default (none where that is
null or absent)."""

import json
from pathlib import Path

import pytest
import yaml

ROLES = Path(__file__).resolve().parents[3] / "roles"
# the one description both roles read, and the per-host address the filter also reads
# (unset means ansible_host): no defaults on purpose
SHARED = {"lvs_cluster", "real_server_address"}


def role_names():
    return sorted(path.name for path in ROLES.iterdir() if (path / "meta" / "argument_specs.yml").exists())


def specs(role):
    return yaml.safe_load((ROLES / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]


def test_both_roles_exist():
    assert role_names() == ["real_server", "router"]


@pytest.mark.parametrize("role", role_names())
def test_every_entry_point_has_a_spec(role):
    entry_points = {path.stem for path in (ROLES / role / "tasks").glob("*.yml")} & {"main", "validate"}
    assert entry_points <= set(specs(role))


@pytest.mark.parametrize("role", role_names())
def test_options_are_in_the_readme_and_the_defaults(role):
    readme = (ROLES / role / "README.md").read_text()
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    options = specs(role)["main"]["options"]
    for name in options:
        assert "`%s`" % name in readme, "%s: %s is not in README.md" % (role, name)
        if name not in SHARED and not options[name].get("required"):
            assert name in defaults, "%s: %s has no default" % (role, name)
    public = {name for name in defaults if not name.startswith("__")}
    assert public <= set(options), "%s: defaults without a spec: %s" % (role, public - set(options))
    assert all(name.startswith(role + "_") for name in public), "%s: unprefixed defaults" % role


def as_data(value):
    """value as JSON, so 1 and true, or "1" and 1, differ (== alone takes 1 == True)."""
    return json.dumps(value, sort_keys=True)


def default_mismatches(role, defaults):
    """[(entry point, option, spec's default, defaults/main.yml's value)] that differ."""
    return [(entry, name, option.get("default"), defaults.get(name))
            for entry, spec in sorted(specs(role).items())
            for name, option in sorted((spec.get("options") or {}).items())
            if as_data(option.get("default")) != as_data(defaults.get(name))]


@pytest.mark.parametrize("role", role_names())
def test_every_entry_point_carries_the_defaults_of_defaults_main(role):
    # `ansible-doc -t role` shows the spec's default, the role uses defaults/main.yml's:
    # they must be one value. An option whose default is null or absent has none in the
    # spec either (null: the role computes it; lvs_cluster: required).
    defaults = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}
    assert default_mismatches(role, defaults) == []


def test_a_changed_default_is_a_mismatch():
    defaults = yaml.safe_load((ROLES / "router" / "defaults" / "main.yml").read_text())
    changed = dict(defaults, router_save_table=1, router_hosts=["router1"],
                   router_sysctls=dict(defaults["router_sysctls"], **{"net.ipv4.vs.sync_retries": "3"}))
    assert {(entry, name) for entry, name, _spec, _value in default_mismatches("router", changed)} == {
        ("main", "router_save_table"), ("main", "router_hosts"), ("facts", "router_hosts"), ("validate", "router_hosts"),
        ("drain", "router_hosts"), ("restore", "router_hosts"), ("main", "router_sysctls")}
