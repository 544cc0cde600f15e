"""lvs.cluster.status's read (status_read.Reader) and the report on the controller
(status_report) on the outputs recorded on the lab's docs/examples/ha cluster
(tests/unit/fixtures/status/record.sh): the reads as the module returns them, the report of
the cluster as built (nothing flagged), and each difference the report must flag, made by
changing one thing in a recorded read."""

import copy
import json
import os
import signal

import pytest
import yaml

from ansible_collections.lvs.cluster.plugins.module_utils import status_read
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_real_server_projection import real_server_view
from ansible_collections.lvs.cluster.plugins.module_utils.status_read import (
    Reader,
    StatusError,
    effective_arp,
    parse_drain,
    parse_vrrp_json,
)
from ansible_collections.lvs.cluster.plugins.module_utils.status_report import expected, lines, report

from keepalived_fakes import Stat
from recorded import FIXTURES, section

STATUS = FIXTURES / "status"
ROOT = FIXTURES.parents[2]
HA = yaml.safe_load((ROOT / "docs" / "examples" / "ha" / "group_vars" / "all.yml").read_text())["lvs_cluster"]
HA_ADDRESSES = {"rs1": "198.51.100.21", "rs2": "198.51.100.22", "rs3": "198.51.100.23"}
ROUTERS = ["router1", "router2"]


def recorded(host, name):
    return section(host + ".txt", name, STATUS)


class FakeHost(object):
    """A lab host as recorded: commands answer with their recorded output; keepalived
    (pid 4242) writes its recorded dumps when signalled, each as a new file."""

    JSON_SIGNAL = 36

    def __init__(self, host, keepalived=True, drain=None, sysctls=None, outputs=None):
        self.host = host
        self.files = {}
        self.inodes = {}
        self.next_inode = 100
        self.clock = 1700000000.0
        self.signals = []
        self.outputs = dict(outputs or {})
        self.drain = dict(drain or {})
        self.sysctls = sysctls or {}
        if keepalived:
            self.files["/run/keepalived.pid"] = b"4242\n"
            self.files["/proc/4242/cmdline"] = b"/usr/sbin/keepalived\0--dont-fork\0"
            self.outputs.setdefault("keepalived --signum=JSON", "%d\n" % self.JSON_SIGNAL)

    # run(argv, data=None)
    def run(self, argv, data=None):
        name = " ".join([os.path.basename(argv[0])] + list(argv[1:]))
        if name == "ip -j address show":
            name = "ip-address"
        if name not in self.outputs:
            self.outputs[name] = recorded(self.host, name)
        output = self.outputs[name]
        if isinstance(output, list):  # one output a call, the last one repeats
            output = output.pop(0) if len(output) > 1 else output[0]
        return 0, output, ""

    def which(self, name):
        return "/usr/sbin/" + name

    # status_read.System
    def read(self, path):
        if path.startswith(status_read.DRAIN_DIR + "/"):
            return self.drain[path.rsplit("/", 1)[1]]
        if path.startswith(status_read.PROC_ARP + "/"):
            interface, key = path[len(status_read.PROC_ARP) + 1:].split("/")
            return b"%d\n" % self.sysctls[interface][key]
        if path not in self.files:
            raise IOError(2, "No such file or directory")
        return self.files[path]

    def stat(self, path):
        if path not in self.files:
            return None
        ino, mtime = self.inodes[path]
        return Stat(ino, mtime, len(self.files[path]))

    def kill(self, pid, number):
        self.signals.append(number)
        path, name = {signal.SIGUSR1: ("/tmp/keepalived_check.data", "keepalived_check.data"),
                      self.JSON_SIGNAL: ("/tmp/keepalived.json", "keepalived.json")}[number]
        self.next_inode += 1
        self.files[path] = recorded(self.host, name).encode("utf-8")
        self.inodes[path] = (self.next_inode, self.clock)

    def now(self):
        return self.clock

    def sleep(self, seconds):
        self.clock += seconds

    def listdir(self, path):
        if path == status_read.DRAIN_DIR:
            return sorted(self.drain) if self.drain else None
        if path == status_read.PROC_ARP:
            return sorted(self.sysctls)
        return None


