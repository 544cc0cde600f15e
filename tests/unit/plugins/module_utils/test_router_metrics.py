"""The router role's node exporter arguments (/etc/default/prometheus-node-exporter)."""

import shlex

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import router_metrics
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

TEXTFILE = "/var/lib/prometheus/node-exporter"


def args_of(text):
    """The words systemd gives the exporter: ARGS of the environment file, split."""
    lines = [line for line in text.splitlines() if line.startswith("ARGS=")]
    assert len(lines) == 1
    return shlex.split(lines[0][len("ARGS="):])[0].split()


def test_a_chosen_set_turns_the_others_off_and_always_names_ipvs_and_textfile():
    text = router_metrics.exporter_defaults("192.0.2.11:9100", ["netdev", "conntrack", "netdev"], TEXTFILE)
    assert text.startswith("# Written by lvs.cluster")
    assert args_of(text) == [
        "--web.listen-address=192.0.2.11:9100", "--collector.disable-defaults",
        "--collector.conntrack", "--collector.ipvs", "--collector.netdev", "--collector.textfile",
        "--collector.textfile.directory=" + TEXTFILE]


def test_null_keeps_node_exporter_s_default_set_with_ipvs_and_textfile_named():
    assert args_of(router_metrics.exporter_defaults(":9100", None, TEXTFILE + "/")) == [
        "--web.listen-address=:9100", "--collector.ipvs", "--collector.textfile",
        "--collector.textfile.directory=" + TEXTFILE]


def test_an_ipv6_address_in_brackets_is_written_in_its_short_form():
    words = args_of(router_metrics.exporter_defaults("[2001:DB8:2:0::11]:9100", [], TEXTFILE))
    assert words[0] == "--web.listen-address=[2001:db8:2::11]:9100"
    assert words[1:4] == ["--collector.disable-defaults", "--collector.ipvs", "--collector.textfile"]


@pytest.mark.parametrize("listen, why", [
    ("router1:9100", "must be ADDRESS:PORT"),
    ("192.0.2.11", "must be ADDRESS:PORT"),
    ("192.0.2.11:0", "the port must be 1 to 65535"),
    ("192.0.2.11:70000", "the port must be 1 to 65535"),
    ("192.0.2.300:9100", "'192.0.2.300' is not an IP address"),
    ("2001:db8::11:9100", "must be ADDRESS:PORT"),
    ("[192.0.2.11]:9100", "an IPv6 address goes in brackets"),
    ("192.0.2.11:9100 --web.config.file=/tmp/x", "must be ADDRESS:PORT"),
    (9100, "must be ADDRESS:PORT"),
])
def test_a_bad_listen_address_is_refused_by_the_variable_s_name(listen, why):
    with pytest.raises(ValidationError) as error:
        router_metrics.exporter_defaults(listen, [], TEXTFILE)
    assert str(error.value).startswith("router_metrics_listen_address=%r: " % (listen,))
    assert why in str(error.value)


@pytest.mark.parametrize("names, path", [
    ("netdev", "router_metrics_collectors='netdev'"),
    (["netdev", "ipvs --web.listen-address=:80"], "router_metrics_collectors[1]='ipvs --web.listen-address=:80'"),
    (["Netdev"], "router_metrics_collectors[0]='Netdev'"),
])
def test_a_bad_collector_is_refused_by_its_path(names, path):
    with pytest.raises(ValidationError) as error:
        router_metrics.exporter_defaults("127.0.0.1:9100", names, TEXTFILE)
    assert str(error.value).startswith(path + ": ")


@pytest.mark.parametrize("path", ["var/lib/x", "/var/lib/my textfiles", "/", "/var/lib/$HOME", None])
def test_a_bad_textfile_directory_is_refused(path):
    with pytest.raises(ValidationError) as error:
        router_metrics.exporter_defaults("127.0.0.1:9100", [], path)
    assert str(error.value).startswith("router_metrics_textfile_directory=%r: " % (path,))
