"""ipvsadm output parsing and rendering, on outputs recorded from the lab kernel
(tests/unit/fixtures/ipvs/record.sh)."""

from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import Destination

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ipvs"


def fixture(name):
    return (FIXTURES / name).read_text()


@pytest.fixture
def table():
    parsed = ipvsadm.parse_save(fixture("save.txt"))
    return ipvsadm.apply_thresholds(parsed, fixture("list-thresholds.txt"))


def test_every_service_is_parsed(table):
    assert len(table) == sum(1 for line in fixture("save.txt").splitlines() if line.startswith("-A "))
    assert len(table) == 15


def test_negative_fwmarks_are_unsigned(table):
    assert ("fwmark", "ipv4", 3000000000) in table
    assert ("fwmark", "ipv4", 2147483648) in table
    assert ("fwmark", "ipv6", 4294967295) in table
    assert "-1294967296" in fixture("save.txt")  # the pitfall is real in the recording


def test_ipv6_brackets_and_prefix(table):
    service = table[("tcp", "2001:db8:2::10", 443)]
    assert service.family == "ipv6"
    assert service.persistence_timeout == 60 and service.persistence_netmask == 64
    assert sorted(service.destinations) == [("2001:db8:51::21", 443), ("2001:db8:51::22", 8443)]
    v6mark = table[("fwmark", "ipv6", 4294967295)]
    assert v6mark.persistence_netmask == 48 and v6mark.scheduler == "sed"
    assert list(v6mark.destinations) == [("2001:db8:51::22", 0)]


def test_flags_persistence_pe_ops(table):
    assert table[("udp", "192.0.2.10", 53)].scheduler_flags == ["sh-fallback", "sh-port"]
    assert table[("sctp", "192.0.2.10", 3868)].scheduler_flags == ["mh-fallback", "mh-port"]
    sip = table[("udp", "192.0.2.10", 5060)]
    assert (sip.persistence_timeout, sip.persistence_engine, sip.one_packet) == (60, "sip", True)
    assert sip.persistence_netmask == "255.255.255.255"  # -S omits the default mask
    allports = table[("tcp", "192.0.2.10", 0)]
    assert allports.persistence_netmask == "255.255.255.0" and allports.persistence_timeout == 300
    assert table[("fwmark", "ipv4", 1)].persistence_timeout == 360
    plain = table[("tcp", "192.0.2.10", 85)]
    assert (plain.scheduler, plain.persistence_timeout, plain.persistence_netmask) == ("dh", 0, None)


def test_methods_weights_tunnels(table):
    web = table[("tcp", "192.0.2.10", 80)].destinations
    assert web[("198.51.100.21", 8080)].method == "nat"
    assert web[("198.51.100.22", 80)] == Destination("198.51.100.22", 80, "dr", 65535)
    assert web[("198.51.100.23", 80)].tunnel_type == "ipip"
    tun = table[("tcp", "192.0.2.10", 8080)].destinations
    assert tun[("198.51.100.21", 8080)].to_dict() == dict(
        address="198.51.100.21", port=8080, method="tun", weight=1, upper_threshold=0, lower_threshold=0,
        tunnel_type="gue", tunnel_port=6080, tunnel_checksum="nocsum")
    assert tun[("198.51.100.22", 8080)].tunnel_checksum == "remcsum"
    assert (tun[("198.51.100.23", 8080)].tunnel_type, tun[("198.51.100.23", 8080)].tunnel_checksum) == ("gre", "csum")
    assert table[("tcp", "192.0.2.10", 7)].destinations[("198.51.100.22", 7)].weight == 0


def test_thresholds_come_from_the_listing_not_the_save(table):
    assert " -x " not in fixture("save.txt")  # -S drops thresholds
    web = table[("tcp", "192.0.2.10", 80)].destinations[("198.51.100.21", 8080)]
    assert (web.upper_threshold, web.lower_threshold) == (2000, 1500)
    v6 = table[("tcp", "2001:db8:2::10", 443)].destinations[("2001:db8:51::21", 443)]
    assert (v6.upper_threshold, v6.lower_threshold) == (50, 5)


def test_what_was_asked_is_what_the_kernel_reports(table):
    """The -R input of the recording, parsed, equals the kernel's table read back."""
    asked = ipvsadm.parse_save(fixture("table.restore"))
    assert asked == table


