"""ip_address's logic on the listings recorded from a lab guest (fixtures/ip_address): what it
reads, what it plans, the record file it keeps (which is also the boot script), and that it
never removes an address it did not record."""

import json
import os

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ip_address as ipa
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

from recorded import IP_ADDRESS, section

RECORD = "/etc/lvs-cluster/addresses/lo"
UNIT = "/etc/systemd/system/lvs-cluster-addresses@.service"
WANTS = "/etc/systemd/system/multi-user.target.wants/lvs-cluster-addresses@lo.service"


def listing(title):
    return section("listings.txt", title, IP_ADDRESS)


class Target:
    """Answers ip -j address show from a recorded listing; every other command succeeds."""

    def __init__(self, shows, fail=None):
        self.shows = shows          # {interface: listing title, or None for a missing one}
        self.fail = fail or {}      # {command text: (rc, err)}
        self.calls = []

    def __call__(self, argv, data=None):
        text = " ".join(argv)
        self.calls.append(text)
        if argv[1:] == ["-j", "address", "show"]:
            # every interface the host has (a None title: one it lacks), as ip lists them
            links = [entry for title in self.shows.values() if title is not None
                     for entry in json.loads(listing(title))]
            return 0, json.dumps(links), ""
        rc, err = self.fail.get(text, (0, ""))
        return rc, "", err

    def changes(self):
        return [call for call in self.calls if not call.endswith(" -j address show")]


def which(name):
    return name


def converge(tmp_path, target, addresses, **options):
    return ipa.converge(target, which, ipa.Files(str(tmp_path)), options.pop("interface", "lo"), addresses,
                        **options)


def test_parse_the_recorded_listings():
    link = ipa.parse_ip_json(listing("lo with VIPs"))
    assert link.up
    assert link.addresses == {("127.0.0.1", 8): "ipv4", ("192.0.2.10", 32): "ipv4", ("192.0.2.99", 32): "ipv4",
                              ("2001:db8:2::10", 128): "ipv6", ("::1", 128): "ipv6"}
    tunnel = ipa.parse_ip_json(listing("tunl0 down"))
    assert not tunnel.up and tunnel.addresses == {}
    assert ipa.parse_ip_json(listing("tunl0 up")).up


@pytest.mark.parametrize("value, why", [
    ("vip.example", "is not an IPv4 or IPv6 address"),
    ("192.0.2.10/33", "must be between 1 and 32"),
    ("2001:db8::1/129", "must be between 1 and 128"),
    ("192.0.2.10/", "must be an integer"),
])
def test_bad_addresses_are_refused_before_anything_runs(tmp_path, value, why):
    target = Target({"lo": "lo"})
    with pytest.raises(ValidationError, match=r"^addresses\[1\]=.*" + why):
        converge(tmp_path, target, ["192.0.2.10", value])
    assert target.calls == []


def test_bad_interface_name():
    with pytest.raises(ValidationError, match=r"^interface='eth0 up'"):
        ipa.validate("eth0 up", [])


def test_add_record_and_enable(tmp_path):
    target = Target({"lo": "lo"})
    result = converge(tmp_path, target, ["2001:db8:2::10", "192.0.2.10", "192.0.2.10/32"], diff=True)
    assert result["changed"]
    assert result["commands"] == [
        "ip address replace 192.0.2.10/32 dev lo",
        "ip address replace 2001:db8:2::10/128 dev lo nodad",
    ]
    assert target.changes() == result["commands"]
    assert result["addresses"] == ["192.0.2.10/32", "2001:db8:2::10/128"]
    assert result["files"] == [RECORD, UNIT, WANTS]
    assert result["unit"] == "lvs-cluster-addresses@lo.service"
    # enabled as systemctl enable does it, without its manager reload: a new unit needs none
    assert os.readlink(str(tmp_path / WANTS.lstrip("/"))) == UNIT
    record = (tmp_path / RECORD.lstrip("/")).read_text()
    # the record is the boot script: ip -batch lines, comments ignored by ip
    assert [line for line in record.splitlines() if not line.startswith("#")] == [
        "address replace 192.0.2.10/32 dev lo", "address replace 2001:db8:2::10/128 dev lo nodad"]
    assert (tmp_path / UNIT.lstrip("/")).read_text() == ipa.UNIT_TEXT
    assert "ExecStart=ip -batch /etc/lvs-cluster/addresses/%i" in ipa.UNIT_TEXT
    assert result["diff"] == {"before": "", "after": record}


