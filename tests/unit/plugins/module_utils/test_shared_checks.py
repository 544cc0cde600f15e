"""One interface-name check and one keepalived-string check (validation.interface_name,
validation.keepalived_string), and every user takes and refuses what they do: the cluster
model, the ip_address module's logic, keepalived_conf's quoting."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ip_address, validation
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import render
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError
from descriptions import changed

import test_cluster_ha as ha
import test_keepalived_conf as keepalived

GOOD_NAMES = ["eth0", "vec1", "tunl0", "lo", "eth0.100", "br-lan", "wg_0", "eth0:1", "a" * 15]
BAD_NAMES = ["", "eth 0", "a" * 16, "eth0@if5", "eth/0", "eth0\n", "ëth0", None, 5, ["eth0"]]


def taken(call, *args):
    try:
        call(*args)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_interface_names_taken(name):
    assert validation.interface_name("interface", name) == name


@pytest.mark.parametrize("name", BAD_NAMES)
def test_interface_names_refused(name):
    with pytest.raises(ValidationError) as caught:
        validation.interface_name("routers.public_interface", name)
    assert str(caught.value) == "routers.public_interface=%r: is not an interface name" % (name,)


@pytest.mark.parametrize("name", GOOD_NAMES + [name for name in BAD_NAMES if name is not None])
@pytest.mark.parametrize("key", [("routers", "public_interface"), ("routers", "private_interface"),
                                 ("routers", "sync", "interface")])
def test_the_model_and_ip_address_take_the_same_interface_names(name, key):
    """What the description names reaches ip_address (the VIPs, the NAT address): the model
    refuses what the module would (a name with @ was taken by the model, refused on the
    router)."""
    description = changed(ha.HA, key[:2], {key[2]: name}) if len(key) > 2 else changed(ha.HA, key, name)
    if key[-1] == "private_interface" and name == "vec1":
        description["routers"]["vrrp"]["private_virtual_router_id"] = 52
    model = taken(load, description, ha.HOSTS, ha.ROUTERS)
    assert model == taken(ip_address.validate, name, []) == taken(
        validation.interface_name, "interface", name), (name, key)


@pytest.mark.parametrize("text, why", [
    ("", "must be a non-empty string (a URL path)"),
    (None, "must be a non-empty string (a URL path)"),
    ("/" + "a" * 255, "is longer than 255 characters"),
    ('/a"b', "cannot be written into keepalived.conf safely: no quotes, backslashes or control "
             "characters (a URL path)"),
    ("/a\\b", "cannot be written into keepalived.conf safely"),
    ("/a\nb", "cannot be written into keepalived.conf safely"),
    ("/a\x7fb", "cannot be written into keepalived.conf safely"),
])
def test_keepalived_strings_refused(text, why):
    with pytest.raises(ValidationError) as caught:
        validation.keepalived_string("health_check.path", text, "a URL path")
    assert str(caught.value).startswith("health_check.path=%r: %s" % (text, why))


def test_keepalived_strings_taken():
    for text in ("/", "/health#{x}!", "/a'b", "/ü", "x" * 255):
        assert validation.keepalived_string("path", text, "a URL path") == text
    assert validation.keepalived_string("path", "x" * 2000, "a quoted string", None) == "x" * 2000


@pytest.mark.parametrize("text", ['/a"b', "/a\\b", "/a\tb", "/a\x00b"])
def test_the_model_and_keepalived_conf_refuse_the_same_strings(text):
    """The model refuses the health check's path by the check; keepalived_conf quotes every
    string through it again (here an inventory host name it writes as router_id)."""
    with pytest.raises(ClusterError) as caught:
        load(changed(ha.HA, ha.HC0 + ("path",), text), ha.HOSTS, ha.ROUTERS)
    assert "cannot be written into keepalived.conf safely" in str(caught.value)
    host = "router" + text[2:]
    cluster = load(keepalived.HA, keepalived.HOSTS, [host, "router2"])
    with pytest.raises(ClusterError) as caught:
        render(cluster, host, {})
    assert str(caught.value) == (
        "keepalived.conf=%r: cannot be written into keepalived.conf safely: no quotes, "
        "backslashes or control characters (a quoted string)" % host)
