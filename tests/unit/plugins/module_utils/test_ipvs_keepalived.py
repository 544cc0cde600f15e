"""Healing the table keepalived owns: the description's services (as the router role passes
them), keepalived's view (the dumps of tests/unit/fixtures/keepalived) and a live table ->
the ipvsadm commands; and the re-read that catches a checker acting during the change."""

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils import ipvs_diff
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_keepalived import desired_services, heal, plan
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_checkers import DumpError, parse
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

from keepalived_fakes import HA_SERVICES as HA
from recorded import keepalived_dump

# the kernel as keepalived built it from that description, every check passing
WEB_PART = """\
-A -t 192.0.2.10:80 -s wrr
-a -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3
-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2
-a -t 192.0.2.10:80 -r 198.51.100.23:80 -m -w 1
"""
MARK_PART = """\
-A -f 80 -s rr -p 300
-a -f 80 -r 198.51.100.21:0 -m -w 1
-a -f 80 -r 198.51.100.22:0 -m -w 1
-a -f 80 -r 198.51.100.23:0 -m -w 1
"""
HEALTHY = WEB_PART + MARK_PART

# a description for check-ipv6-fwmark.txt, and its healthy kernel
IPV6 = [
    {"protocol": "tcp", "vip": "2001:db8:2::10", "port": 80, "scheduler": "wlc",
     "destinations": [{"address": "2001:db8:51::21", "method": "dr"}, {"address": "2001:db8:51::22", "method": "dr"}]},
    {"fwmark": 80, "family": "ipv6", "scheduler": "rr", "persistence_timeout": 300, "persistence_netmask": "64",
     "destinations": [{"address": "2001:db8:51::21", "method": "dr"},
                      {"address": "2001:db8:51::23", "method": "dr", "weight": 2}]},
    {"fwmark": 80, "family": "ipv4", "scheduler": "rr", "persistence_timeout": 300, "persistence_netmask": "24",
     "destinations": [{"address": "198.51.100.21", "method": "dr"},
                      {"address": "198.51.100.23", "method": "dr", "weight": 2}]},
    {"fwmark": 21, "scheduler": "wlc", "persistence_timeout": 600,
     "destinations": [{"address": "198.51.100.23", "method": "tun", "tunnel_type": "ipip"}]},
    {"protocol": "udp", "vip": "192.0.2.53", "port": 53, "scheduler": "sh", "scheduler_flags": ["sh-port"],
     "one_packet": True, "destinations": [{"address": "198.51.100.21", "port": 5353, "method": "nat"}]},
    {"protocol": "tcp", "vip": "192.0.2.40", "port": 443, "scheduler": "wlc",
     "destinations": [{"address": "198.51.100.22", "method": "tun", "tunnel_type": "gue", "tunnel_port": 6080}]},
]
IPV6_HEALTHY = """\
-A -t [2001:db8:2::10]:80 -s wlc
-a -t [2001:db8:2::10]:80 -r [2001:db8:51::21]:80 -g -w 1
-A -f 80 -6 -s rr -p 300 -M 64
-a -f 80 -6 -r [2001:db8:51::21]:0 -g -w 1
-a -f 80 -6 -r [2001:db8:51::23]:0 -g -w 2
-A -f 80 -s rr -p 300 -M 255.255.255.0
-a -f 80 -r 198.51.100.21:0 -g -w 1
-a -f 80 -r 198.51.100.23:0 -g -w 2
-A -f 21 -s wlc -p 600
-a -f 21 -r 198.51.100.23:0 -i -w 1 --tun-type ipip
-A -u 192.0.2.53:53 -s sh -b sh-port -o
-a -u 192.0.2.53:53 -r 198.51.100.21:5353 -m -w 1
-A -t 192.0.2.40:443 -s wlc
-a -t 192.0.2.40:443 -r 198.51.100.22:443 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
"""