def converged(tmp_path, addresses=("192.0.2.10", "2001:db8:2::10"), interface="lo", up=False):
    """tmp_path as the module leaves a target after adding addresses (record, unit, enabled)."""
    keys = ipa.validate(interface, list(addresses))[1]
    files = ipa.Files(str(tmp_path))
    files.write("/etc/lvs-cluster/addresses/" + interface, ipa.render_record(interface, keys, up))
    files.write(UNIT, ipa.UNIT_TEXT)
    files.link("/etc/systemd/system/multi-user.target.wants/lvs-cluster-addresses@%s.service" % interface, UNIT)
    return files


@pytest.mark.parametrize("check_mode", [False, True])
def test_converged_is_a_no_op(tmp_path, check_mode):
    converged(tmp_path)
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, ["192.0.2.10", "2001:db8:2::10"], check_mode=check_mode, diff=True)
    assert not result["changed"] and result["commands"] == [] and result["files"] == []
    assert result["diff"]["before"] == result["diff"]["after"]
    assert result["before"]["addresses"] == ["192.0.2.10/32", "2001:db8:2::10/128"]


def test_purge_removes_only_what_was_recorded(tmp_path):
    """192.0.2.99 is on lo but not recorded (another tool's): it stays, whatever purge says."""
    converged(tmp_path)
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, ["192.0.2.10"])
    assert result["commands"] == ["ip address del 2001:db8:2::10/128 dev lo"]
    assert result["addresses"] == ["192.0.2.10/32"]
    assert "192.0.2.99" not in " ".join(target.calls[1:])


def test_without_purge_the_record_keeps_what_is_not_listed(tmp_path):
    converged(tmp_path)
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, ["192.0.2.10"], purge=False)
    assert not result["changed"]
    assert result["addresses"] == ["192.0.2.10/32", "2001:db8:2::10/128"]


def test_nothing_served_removes_all_and_disables_the_unit(tmp_path):
    files = converged(tmp_path)
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, [])
    assert result["commands"] == ["ip address del 192.0.2.10/32 dev lo", "ip address del 2001:db8:2::10/128 dev lo"]
    assert result["files"] == [RECORD, WANTS] and not files.exists(RECORD) and not files.exists(WANTS)
    assert result["unit"] is None and result["addresses"] == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_hand_over_forgets_the_address_and_leaves_it_on_the_interface(tmp_path, check_mode):
    """keepalived takes the VIPs where they are: no gap between the role's and its own."""
    files = converged(tmp_path)
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, [], hand_over=["192.0.2.10", "198.51.100.1/24"], check_mode=check_mode)
    # the handed-over one stays; the other recorded one, not handed over, is removed
    assert result["commands"] == ["ip address del 2001:db8:2::10/128 dev lo"]
    assert result["handed_over"] == ["192.0.2.10/32"]   # 198.51.100.1 was never recorded here
    assert result["changed"] and result["files"] == [RECORD, WANTS] and result["addresses"] == []
    assert files.exists(RECORD) == check_mode
    assert target.changes() == ([] if check_mode else result["commands"])


def test_hand_over_without_purge_changes_nothing(tmp_path):
    converged(tmp_path)
    result = converge(tmp_path, Target({"lo": "lo with VIPs"}), [], purge=False, hand_over=["192.0.2.10"])
    assert not result["changed"] and result["handed_over"] == []


def test_bad_hand_over_is_refused_before_anything_runs(tmp_path):
    target = Target({"lo": "lo"})
    with pytest.raises(ValidationError, match=r"^hand_over\[0\]='vip.example': is not an IPv4 or IPv6 address"):
        converge(tmp_path, target, [], hand_over=["vip.example"])
    assert target.calls == []


def test_drift_a_recorded_address_removed_by_hand_is_put_back(tmp_path):
    converged(tmp_path, addresses=["192.0.2.10", "192.0.2.11"])
    result = converge(tmp_path, Target({"lo": "lo with VIPs"}), ["192.0.2.10", "192.0.2.11"], check_mode=True)
    assert result["changed"] and result["commands"] == ["ip address replace 192.0.2.11/32 dev lo"]
    assert result["files"] == []


def test_a_listed_address_already_there_is_adopted(tmp_path):
    converged(tmp_path, addresses=["192.0.2.10"])
    result = converge(tmp_path, Target({"lo": "lo with VIPs"}), ["192.0.2.10", "192.0.2.99"])
    assert result["commands"] == [] and result["files"] == [RECORD] and result["changed"]
    assert "192.0.2.99/32" in ipa.Files(str(tmp_path)).read(RECORD)


