"""Validation, planning (desired vs live), check-mode prediction and batch roll back of the
IPVS modules' pure logic, on the table recorded from the lab kernel."""

from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import converge
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import (
    apply_operations,
    operations,
    plan_destination,
    plan_services,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import desired_service
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ipvs"


def live_table():
    table = ipvsadm.parse_save((FIXTURES / "save.txt").read_text())
    return ipvsadm.apply_thresholds(table, (FIXTURES / "list-thresholds.txt").read_text())


def plan(live, *services, purge=False):
    desired = [desired_service(s) for s in services]
    targets, scope = plan_services(live, desired, purge)
    return operations(live, targets, scope), targets, scope


def plan_ops(live, *services, **options):
    return plan(live, *services, **options)[0]


def lines(ops):
    return [" ".join(ipvsadm.render_operation(op)) for op in ops]


WEB = {"protocol": "tcp", "vip": "192.0.2.10", "port": 80}


# --- idempotence ------------------------------------------------------------------------

def test_live_services_restated_change_nothing():
    live = live_table()
    specs = []
    for service in live.values():
        spec = service.settings()
        if spec["protocol"] == "fwmark":
            spec.update(protocol=None, vip=None, port=None)
        else:
            spec.update(fwmark=None)
        spec["destinations"] = [d.to_dict() for d in service.destinations.values()]
        spec["purge"] = True
        specs.append(spec)
    ops = plan(live, *specs, purge=True)[0]
    assert ops == []


def test_omitted_options_keep_live_values():
    ops, targets, _scope = plan(live_table(), dict(WEB))
    assert ops == []
    assert targets[("tcp", "192.0.2.10", 80)].scheduler == "wrr"


# --- in-place edits -----------------------------------------------------------------------

def test_scheduler_change_is_one_edit_with_full_settings():
    live = live_table()
    ops = plan(live, dict(WEB, scheduler="rr"))[0]
    assert lines(ops) == ["-E -t 192.0.2.10:80 -s rr"]
    ops = plan(live, {"protocol": "tcp", "vip": "192.0.2.10", "port": 0, "persistence_timeout": 600})[0]
    # -E without -M would reset the mask: the live mask is kept and rendered
    assert lines(ops) == ["-E -t 192.0.2.10:0 -s wlc -p 600 -M 255.255.255.0"]


def test_persistence_off_and_flags_cleared_in_place():
    live = live_table()
    ops = plan_ops(live, {"protocol": "udp", "vip": "192.0.2.10", "port": 5060, "persistence_timeout": 0,
                          "one_packet": False})
    assert lines(ops) == ["-E -u 192.0.2.10:5060 -s rr"]
    ops = plan(live, {"protocol": "udp", "vip": "192.0.2.10", "port": 53, "scheduler": "rr"})[0]
    assert lines(ops) == ["-E -u 192.0.2.10:53 -s rr"]  # sh flags cannot stay on rr


def test_destination_changes_are_edits_and_keep_thresholds():
    live = live_table()
    ops = plan_ops(live, dict(WEB, destinations=[
        {"address": "198.51.100.21", "port": 8080, "weight": 7},
        {"address": "198.51.100.22", "method": "nat"},
        {"address": "198.51.100.23", "method": "tun", "tunnel_type": "gue", "tunnel_port": 6080},
    ]))
    assert [op[0] for op in ops] == ["edit_destination"] * 3
    assert lines(ops) == [
        "-e -t 192.0.2.10:80 -r 198.51.100.21:8080 -m -w 7 -x 2000 -y 1500",
        "-e -t 192.0.2.10:80 -r 198.51.100.22:80 -m -w 65535 -x 0 -y 0",
        "-e -t 192.0.2.10:80 -r 198.51.100.23:80 -i -w 2 -x 0 -y 0 --tun-type gue --tun-port 6080 --tun-nocsum",
    ]


def test_purge_and_services():
    live = live_table()
    ops = plan(live, dict(WEB, destinations=[{"address": "198.51.100.22"}], purge=True))[0]
    assert lines(ops) == ["-d -t 192.0.2.10:80 -r 198.51.100.21:8080", "-d -t 192.0.2.10:80 -r 198.51.100.23:80"]
    ops = plan(live, dict(WEB), purge=True)[0]
    assert len(ops) == len(live) - 1 and all(op[0] == "delete_service" for op in ops)
    assert "-D -f 3000000000" in lines(ops) and "-D -f 4294967295 -6" in lines(ops)


def test_new_service_with_pool_and_identity_change():
    live = live_table()
    ops = plan_ops(live, {"fwmark": 2 ** 31 + 5, "family": "ipv6", "persistence_timeout": 30,
                          "persistence_netmask": "/64",
                          "destinations": [{"address": "2001:DB8:51:0::21", "method": "nat", "port": 80}]})
    assert lines(ops) == ["-A -f 2147483653 -6 -s wlc -p 30 -M 64",
                          "-a -f 2147483653 -6 -r [2001:db8:51::21]:80 -m -w 1 -x 0 -y 0"]
    # another port is another service: added, the old one stays (no purge)
    ops = plan(live, dict(WEB, port=8081))[0]
    assert lines(ops) == ["-A -t 192.0.2.10:8081 -s wlc"]


def test_ipv4_prefix_length_netmask_is_rendered_dotted():
    ops = plan_ops({}, {"protocol": "tcp", "vip": "192.0.2.10", "port": 443, "persistence_timeout": 60,
                        "persistence_netmask": "24"})
    assert lines(ops) == ["-A -t 192.0.2.10:443 -s wlc -p 60 -M 255.255.255.0"]


def test_absent():
    live = live_table()
    ops = plan(live, dict(WEB, state="absent"))[0]
    assert lines(ops) == ["-D -t 192.0.2.10:80"]
    ops = plan({}, dict(WEB, state="absent"))[0]
    assert ops == []


def test_check_mode_prediction_equals_the_target():
    live = live_table()
    ops, targets, scope = plan(live, dict(WEB, scheduler="sh", scheduler_flags=["sh-port"], destinations=[
        {"address": "198.51.100.21", "port": 8080, "weight": 0}, {"address": "198.51.100.24", "method": "nat"}],
        purge=True))
    predicted = apply_operations(live, ops)
    for key in scope:
        assert predicted[key] == targets[key]
    # and the rendered batch, parsed as ipvsadm would save it, is the same table
    assert ipvsadm.parse_save(ipvsadm.render_save(predicted)) == predicted


# --- bad input: refused before anything is done -------------------------------------------

@pytest.mark.parametrize("spec, option, value", [
    (dict(WEB, vip="192.0.2.300"), "vip", "192.0.2.300"),
    (dict(WEB, vip="lb.example"), "vip", "lb.example"),
    (dict(WEB, family="ipv6"), "family", "ipv6"),
    (dict(WEB, port=65536), "port", "65536"),
    (dict(WEB, port=None), "port", "None"),
    (dict(WEB, vip="192.0.2.11", port=0), "port", "0"),
    (dict(WEB, scheduler="fastest"), "scheduler", "fastest"),
    (dict(WEB, scheduler="rr", scheduler_flags=["sh-port"]), "scheduler_flags", "sh-port"),
    (dict(WEB, scheduler="sh", scheduler_flags=["mh-port"]), "scheduler_flags", "mh-port"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "weight": 65536}]), "destinations[0].weight", "65536"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "weight": -1}]), "destinations[0].weight", "-1"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "upper_threshold": 70000}]),
     "destinations[0].upper_threshold", "70000"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "upper_threshold": 5, "lower_threshold": 10}]),
     "destinations[0].lower_threshold", "10"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "port": 8080, "method": "dr"}]),
     "destinations[0].port", "8080"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "port": 8080, "method": "tun"}]),
     "destinations[0].port", "8080"),
    (dict(WEB, destinations=[{"address": "2001:db8:51::21"}]), "destinations[0].address", "2001:db8:51::21"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "tunnel_type": "gue"}]),
     "destinations[0].tunnel_type", "gue"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "method": "tun", "tunnel_type": "gue"}]),
     "destinations[0].tunnel_port", "None"),
    (dict(WEB, destinations=[{"address": "198.51.100.21", "method": "tun", "tunnel_type": "gre",
                              "tunnel_checksum": "remcsum"}]), "destinations[0].tunnel_checksum", "remcsum"),
    ({"fwmark": 0}, "fwmark", "0"),
    ({"fwmark": 2 ** 32}, "fwmark", "4294967296"),
    (dict(WEB, port=81, persistence_netmask="255.255.255.0"), "persistence_netmask", "255.255.255.0"),
    (dict(WEB, port=81, persistence_timeout=60, persistence_netmask="255.0.255.0"), "persistence_netmask",
     "255.0.255.0"),
    ({"protocol": "tcp", "vip": "2001:db8::1", "port": 1, "persistence_timeout": 60,
      "persistence_netmask": "255.255.255.0"}, "persistence_netmask", "255.255.255.0"),
    (dict(WEB, port=81, persistence_timeout=99999999), "persistence_timeout", "99999999"),
    (dict(WEB, port=81, persistence_engine="sip"), "persistence_engine", "sip"),
    (dict(WEB, port=81, one_packet=True), "one_packet", "True"),
])
def test_bad_input_names_option_and_value(spec, option, value):
    with pytest.raises(ValidationError) as error:
        plan(live_table(), spec)
    message = str(error.value)
    assert message.startswith(option + "=") and value in message, message