WEB_SORRY = "-a -t 192.0.2.10:80 -r 198.51.100.99:80 -m -w 1\n"
MARK_SORRY = "-a -f 80 -r 198.51.100.98:0 -m -w 0\n"


def without(text, *lines):
    for line in lines:
        assert line + "\n" in text, line
        text = text.replace(line + "\n", "")
    return text


def replaced(text, old, new):
    assert old in text, old
    return text.replace(old, new)


def commands(description, dump, kernel):
    live = ipvsadm.parse_save(kernel)
    targets, scope, left_out = plan(live, desired_services(description), parse(keepalived_dump(dump)))
    ops = ipvs_diff.operations(live, targets, scope)
    return [" ".join(ipvsadm.render_operation(op)) for op in ops], left_out


CASES = [
    # (case, description, dump, live table, commands, left out)
    ("converged: nothing to do", HA, "check-all-up.txt", HEALTHY, [], []),
    ("a real server deleted by hand comes back with keepalived's weight", HA, "check-all-up.txt",
     without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"),
     ["-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"], []),
    ("a service deleted by hand comes back with its alive real servers only", HA, "check-one-removed.txt",
     without(HEALTHY, "-A -t 192.0.2.10:80 -s wrr", "-a -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3",
             "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2", "-a -t 192.0.2.10:80 -r 198.51.100.23:80 -m -w 1"),
     ["-A -t 192.0.2.10:80 -s wrr", "-a -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3 -x 0 -y 0",
      "-a -t 192.0.2.10:80 -r 198.51.100.23:80 -m -w 1 -x 0 -y 0"],
     ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]),
    ("a real server keepalived took out is not added back", HA, "check-one-removed.txt",
     without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"), [],
     ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]),
    ("a real server keepalived took out, added back by hand, goes again", HA, "check-one-removed.txt", HEALTHY,
     ["-d -t 192.0.2.10:80 -r 198.51.100.22:80"], ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]),
    ("an inhibited failed real server stays at weight 0", HA, "check-inhibit.txt",
     replaced(HEALTHY, "-a -f 80 -r 198.51.100.23:0 -m -w 1", "-a -f 80 -r 198.51.100.23:0 -m -w 0"), [], []),
    ("an inhibited failed real server deleted by hand comes back at weight 0", HA, "check-inhibit.txt",
     without(HEALTHY, "-a -f 80 -r 198.51.100.23:0 -m -w 1"),
     ["-a -f 80 -r 198.51.100.23:0 -m -w 0 -x 0 -y 0"], []),
    ("an inhibited failed real server weighted up by hand goes back to 0", HA, "check-inhibit.txt", HEALTHY,
     ["-e -f 80 -r 198.51.100.23:0 -m -w 0 -x 0 -y 0"], []),
    ("the serving sorry server is kept", HA, "check-sorry.txt",
     "-A -t 192.0.2.10:80 -s wrr\n" + WEB_SORRY + MARK_PART + MARK_SORRY, [],
     ["tcp 192.0.2.10:80 -> 198.51.100.21:80", "tcp 192.0.2.10:80 -> 198.51.100.22:80",
      "tcp 192.0.2.10:80 -> 198.51.100.23:80"]),
    ("a service deleted while its sorry server serves comes back with the sorry server alone", HA, "check-sorry.txt",
     MARK_PART + MARK_SORRY,
     ["-A -t 192.0.2.10:80 -s wrr", "-a -t 192.0.2.10:80 -r 198.51.100.99:80 -m -w 1 -x 0 -y 0"],
     ["tcp 192.0.2.10:80 -> 198.51.100.21:80", "tcp 192.0.2.10:80 -> 198.51.100.22:80",
      "tcp 192.0.2.10:80 -> 198.51.100.23:80"]),
    ("an idle inhibited sorry server deleted by hand comes back at weight 0", HA, "check-sorry.txt",
     "-A -t 192.0.2.10:80 -s wrr\n" + WEB_SORRY + MARK_PART,
     ["-a -f 80 -r 198.51.100.98:0 -m -w 0 -x 0 -y 0"],
     ["tcp 192.0.2.10:80 -> 198.51.100.21:80", "tcp 192.0.2.10:80 -> 198.51.100.22:80",
      "tcp 192.0.2.10:80 -> 198.51.100.23:80"]),
    ("a weight changed by hand is healed", HA, "check-all-up.txt",
     replaced(HEALTHY, "-r 198.51.100.21:80 -m -w 3", "-r 198.51.100.21:80 -m -w 10"),
     ["-e -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3 -x 0 -y 0"], []),
    ("a scheduler changed by hand is healed in place", HA, "check-all-up.txt",
     replaced(HEALTHY, "-A -t 192.0.2.10:80 -s wrr", "-A -t 192.0.2.10:80 -s rr"),
     ["-E -t 192.0.2.10:80 -s wrr"], []),
    ("persistence added by hand is healed: what the description leaves out is the default", HA, "check-all-up.txt",
     replaced(HEALTHY, "-A -t 192.0.2.10:80 -s wrr", "-A -t 192.0.2.10:80 -s wrr -p 60 -M 255.255.255.0"),
     ["-E -t 192.0.2.10:80 -s wrr"], []),
    ("a rogue service is removed", HA, "check-all-up.txt",
     HEALTHY + "-A -t 192.0.2.99:80 -s rr\n-a -t 192.0.2.99:80 -r 198.51.100.21:80 -m -w 1\n",
     ["-D -t 192.0.2.99:80"], []),
    ("a service keepalived knows and the description dropped is left to keepalived's reload",
     HA[:1], "check-all-up.txt", HEALTHY, [], []),
    ("a real server the description dropped goes (keepalived's reload would remove it)",
     [dict(HA[0], destinations=HA[0]["destinations"][:2]), HA[1]], "check-all-up.txt", HEALTHY,
     ["-d -t 192.0.2.10:80 -r 198.51.100.23:80"], []),
    ("a service keepalived does not know yet comes with its described real servers (its reload adds "
     "them: EEXIST is done)",
     HA + [{"protocol": "tcp", "vip": "192.0.2.20", "port": 443, "scheduler": "rr",
            "destinations": [{"address": "198.51.100.21", "method": "nat"},
                             {"address": "198.51.100.22", "method": "nat", "weight": 3}]}],
     "check-all-up.txt", HEALTHY,
     ["-A -t 192.0.2.20:443 -s rr", "-a -t 192.0.2.20:443 -r 198.51.100.21:443 -m -w 1 -x 0 -y 0",
      "-a -t 192.0.2.20:443 -r 198.51.100.22:443 -m -w 3 -x 0 -y 0"], []),
    ("the static owner's table handed over: nothing that stays is deleted, weights and methods "
     "set as described (keepalived has no services yet)",
     HA, "check-no-services.txt",
     replaced(replaced(HEALTHY, "-r 198.51.100.21:80 -m -w 3", "-r 198.51.100.21:80 -m -w 0"),
              "-r 198.51.100.22:80 -m -w 2", "-r 198.51.100.22:80 -g -w 2"),
     ["-e -t 192.0.2.10:80 -r 198.51.100.21:80 -m -w 3 -x 0 -y 0",
      "-e -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"], []),
    ("IPv6, dual-family marks, tunnels, UDP: converged", IPV6, "check-ipv6-fwmark.txt", IPV6_HEALTHY, [],
     ["tcp [2001:db8:2::10]:80 -> [2001:db8:51::22]:80"]),
    ("IPv6: a real server deleted by hand comes back, the failed one does not", IPV6, "check-ipv6-fwmark.txt",
     without(IPV6_HEALTHY, "-a -f 80 -6 -r [2001:db8:51::23]:0 -g -w 2"),
     ["-a -f 80 -6 -r [2001:db8:51::23]:0 -g -w 2 -x 0 -y 0"], ["tcp [2001:db8:2::10]:80 -> [2001:db8:51::22]:80"]),
    ("IPv6: a mark's netmask and a tunnel's type changed by hand are healed", IPV6, "check-ipv6-fwmark.txt",
     replaced(replaced(IPV6_HEALTHY, "-A -f 80 -6 -s rr -p 300 -M 64", "-A -f 80 -6 -s rr -p 300 -M 48"),
              "-r 198.51.100.23:0 -i -w 1 --tun-type ipip", "-r 198.51.100.23:0 -i -w 1 --tun-type gre --tun-csum"),
     ["-E -f 80 -6 -s rr -p 300 -M 64", "-e -f 21 -r 198.51.100.23:0 -i -w 1 -x 0 -y 0 --tun-type ipip"],
     ["tcp [2001:db8:2::10]:80 -> [2001:db8:51::22]:80"]),
]


