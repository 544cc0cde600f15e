"""Each role's variables are documented where users read them, and the argument specs and
defaults agree: every option of every entry point's spec is in the role's README and
(except the shared description) has a default; every public default has a spec."""

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