def test_destination_module_plan_and_refusals():
    live = live_table()
    params = {"protocol": "tcp", "vip": "192.0.2.10", "port": 80,
              "destination": {"address": "198.51.100.22", "weight": 0}}
    targets, scope, key = plan_destination(live, params)
    assert key == ("198.51.100.22", 80)
    assert lines(operations(live, targets, scope)) == ["-e -t 192.0.2.10:80 -r 198.51.100.22:80 -g -w 0 -x 0 -y 0"]
    # the missing service is named by the module's own options
    with pytest.raises(ValidationError, match=r"^vip='192.0.2.10': the service tcp 192.0.2.10:81 does not exist"):
        plan_destination(live, dict(params, port=81))
    with pytest.raises(ValidationError, match=r"^port=70000"):
        plan_destination(live, dict(params, port=70000))
    with pytest.raises(ValidationError, match=r"^destination.weight=70000"):
        plan_destination(live, dict(params, destination={"address": "198.51.100.22", "weight": 70000}))
    with pytest.raises(ValidationError, match=r"^fwmark=81: the service fwmark 81 does not exist"):
        plan_destination(live, {"fwmark": 81, "destination": {"address": "198.51.100.21"}})
    targets, scope, key = plan_destination(live, {"fwmark": 3000000000,
                                                  "destination": {"address": "198.51.100.21", "state": "absent"}})
    assert lines(operations(live, targets, scope)) == ["-d -f 3000000000 -r 198.51.100.21:0"]