@pytest.mark.parametrize("case, description, dump, kernel, expected, left_out", CASES, ids=[c[0] for c in CASES])
def test_plan(case, description, dump, kernel, expected, left_out):
    assert commands(description, dump, kernel) == (expected, left_out)


def test_the_healed_table_is_what_keepalived_built():
    """From an empty table, the plan builds exactly the table keepalived made (HEALTHY)."""
    live = {}
    targets, scope, _left_out = plan(live, desired_services(HA), parse(keepalived_dump("check-all-up.txt")))
    assert ipvsadm.render_save(ipvs_diff.apply_operations(live, ipvs_diff.operations(live, targets, scope))) == \
        ipvsadm.render_save(ipvsadm.parse_save(HEALTHY))


def test_bad_description_is_refused_by_ipvs_services_checks():
    bad = copy.deepcopy(HA)
    bad[0]["destinations"][1]["address"] = "2001:db8::22"
    with pytest.raises(ValidationError) as error:
        desired_services(bad)
    assert str(error.value).startswith("services[0].destinations[1].address='2001:db8::22': is ipv6 but the service is ipv4")


# --- heal(): rounds, and keepalived acting between the read and the change ----------------

class Kernel(ipvsadm.Ipvsadm):
    """An ipvsadm back end on an in-memory table: restore applies the operations."""

    def __init__(self, text):
        super().__init__(run=None)
        self.table = ipvsadm.parse_save(text)
        self.batches = []

    def read_table(self, thresholds=True):
        return dict((key, service.copy()) for key, service in self.table.items())

    def restore(self, operations):
        self.batches.append(self.commands(operations))
        self.table = ipvs_diff.apply_operations(self.table, operations)
        return 0, "", ""


