"""The real servers a change removes are quiesced and waited for before the batch that
deletes them (ipvs_retire, through ipvs_apply.converge), on the recorded lab table."""

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import converge
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import plan_services
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import desired_service
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_retire import Retirement, leaving

from test_ipvs_plan import FIXTURES, FakeKernel, live_table

WEB = {"protocol": "tcp", "vip": "192.0.2.10", "port": 80}
WEB_KEY = ("tcp", "192.0.2.10", 80)
RS21 = ("198.51.100.21", 8080)
RS22 = ("198.51.100.22", 80)
RS23 = ("198.51.100.23", 80)


class ConnectionsKernel(FakeKernel):
    """FakeKernel whose real servers hold active connections: `active` maps (service key,
    destination key) to a list of counts, one per read (the last repeats)."""

    def __init__(self, table, active, inactive=None):
        super().__init__(table)
        self.active = active
        self.inactive = inactive or {}
        self.reads = 0

    def active_connections(self):
        self.reads += 1
        now = {}
        for key, counts in self.active.items():
            now[key] = counts[min(self.reads - 1, len(counts) - 1)]
        return now

    def connections(self):
        active = self.active_connections()
        return dict((key, (active.get(key, 0), self.inactive.get(key, 0))) for key in set(active) | set(self.inactive))


class Clock:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self):
        return self.now


def web_without_rs22():
    return dict(WEB, purge=True, destinations=[
        {"address": "198.51.100.21", "port": 8080, "method": "nat", "weight": 3},
        {"address": "198.51.100.23", "port": 80, "method": "tun", "weight": 2, "tunnel_type": "ipip"},
    ])


def run(kernel, services, timeout, purge=False):
    live = live_table()
    targets, scope = plan_services(live, [desired_service(s) for s in services], purge)
    clock = Clock()
    result = converge(kernel, live, targets, scope,
                      retirement=Retirement(timeout, interval=1.0, sleep=clock.sleep, clock=clock))
    return result, clock


def test_a_removed_real_server_with_connections_is_quiesced_then_deleted_once_they_end():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [5, 5, 3, 0]})
    result, clock = run(kernel, [web_without_rs22()], timeout=30)
    # first the quiesce (its own batch), then the change; the weight-0 edit comes first in commands
    assert kernel.batches == [["-e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"],
                              ["-d -t 192.0.2.10:80 -r 198.51.100.22:80"]]
    assert result["commands"][0] == "ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"
    assert result["retired"] == [{"service": "tcp 192.0.2.10:80", "destination": "198.51.100.22:80",
                                  "active_connections": 5, "left": 0, "waited_s": 3.0}]
    # one interval after the quiesce, then one per read that still found connections
    assert clock.sleeps == [1.0, 1.0, 1.0]
    assert RS22 not in kernel.table[WEB_KEY].destinations


def test_the_wait_is_bounded_and_reports_what_it_cut():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [4]})
    result, clock = run(kernel, [web_without_rs22()], timeout=3)
    assert result["retired"][0]["left"] == 4 and result["retired"][0]["waited_s"] == 3.0
    assert len(clock.sleeps) == 3
    assert RS22 not in kernel.table[WEB_KEY].destinations


def test_no_connections_no_quiesce_no_wait():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [0]})
    result, clock = run(kernel, [web_without_rs22()], timeout=30)
    assert kernel.batches == [["-d -t 192.0.2.10:80 -r 198.51.100.22:80"]]
    assert result["retired"] == [] and clock.sleeps == []


def test_a_real_server_with_only_inactive_connections_is_quiesced_and_given_one_interval():
    # a connection in SYN_RECV counts as inactive: deleted at once, it was reset (cluster_nat)
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [0]}, {(WEB_KEY, RS22): 40})
    result, clock = run(kernel, [web_without_rs22()], timeout=30)
    assert kernel.batches == [["-e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"],
                              ["-d -t 192.0.2.10:80 -r 198.51.100.22:80"]]
    assert result["retired"] == [{"service": "tcp 192.0.2.10:80", "destination": "198.51.100.22:80",
                                  "active_connections": 0, "left": 0, "waited_s": 1.0}]
    assert clock.sleeps == [1.0]


def test_timeout_zero_deletes_at_once_without_reading_connections():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [9]})
    result, clock = run(kernel, [web_without_rs22()], timeout=0)
    assert kernel.reads == 0 and clock.sleeps == []
    assert kernel.batches == [["-d -t 192.0.2.10:80 -r 198.51.100.22:80"]]
    assert result["retired"] == []