def recorded_sysctls(host):
    values = {}
    for line in recorded(host, "arp sysctls").splitlines():
        path, value = line.split()
        interface, key = path.split("/")[-2:]
        values.setdefault(interface, {})[key] = int(value)
    return values


def read_router(host, **kwargs):
    fake = FakeHost(host, **kwargs)
    return Reader(fake.run, fake.which, system=fake).read_router(), fake


def read_real_server(host, **kwargs):
    fake = FakeHost(host, keepalived=False, sysctls=recorded_sysctls(host), **kwargs)
    return Reader(fake.run, fake.which, system=fake).read_real_server(arp_method="sysctl")


# --- the reads ------------------------------------------------------------------------

def test_router1_is_read_as_master_holding_every_address():
    read, fake = read_router("router1")
    assert read["role"] == "router"
    keepalived = read["keepalived"]
    assert keepalived["running"] and keepalived["error"] is None
    assert [(i["name"], i["state"]) for i in keepalived["vrrp"]] == [("lvs_private", "MASTER"),
                                                                     ("lvs_public", "MASTER")]
    held = set(a for link in read["addresses"] for a in link["addresses"])
    assert {"192.0.2.10", "192.0.2.30", "198.51.100.1"} <= held
    # each dump asked for with its own signal, each read only once fresh
    assert sorted(fake.signals) == sorted([FakeHost.JSON_SIGNAL, signal.SIGUSR1])
    assert keepalived["reads"] == 1
    web = [s for s in read["ipvs"]["services"] if s["port"] == 80 and s["protocol"] == "tcp"][0]
    assert sorted((d["address"], d["weight"]) for d in web["destinations"]) == [
        ("198.51.100.21", 3), ("198.51.100.22", 2), ("198.51.100.23", 1)]
    checker = [s for s in keepalived["checkers"] if s["service"] == "tcp 192.0.2.10:80"][0]
    assert [(rs["address"], rs["alive"]) for rs in checker["real_servers"]] == [
        ("198.51.100.21", True), ("198.51.100.22", True), ("198.51.100.23", True)]
    assert read["drain"] == {}
    assert "keepalived --signum=JSON" in read["commands"]


def test_router2_is_read_as_backup_holding_nothing():
    read, _fake = read_router("router2")
    assert set(i["state"] for i in read["keepalived"]["vrrp"]) == {"BACKUP"}
    held = set(a for link in read["addresses"] for a in link["addresses"])
    assert not {"192.0.2.10", "192.0.2.30", "198.51.100.1"} & held


def test_keepalived_not_running_is_reported_not_a_failure():
    read, fake = read_router("router1", keepalived=False)
    assert read["keepalived"]["running"] is False
    assert "not running" in read["keepalived"]["error"]
    assert read["keepalived"]["vrrp"] == [] and read["keepalived"]["checkers"] is None
    assert fake.signals == []


def test_a_keepalived_without_json_is_reported():
    read, fake = read_router("router1", outputs={"keepalived --signum=JSON": ""})
    assert "--signum=JSON" in read["keepalived"]["error"]
    assert read["keepalived"]["vrrp"] == []
    assert read["keepalived"]["checkers"]  # the checker view is still read
    assert fake.signals == [signal.SIGUSR1]


def test_the_table_is_read_again_while_keepalived_saw_another_moment():
    save = recorded("router1", "ipvsadm -Sn")
    without_rs3 = "".join(line for line in save.splitlines(True) if "-t 192.0.2.10:80 -r 198.51.100.23" not in line)
    assert without_rs3 != save
    read, fake = read_router("router1", outputs={"ipvsadm -Sn": [without_rs3, save]})
    assert read["keepalived"]["reads"] == 2
    assert sorted(fake.signals) == sorted([FakeHost.JSON_SIGNAL, signal.SIGUSR1, signal.SIGUSR1])
    web = [s for s in read["ipvs"]["services"] if s["port"] == 80 and s["protocol"] == "tcp"][0]
    assert "198.51.100.23" in [d["address"] for d in web["destinations"]]
    # a table that never agrees: three reads, the last one reported as it is
    read, fake = read_router("router1", outputs={"ipvsadm -Sn": [without_rs3]})
    assert read["keepalived"]["reads"] == 3
    web = [s for s in read["ipvs"]["services"] if s["port"] == 80 and s["protocol"] == "tcp"][0]
    assert "198.51.100.23" not in [d["address"] for d in web["destinations"]]