def test_render_round_trip(table):
    again = ipvsadm.parse_save(ipvsadm.render_save(table))
    assert again == table


def test_stats_and_rates():
    stats = ipvsadm.parse_counters(fixture("list-stats.txt"), ipvsadm.STATS)
    echo = stats[("tcp", "192.0.2.10", 7)]
    assert echo["service"] == dict(connections=6, packets_in=41, packets_out=35, bytes_in=2216, bytes_out=1928)
    assert echo["destinations"][("198.51.100.21", 7)]["connections"] == 6
    assert stats[("fwmark", "ipv6", 4294967295)]["service"]["connections"] == 0
    rates = ipvsadm.parse_counters(fixture("list-rate.txt"), ipvsadm.RATES)
    assert rates[("tcp", "192.0.2.10", 7)]["service"]["packets_in_per_second"] == 2
    assert rates[("tcp", "192.0.2.10", 7)]["service"]["bytes_out_per_second"] == 73


def test_connections_from_thresholds_listing():
    conns = ipvsadm.parse_counters(fixture("list-thresholds.txt"), ipvsadm.CONNECTIONS)
    dest = conns[("tcp", "192.0.2.10", 7)]["destinations"][("198.51.100.21", 7)]
    assert dest["inactive_connections"] == 6 and dest["active_connections"] == 0


def test_timeout_and_daemons():
    assert ipvsadm.parse_timeout(fixture("timeout.txt")) == {"tcp": 1000, "tcpfin": 100, "udp": 200}
    daemons = ipvsadm.parse_daemon(fixture("daemon.txt"))
    assert daemons == [
        {"state": "master", "mcast_interface": "vec2", "syncid": 5, "maxlen": 1472, "group": "224.0.0.81",
         "port": 8848, "ttl": 1},
        {"state": "backup", "mcast_interface": "vec2", "syncid": 6, "maxlen": 1472, "group": "224.0.0.81",
         "port": 8848, "ttl": 1},
    ]
    assert ipvsadm.parse_daemon(fixture("daemon-none.txt")) == []


def test_empty_table():
    assert ipvsadm.parse_save(fixture("save-empty.txt")) == {}
    assert ipvsadm.parse_list(fixture("list-empty.txt")) == []


def test_unknown_token_is_loud():
    with pytest.raises(ipvsadm.ParseError):
        ipvsadm.parse_save("-A -t 192.0.2.10:80 -s rr --frobnicate\n")


def test_info_merges_every_listing():
    class Fake:
        def __init__(self):
            self.calls = []

        def __call__(self, argv, data=None):
            self.calls.append(argv)
            name = {("-Sn",): "save.txt", ("-Ln", "--exact", "--thresholds"): "list-thresholds.txt",
                    ("-Ln", "--exact", "--stats"): "list-stats.txt", ("-Ln", "--exact", "--rate"): "list-rate.txt",
                    ("-Ln", "--timeout"): "timeout.txt", ("-Ln", "--daemon"): "daemon.txt"}[tuple(argv[1:])]
            return 0, fixture(name), ""

    fake = Fake()
    info = ipvsadm.Ipvsadm(fake).info()
    assert all(call[0] == "ipvsadm" for call in fake.calls)
    echo = [s for s in info["services"] if s["port"] == 7][0]
    assert echo["inactive_connections"] == 6 and echo["stats"]["packets_in"] == 41
    assert echo["destinations"][1]["upper_threshold"] == 100
    assert info["timeouts"]["tcp"] == 1000 and len(info["daemons"]) == 2
    assert len(info["services"]) == 15


def test_restore_fixture_documents_ipvsadm_r():
    """ipvsadm -R goes on after a refused line and exits 0 if the last line worked."""
    midway = fixture("restore-refused-midway.out")
    assert midway.startswith("rc=0") and "Scheduler or persistence engine not found" in midway
    assert "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 1" in midway  # the line after the refusal ran
    assert fixture("restore-refused-last.out").startswith("rc=255")
    bad = fixture("restore-bad-line.out")
    assert bad.startswith("rc=255") and "192.0.2.10:82" not in bad  # a parse error stops it