# --- applying: one batch, refusal, roll back --------------------------------------------

class FakeKernel:
    """An in-memory IPVS table behind a fake ipvsadm with the -R behaviour recorded in
    restore-refused-midway.out: a refused line is reported on stderr, the batch goes on,
    the exit status is the last line's."""

    def __init__(self, table, refuse=None):
        self.table = table
        self.refuse = refuse or (lambda line: False)
        self.batches = []

    def read_table(self):
        return dict((k, s.copy()) for k, s in self.table.items())

    def commands(self, ops):
        return ["ipvsadm " + line for line in lines(ops)]

    def restore(self, ops):
        self.batches.append(lines(ops))
        rc, errors = 0, []
        for op in ops:
            line = " ".join(ipvsadm.render_operation(op))
            kind, service, _dest = op
            if self.refuse(line) or (kind.endswith("destination") and service.key not in self.table):
                rc = 255
                errors.append("refused: " + line)
                continue
            rc = 0
            self.table = apply_operations(self.table, [op])
        return rc, "", "\n".join(errors)


def test_converge_applies_one_batch():
    live = live_table()
    kernel = FakeKernel(live_table())
    targets, scope = plan_services(live, [desired_service(dict(WEB, scheduler="rr"))])
    result = converge(kernel, live, targets, scope)
    assert result["changed"] and result["commands"] == ["ipvsadm -E -t 192.0.2.10:80 -s rr"]
    assert kernel.batches == [["-E -t 192.0.2.10:80 -s rr"]]
    assert result["before"][0]["scheduler"] == "wrr" and result["after"][0]["scheduler"] == "rr"


def test_check_mode_changes_nothing():
    live = live_table()
    kernel = FakeKernel(live_table())
    targets, scope = plan_services(live, [desired_service(dict(WEB, state="absent"))])
    result = converge(kernel, live, targets, scope, check_mode=True)
    assert result["changed"] and result["after"] == [] and kernel.batches == []