def test_keepalived_for_vrrp_only_is_not_asked_for_its_checker_view():
    fake = FakeHost("router1")
    read = Reader(fake.run, fake.which, system=fake).read_router(checkers=False)
    assert fake.signals == [FakeHost.JSON_SIGNAL]
    assert read["keepalived"]["checkers"] is None and read["keepalived"]["error"] is None
    assert read["keepalived"]["vrrp"]


def test_drain_markers_hold_1_when_drained():
    assert parse_drain(["198.51.100.21", "198.51.100.22"],
                       {"198.51.100.21": b"1\n", "198.51.100.22": b"0\n"}.__getitem__) == {
        "198.51.100.21": True, "198.51.100.22": False}
    read, _fake = read_router("router1", drain={"198.51.100.23": b"1\n"})
    assert read["drain"] == {"198.51.100.23": True}


def test_vrrp_json_of_another_shape_is_refused():
    with pytest.raises(StatusError):
        parse_vrrp_json('{"iname": "x"}')
    with pytest.raises(StatusError):
        parse_vrrp_json('[{"stats": {}}]')
    with pytest.raises(StatusError):
        parse_vrrp_json("not json")


def test_vrrp_json_recorded_states():
    instances = parse_vrrp_json(recorded("router2", "keepalived.json"))
    assert [i["name"] for i in instances] == ["lvs_private", "lvs_public"]
    assert all(i["state"] == "BACKUP" for i in instances)


def test_effective_arp_is_the_larger_of_all_and_the_interface():
    values = {"all": {"arp_ignore": 1, "arp_announce": 0}, "eth0": {"arp_ignore": 0, "arp_announce": 2}}
    assert effective_arp(values, "eth0") == (1, 2)
    assert effective_arp({"all": {"arp_ignore": 0, "arp_announce": 0}}, "eth0") == (0, 0)


def test_a_stale_dump_is_never_read():
    fake = FakeHost("router1")
    fake.kill = lambda pid, number: fake.signals.append(number)  # keepalived writes nothing
    fake.files["/tmp/keepalived_check.data"] = recorded("router1", "keepalived_check.data").encode()
    fake.inodes["/tmp/keepalived_check.data"] = (7, fake.clock - 60)
    read = Reader(fake.run, fake.which, system=fake, timeout=1).read_router()
    assert read["keepalived"]["checkers"] is None
    assert "wrote no complete new /tmp/keepalived_check.data" in read["keepalived"]["error"]


# --- the report -----------------------------------------------------------------------

def want(description=HA, real_servers=None):
    cluster = load(description, HA_ADDRESSES, ROUTERS)
    hosts = []
    for host, address in sorted(HA_ADDRESSES.items()):
        view = real_server_view(cluster, address)
        hosts.append(dict(host=host, address=address, dr_vips=view["dr_vips"], tun_vips=view["tun_vips"],
                          arp_method="sysctl", interface=None))
    return expected(cluster, ROUTERS, real_servers if real_servers is not None else hosts)


@pytest.fixture(scope="module")
def reads():
    return {"router1": read_router("router1")[0], "router2": read_router("router2")[0],
            "rs1": read_real_server("rs1"), "rs2": read_real_server("rs1"), "rs3": read_real_server("rs1")}


def kinds(status):
    return [flag["kind"] for flag in status["flags"]]


def web(status):
    return [s for s in status["services"] if s["name"] == "web"][0]