def test_weight_changes_and_additions_are_not_waited_for():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [9], (WEB_KEY, RS21): [9]})
    services = [dict(WEB, destinations=[
        {"address": "198.51.100.21", "port": 8080, "method": "nat", "weight": 5},
        {"address": "198.51.100.22", "port": 80, "method": "dr", "weight": 65535},
        {"address": "198.51.100.23", "port": 80, "method": "tun", "weight": 2, "tunnel_type": "ipip"},
        {"address": "198.51.100.24", "port": 80, "method": "dr", "weight": 1},
    ])]
    result, clock = run(kernel, services, timeout=30)
    assert kernel.reads == 0 and len(kernel.batches) == 1
    assert result["retired"] == []


def test_a_removed_service_drains_its_busy_real_servers_first():
    live = live_table()
    service = live[WEB_KEY]
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS21): [2, 0], (WEB_KEY, RS23): [0]})
    assert leaving(live, [("delete_service", service, None)]) == [
        (service, service.destinations[RS21]), (service, service.destinations[RS22]),
        (service, service.destinations[RS23])]
    result, _clock = run(kernel, [dict(WEB, state="absent")], timeout=30)
    assert kernel.batches[0] == ["-e -t 192.0.2.10:80 -r 198.51.100.21:8080 -m -w 0 -x 2000 -y 1500"]
    assert kernel.batches[1] == ["-D -t 192.0.2.10:80"]
    assert [entry["destination"] for entry in result["retired"]] == ["198.51.100.21:8080"]


def test_an_already_quiesced_real_server_is_waited_for_without_an_edit():
    kernel = ConnectionsKernel(live_table(), {(("tcp", "192.0.2.10", 7), ("198.51.100.22", 7)): [1, 1, 0]})
    services = [{"protocol": "tcp", "vip": "192.0.2.10", "port": 7, "purge": True,
                 "destinations": [{"address": "198.51.100.21", "port": 7, "method": "nat", "weight": 1}]}]
    result, clock = run(kernel, services, timeout=30)
    assert kernel.batches == [["-d -t 192.0.2.10:7 -r 198.51.100.22:7"]]
    assert result["retired"][0]["left"] == 0 and clock.sleeps == [1.0]


def test_check_mode_neither_quiesces_nor_waits():
    live = live_table()
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [5]})
    targets, scope = plan_services(live, [desired_service(web_without_rs22())])
    result = converge(kernel, live, targets, scope, check_mode=True, retirement=Retirement(30))
    assert kernel.batches == [] and kernel.reads == 0
    assert result["changed"] and result["retired"] == []


def test_a_refused_quiesce_deletes_nothing():
    kernel = ConnectionsKernel(live_table(), {(WEB_KEY, RS22): [5]})
    kernel.refuse = lambda line: line.startswith("-e")
    with pytest.raises(ApplyError, match="nothing was deleted") as caught:
        run(kernel, [web_without_rs22()], timeout=30)
    assert RS22 in kernel.table[WEB_KEY].destinations
    assert caught.value.result["commands"] == ["ipvsadm -e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"]


def test_ipvsadm_backend_reads_active_connections_from_the_thresholds_list():
    # the recorded list, with one real server given 4 active connections (the lab's table
    # held none when it was recorded)
    text = (FIXTURES / "list-thresholds.txt").read_text()
    row = "  -> 198.51.100.22:7              100        10         0          0"
    assert row in text
    text = text.replace(row, "  -> 198.51.100.22:7              100        10         4          2")
    calls = []
    backend = ipvsadm.Ipvsadm(lambda argv, data=None: calls.append(argv) or (0, text, ""))
    counts = backend.active_connections()
    assert calls == [[ipvsadm.IPVSADM, "-Ln", "--exact", "--thresholds"]]
    assert counts[(("tcp", "192.0.2.10", 7), ("198.51.100.22", 7))] == 4
    assert counts[(("tcp", "192.0.2.10", 7), ("198.51.100.21", 7))] == 0
    assert len(counts) == 16
    both = backend.connections()
    assert both[(("tcp", "192.0.2.10", 7), ("198.51.100.22", 7))] == (4, 2)
    assert both[(("tcp", "192.0.2.10", 7), ("198.51.100.21", 7))] == (0, 6)