def test_check_mode_changes_nothing(tmp_path):
    target = Target({"lo": "lo"})
    result = converge(tmp_path, target, ["192.0.2.10"], check_mode=True)
    assert result["changed"] and result["commands"] == ["ip address replace 192.0.2.10/32 dev lo"]
    assert result["files"] == [RECORD, UNIT, WANTS]
    assert target.changes() == [] and list(tmp_path.iterdir()) == []


def test_tunnel_brought_up_and_recorded_up(tmp_path):
    target = Target({"tunl0": "tunl0 down"})
    result = converge(tmp_path, target, ["192.0.2.30"], interface="tunl0", up=True)
    assert result["commands"][:2] == ["ip link set dev tunl0 up", "ip address replace 192.0.2.30/32 dev tunl0"]
    record = ipa.Files(str(tmp_path)).read("/etc/lvs-cluster/addresses/tunl0")
    assert "link set dev tunl0 up\naddress replace 192.0.2.30/32 dev tunl0\n" in record
    assert ipa.parse_record(record, "tunl0") == ({("192.0.2.30", 32): "ipv4"}, True)
    converged(tmp_path, addresses=["192.0.2.30"], interface="tunl0", up=True)
    again = converge(tmp_path, Target({"tunl0": "tunl0 up"}), ["192.0.2.30"], interface="tunl0", up=True)
    assert not again["changed"]


def test_missing_interface(tmp_path):
    target = Target({"tunl0": None})
    with pytest.raises(ValidationError, match=r"^interface='tunl0': no such interface on this host"):
        converge(tmp_path, target, ["192.0.2.30"], interface="tunl0")
    # nothing to put there: the record of a vanished interface is dropped, no error
    converged(tmp_path, addresses=["192.0.2.30"], interface="tunl0")
    result = converge(tmp_path, target, [], interface="tunl0")
    assert result["commands"] == []
    assert result["addresses"] == [] and not result["before"]["exists"]
    assert not ipa.Files(str(tmp_path)).exists("/etc/lvs-cluster/addresses/tunl0")


def test_a_failed_command_reports_what_was_applied(tmp_path):
    target = Target({"lo": "lo"}, fail={"ip address replace 2001:db8:2::10/128 dev lo nodad":
                                        (2, "RTNETLINK answers: Permission denied\n")})
    with pytest.raises(ApplyError) as raised:
        converge(tmp_path, target, ["192.0.2.10", "2001:db8:2::10"])
    result = raised.value.result
    assert result["changed"] and result["applied"] == ["ip address replace 192.0.2.10/32 dev lo"]
    assert result["rc"] == 2 and "Permission denied" in result["stderr"]
    assert str(raised.value).startswith("ip address replace 2001:db8:2::10/128 dev lo nodad failed (rc=2)")
    # the record is written after the addresses: it does not claim what failed
    assert not ipa.Files(str(tmp_path)).exists(RECORD)


def test_boot_false_leaves_systemd_alone(tmp_path):
    result = converge(tmp_path, Target({"lo": "lo"}), ["192.0.2.10"], boot=False)
    assert result["commands"] == ["ip address replace 192.0.2.10/32 dev lo"]
    assert result["files"] == [RECORD] and result["unit"] is None


# --- announce: a gratuitous ARP / unsolicited NA for each address a run adds ---------------


class Announcer:
    def __init__(self, fail=None):
        self.sent, self.fail = [], fail

    def __call__(self, interface, address, family):
        if self.fail:
            raise OSError(self.fail)
        self.sent.append((interface, address, family))