def destination(read, port, address):
    service = [s for s in read["ipvs"]["services"] if s["port"] == port and s["protocol"] == "tcp"][0]
    return service, [d for d in service["destinations"] if d["address"] == address][0]


def checker(read, name, address):
    service = [s for s in read["keepalived"]["checkers"] if s["service"] == name][0]
    return [rs for rs in service["real_servers"] if rs["address"] == address][0]


def test_the_cluster_as_built_has_no_difference(reads):
    status = report(want(), reads)
    assert status["flags"] == [] and status["ok"]
    assert status["active_router"] == "router1"
    routers = dict((r["host"], r) for r in status["routers"])
    assert routers["router1"]["vrrp"] == {"lvs_public": "MASTER", "lvs_private": "MASTER"}
    assert routers["router2"]["vrrp"] == {"lvs_public": "BACKUP", "lvs_private": "BACKUP"}
    assert routers["router1"]["holds"] == ["192.0.2.10", "192.0.2.30", "198.51.100.1"]
    assert [(rs["host"], rs["weight"], rs["live_weight"], rs["health"]) for rs in web(status)["real_servers"]] == [
        ("rs1", 3, 3, "up"), ("rs2", 2, 2, "up"), ("rs3", 1, 1, "up")]
    assert [s["service"] for s in status["services"]] == ["tcp 192.0.2.10:80", "fwmark 80", "tcp 192.0.2.10:7"]
    json.dumps(status)  # JSON-able
    text = lines(status)
    assert text[1].startswith("  router1: keepalived running; lvs_private MASTER, lvs_public MASTER; holds 192.0.2.10")
    assert text[-1] == "no difference from the description"


def test_two_masters_are_flagged(reads):
    changed = copy.deepcopy(reads)
    for instance in changed["router2"]["keepalived"]["vrrp"]:
        instance["state"] = "MASTER"
    status = report(want(), changed)
    assert kinds(status) == ["two_masters", "two_masters"]
    assert status["flags"][0]["message"] == "lvs_public: MASTER on router1 and router2"
    assert not status["ok"]
    assert "DIFFERENCES FROM THE DESCRIPTION (2):" in lines(status)


def test_no_master_is_flagged(reads):
    changed = copy.deepcopy(reads)
    for instance in changed["router1"]["keepalived"]["vrrp"]:
        instance["state"] = "FAULT"
    assert kinds(report(want(), changed)) == ["no_master", "no_master"]


def test_a_vip_on_no_router_and_on_two_routers_are_flagged(reads):
    changed = copy.deepcopy(reads)
    for link in changed["router1"]["addresses"]:
        if "192.0.2.30" in link["addresses"]:
            link["addresses"].remove("192.0.2.30")
        if "198.51.100.1" in link["addresses"]:
            # and the NAT address on router2 too
            changed["router2"]["addresses"].append({"ifname": "vec2", "addresses": ["198.51.100.1"]})
    status = report(want(), changed)
    assert sorted(kinds(status)) == ["address_on_no_router", "address_on_several_routers"]
    assert {f["where"] for f in status["flags"]} == {"VIP 192.0.2.30", "NAT address 198.51.100.1"}


def test_a_weight_changed_by_hand_is_flagged(reads):
    changed = copy.deepcopy(reads)
    destination(changed["router1"], 80, "198.51.100.21")[1]["weight"] = 7
    status = report(want(), changed)
    assert kinds(status) == ["weight"]
    assert status["flags"][0]["message"] == "web (tcp 192.0.2.10:80) rs1: live weight 7, described 3"


def test_the_table_of_the_backup_is_not_the_one_compared(reads):
    changed = copy.deepcopy(reads)
    destination(changed["router2"], 80, "198.51.100.21")[1]["weight"] = 7
    assert report(want(), changed)["flags"] == []