def test_refusal_midway_rolls_back_the_half_applied_pool_and_reports_the_applied():
    live = live_table()
    kernel = FakeKernel(live_table(), refuse=lambda line: "198.51.100.29" in line)
    desired = [
        desired_service(dict(WEB, scheduler="rr", destinations=[
            {"address": "198.51.100.21", "port": 8080, "weight": 9},
            {"address": "198.51.100.29", "method": "nat"}])),          # refused line, after an edit
        desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 90,
                         "destinations": [{"address": "198.51.100.21"}]}),
    ]
    targets, scope = plan_services(live, desired)
    with pytest.raises(ApplyError) as error:
        converge(kernel, live, targets, scope)
    result = error.value.result
    # applied: the commands of the service fully applied, in the format of commands
    assert result["applied"] == ["ipvsadm -A -t 192.0.2.10:90 -s wlc",
                                 "ipvsadm -a -t 192.0.2.10:90 -r 198.51.100.21:90 -g -w 1 -x 0 -y 0"]
    assert result["rc"] == 0 and "refused: " in result["stderr"]
    assert result["rolled_back"] == ["tcp 192.0.2.10:80"]
    assert kernel.table[("tcp", "192.0.2.10", 80)] == live[("tcp", "192.0.2.10", 80)]
    assert ("tcp", "192.0.2.10", 90) in kernel.table
    assert "fully applied: tcp 192.0.2.10:90" in str(error.value)
    assert "rolled back" in str(error.value)
    assert len(kernel.batches) == 2  # the change, then the roll back


def test_compact_report_counts_and_names_only_what_changes():
    live = live_table()
    kernel = FakeKernel(live_table())
    desired = [desired_service(dict(WEB, scheduler="rr")),                              # changed
               desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 7}),  # unchanged
               desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 91,   # added
                                "destinations": [{"address": "198.51.100.21"}]}),
               desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 85, "state": "absent"})]
    targets, scope = plan_services(live, desired)
    result = converge(kernel, live, targets, scope, compact=True, diff=False)
    assert "before" not in result and "after" not in result
    assert result["summary"] == {"services": 3, "destinations": 3 + 2 + 1, "added": ["tcp 192.0.2.10:91"],
                                 "changed": ["tcp 192.0.2.10:80"], "removed": ["tcp 192.0.2.10:85"], "unchanged": 1}
    assert result["commands"] == ["ipvsadm -D -t 192.0.2.10:85", "ipvsadm -E -t 192.0.2.10:80 -s rr",
                                  "ipvsadm -A -t 192.0.2.10:91 -s wlc",
                                  "ipvsadm -a -t 192.0.2.10:91 -r 198.51.100.21:91 -g -w 1 -x 0 -y 0"]
    # in diff mode, before / after hold the services that change, and only those
    live = kernel.read_table()
    targets, scope = plan_services(live, [desired_service(dict(WEB, scheduler="wrr")),
                                          desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 7})])
    result = converge(kernel, live, targets, scope, compact=True, diff=True, check_mode=True)
    assert [s["port"] for s in result["before"]] == [80] and result["before"][0]["scheduler"] == "rr"
    assert [s["port"] for s in result["after"]] == [80] and result["after"][0]["scheduler"] == "wrr"
    assert result["summary"]["changed"] == ["tcp 192.0.2.10:80"] and result["summary"]["unchanged"] == 1


def test_compact_report_after_a_refusal_names_what_changed():
    live = live_table()
    kernel = FakeKernel(live_table(), refuse=lambda line: "198.51.100.29" in line)
    desired = [desired_service(dict(WEB, scheduler="rr", destinations=[{"address": "198.51.100.29", "method": "nat"}])),
               desired_service({"protocol": "tcp", "vip": "192.0.2.10", "port": 90})]
    targets, scope = plan_services(live, desired)
    with pytest.raises(ApplyError) as error:
        converge(kernel, live, targets, scope, compact=True, diff=True)
    result = error.value.result
    assert result["summary"]["added"] == ["tcp 192.0.2.10:90"] and result["summary"]["changed"] == []
    assert result["rolled_back"] == ["tcp 192.0.2.10:80"]
    assert [s["port"] for s in result["after"]] == [90] and result["before"] == []