def test_announce_only_what_this_run_adds_after_it_is_on_the_interface(tmp_path):
    target, announcer = Target({"lo": "lo"}), Announcer()
    result = converge(tmp_path, target, ["192.0.2.10", "2001:db8:2::10"], announce=announcer)
    assert announcer.sent == [("lo", "192.0.2.10", "ipv4"), ("lo", "2001:db8:2::10", "ipv6")]
    assert result["announced"] == ["192.0.2.10", "2001:db8:2::10"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_announce_nothing_when_converged(tmp_path, check_mode):
    converged(tmp_path)
    announcer = Announcer()
    result = converge(tmp_path, Target({"lo": "lo with VIPs"}), ["192.0.2.10", "2001:db8:2::10"],
                      check_mode=check_mode, announce=announcer)
    assert announcer.sent == [] and result["announced"] == [] and not result["changed"]


def test_check_mode_predicts_the_announcement_and_sends_none(tmp_path):
    announcer = Announcer()
    result = converge(tmp_path, Target({"lo": "lo"}), ["192.0.2.10"], check_mode=True, announce=announcer)
    assert result["announced"] == ["192.0.2.10"] and announcer.sent == []


def test_without_announce_nothing_is_announced(tmp_path):
    result = converge(tmp_path, Target({"lo": "lo"}), ["192.0.2.10"])
    assert result["announced"] == []


def test_a_failed_announcement_names_the_address_and_what_was_applied(tmp_path):
    with pytest.raises(ApplyError) as raised:
        converge(tmp_path, Target({"lo": "lo"}), ["192.0.2.10"], announce=Announcer(fail="Operation not permitted"))
    assert "announcing 192.0.2.10 on lo failed: Operation not permitted" in str(raised.value)
    assert raised.value.result["applied"] == ["ip address replace 192.0.2.10/32 dev lo"]


# ---- keep_interfaces: the addresses of an interface the description no longer names


def with_others(tmp_path, target, keep, check_mode=False):
    return ipa.converge_with_others(target, which, ipa.Files(str(tmp_path)), "lo", ["192.0.2.10", "2001:db8:2::10"],
                                    keep_interfaces=keep, check_mode=check_mode, diff=True)


@pytest.mark.parametrize("check_mode", [False, True])
def test_an_interface_no_longer_named_loses_the_collections_addresses(tmp_path, check_mode):
    converged(tmp_path)
    files = converged(tmp_path, addresses=["192.0.2.30"], interface="tunl0", up=True)
    target = Target({"lo": "lo with VIPs", "tunl0": "tunl0 up"})
    result = with_others(tmp_path, target, [], check_mode)
    assert result["changed"] and result["others"] == ["tunl0"]
    assert result["commands"] == ["ip address del 192.0.2.30/32 dev tunl0"]
    assert result["files"] == ["/etc/lvs-cluster/addresses/tunl0",
                               "/etc/systemd/system/multi-user.target.wants/lvs-cluster-addresses@tunl0.service"]
    assert "address replace 192.0.2.30/32 dev tunl0" in result["diff"]["before"]
    assert target.changes() == ([] if check_mode else result["commands"])
    assert files.exists("/etc/lvs-cluster/addresses/tunl0") == check_mode
    if not check_mode:
        again = with_others(tmp_path, Target({"lo": "lo with VIPs", "tunl0": "tunl0 down"}), [])
        assert not again["changed"] and again["others"] == []


@pytest.mark.parametrize("keep", [None, ["tunl0"]], ids=["not asked", "kept"])
def test_other_interfaces_are_left_alone_unless_asked(tmp_path, keep):
    converged(tmp_path)
    converged(tmp_path, addresses=["192.0.2.30"], interface="tunl0", up=True)
    target = Target({"lo": "lo with VIPs", "tunl0": "tunl0 up"})
    result = with_others(tmp_path, target, keep)
    assert not result["changed"] and result["others"] == [] and target.changes() == []


def test_a_vanished_other_interface_only_loses_its_record(tmp_path):
    converged(tmp_path)
    files = converged(tmp_path, addresses=["192.0.2.30"], interface="tunl0")
    target = Target({"lo": "lo with VIPs", "tunl0": None})
    result = with_others(tmp_path, target, [])
    assert result["others"] == ["tunl0"] and result["commands"] == []
    assert not files.exists("/etc/lvs-cluster/addresses/tunl0")


def test_an_older_unit_text_is_replaced_and_systemd_told(tmp_path):
    """systemd may have loaded the old text (the unit ran at boot): it reads the new one only
    after daemon-reload. A link that points elsewhere is made the instance's again."""
    files = converged(tmp_path)
    files.write(UNIT, ipa.UNIT_TEXT.replace("After=network.target", "After=network-online.target"))
    files.link(WANTS, "/lib/systemd/system/lvs-cluster-addresses@.service")
    target = Target({"lo": "lo with VIPs"})
    result = converge(tmp_path, target, ["192.0.2.10", "2001:db8:2::10"])
    assert result["commands"] == ["systemctl daemon-reload"] and target.changes() == ["systemctl daemon-reload"]
    assert result["files"] == [UNIT, WANTS]
    assert files.read(UNIT) == ipa.UNIT_TEXT and os.readlink(str(tmp_path / WANTS.lstrip("/"))) == UNIT