def test_weight_0_of_a_drained_or_failed_real_server_is_not_a_difference(reads):
    drained = copy.deepcopy(reads)
    destination(drained["router1"], 80, "198.51.100.23")[1]["weight"] = 0
    assert kinds(report(want(), drained)) == ["weight"]
    drained["router1"]["drain"] = {"198.51.100.23": True}
    status = report(want(), drained)
    assert status["flags"] == []
    assert [rs["drained"] for rs in web(status)["real_servers"]] == [False, False, True]
    failed = copy.deepcopy(reads)
    destination(failed["router1"], 80, "198.51.100.23")[1]["weight"] = 0
    checker(failed["router1"], "tcp 192.0.2.10:80", "198.51.100.23")["alive"] = False
    assert report(want(), failed)["flags"] == []


def test_a_missing_real_server_is_flagged_unless_its_check_has_it_down(reads):
    changed = copy.deepcopy(reads)
    service, dest = destination(changed["router1"], 80, "198.51.100.23")
    service["destinations"].remove(dest)
    status = report(want(), changed)
    assert kinds(status) == ["real_server_missing"]
    checker(changed["router1"], "tcp 192.0.2.10:80", "198.51.100.23")["alive"] = False
    status = report(want(), changed)
    assert status["flags"] == []
    rs3 = web(status)["real_servers"][2]
    assert (rs3["health"], rs3["in_table"], rs3["live_weight"]) == ("down", False, None)
    assert "  rs3   198.51.100.23   weight 1 live absent health down" in "\n".join(lines(status))


def test_a_real_server_not_in_the_description_is_flagged(reads):
    changed = copy.deepcopy(reads)
    service, dest = destination(changed["router1"], 80, "198.51.100.23")
    service["destinations"].append(dict(dest, address="198.51.100.99"))
    assert kinds(report(want(), changed)) == ["unexpected_real_server"]


def test_a_service_missing_or_with_other_settings_is_flagged(reads):
    changed = copy.deepcopy(reads)
    service, _dest = destination(changed["router1"], 7, "198.51.100.21")
    service["scheduler"] = "wlc"
    assert kinds(report(want(), changed)) == ["service_settings"]
    changed["router1"]["ipvs"]["services"].remove(service)
    assert kinds(report(want(), changed)) == ["service_missing"]


def test_keepalived_stopped_on_a_router_and_hosts_not_read_are_flagged(reads):
    changed = copy.deepcopy(reads)
    changed["router1"]["keepalived"] = {"running": False, "error": "keepalived is not running: ...",
                                        "vrrp": [], "checkers": None}
    changed["rs2"] = {"unreachable": True, "msg": "ssh: connect to host rs2 port 22: No route to host"}
    status = report(want(), changed)
    # router1 still holds the addresses in this read: its VRRP state is what is missing
    assert kinds(status) == ["keepalived", "no_master", "no_master", "no_read"]
    assert status["flags"][0]["message"] == "router1: keepalived is not running (keepalived is not running: ...)"
    assert "rs2: not read: unreachable (ssh: connect to host rs2 port 22: No route to host)" in \
        [f["message"] for f in status["flags"]]


def test_a_dr_real_server_vip_and_arp_suppression(reads):
    rs = dict(host="rs1", address="198.51.100.21", dr_vips=["192.0.2.50"], tun_vips=[], arp_method="sysctl",
              interface=None)
    status = report(want(real_servers=[rs]), reads)
    # the recorded NAT real server holds no VIP and has no ARP sysctls set
    assert sorted(kinds(status)) == ["arp", "vip_missing"]
    changed = copy.deepcopy(reads)
    changed["rs1"]["addresses"].append({"ifname": "lo", "addresses": ["127.0.0.1", "192.0.2.50"]})
    changed["rs1"]["arp_sysctls"]["all"] = {"arp_ignore": 1, "arp_announce": 2}
    status = report(want(real_servers=[rs]), changed)
    assert status["flags"] == []
    assert status["real_servers"][0]["vips"] == {"192.0.2.50": ["lo"]}
    assert status["real_servers"][0]["arp_suppression"] is True
    changed["rs1"]["arp_sysctls"]["all"] = {"arp_ignore": 1, "arp_announce": 1}
    assert kinds(report(want(real_servers=[rs]), changed)) == ["arp"]