def views(*names):
    """read_view(): the fixtures in order (the last repeats)."""
    queue = list(names)
    reads = []

    def read_view():
        reads.append(queue[0])
        return parse(keepalived_dump(queue.pop(0) if len(queue) > 1 else queue[0]))
    read_view.reads = reads
    return read_view


ADD_22 = "ipvsadm -a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2 -x 0 -y 0"
DEL_22 = "ipvsadm -d -t 192.0.2.10:80 -r 198.51.100.22:80"


def test_nothing_to_do_reads_keepalived_once():
    kernel = Kernel(HEALTHY)
    read_view = views("check-all-up.txt")
    result = heal(kernel, read_view, desired_services(HA))
    assert result == {"changed": False, "commands": [], "rounds": 0, "left_out": [],
                      "summary": {"services": 2, "destinations": 6, "added": [], "changed": [], "removed": [],
                                  "unchanged": 2}}
    assert len(read_view.reads) == 1 and kernel.batches == []


def test_a_change_is_checked_by_a_second_read():
    kernel = Kernel(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    read_view = views("check-all-up.txt")
    result = heal(kernel, read_view, desired_services(HA), diff=True)
    assert result["changed"] and result["commands"] == [ADD_22] and result["rounds"] == 1
    assert result["summary"]["changed"] == ["tcp 192.0.2.10:80"] and result["summary"]["unchanged"] == 1
    assert [len(s["destinations"]) for s in result["before"]] == [2]
    assert [len(s["destinations"]) for s in result["after"]] == [3]
    assert len(read_view.reads) == 2 and kernel.batches == [[ADD_22]]


def test_a_checker_acting_during_the_change_is_caught():
    """The operator deleted 198.51.100.22; keepalived's first dump still has it up, so it is
    added back; meanwhile its check failed (keepalived's delete found nothing to delete):
    the second dump says so, and the second round takes it out again."""
    kernel = Kernel(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    read_view = views("check-all-up.txt", "check-one-removed.txt")
    result = heal(kernel, read_view, desired_services(HA))
    assert result["commands"] == [ADD_22, DEL_22] and result["rounds"] == 2
    assert kernel.batches == [[ADD_22], [DEL_22]]
    assert len(read_view.reads) == 3
    assert ipvsadm.render_save(kernel.table) == ipvsadm.render_save(ipvsadm.parse_save(
        without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2")))
    assert result["left_out"] == ["tcp 192.0.2.10:80 -> 198.51.100.22:80"]
    # nothing net for the summary: the service is as it was
    assert result["changed"] and result["summary"]["changed"] == []


def test_a_view_that_keeps_changing_fails_after_three_rounds():
    """198.51.100.22 flaps: each of keepalived's own changes lands just before the module's
    (and finds its work done), each dump says the other thing."""
    kernel = Kernel(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    read_view = views(*(["check-all-up.txt", "check-one-removed.txt"] * 2))
    with pytest.raises(ApplyError) as error:
        heal(kernel, read_view, desired_services(HA))
    assert str(error.value).startswith("keepalived's view of the table changed during each of 3 rounds of healing")
    assert error.value.result["rounds"] == 3 and kernel.batches == [[ADD_22], [DEL_22], [ADD_22]]
    assert len(read_view.reads) == 4


def test_check_mode_reads_and_changes_nothing():
    kernel = Kernel(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    read_view = views("check-all-up.txt")
    result = heal(kernel, read_view, desired_services(HA), check_mode=True)
    assert result["changed"] and result["commands"] == [ADD_22] and result["rounds"] == 0
    assert kernel.batches == [] and len(read_view.reads) == 1


def test_a_refusal_in_a_later_round_reports_the_earlier_rounds():
    class Refusing(Kernel):
        def restore(self, operations):
            if self.batches:
                self.batches.append(self.commands(operations))
                return 0, "", "Memory allocation problem\n"
            return super().restore(operations)
    kernel = Refusing(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    with pytest.raises(ApplyError) as error:
        heal(kernel, views("check-all-up.txt", "check-one-removed.txt"), desired_services(HA))
    result = error.value.result
    assert result["commands"] == [ADD_22, DEL_22] and result["applied"] == [ADD_22]
    assert result["rc"] == 0 and result["stderr"] == "Memory allocation problem" and result["rounds"] == 2


def test_a_failed_second_read_says_what_was_changed():
    kernel = Kernel(without(HEALTHY, "-a -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 2"))
    dumps = iter([parse(keepalived_dump("check-all-up.txt"))])

    def read_view():
        try:
            return next(dumps)
        except StopIteration:
            raise DumpError("keepalived is not running: cannot read its pid file /run/keepalived.pid")
    with pytest.raises(ApplyError) as error:
        heal(kernel, read_view, desired_services(HA))
    assert str(error.value) == ("keepalived is not running: cannot read its pid file /run/keepalived.pid (after 1 "
                                "round(s) of changes, listed in commands): run again")
    assert error.value.result["changed"] and error.value.result["commands"] == [ADD_22]


def test_a_failed_first_read_is_no_change():
    def read_view():
        raise DumpError("keepalived is not running")
    with pytest.raises(DumpError):
        heal(Kernel(HEALTHY), read_view, desired_services(HA))
