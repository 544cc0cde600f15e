"""One way to find a program on the target (command.find_executable): every module that
runs one says the same thing when the host lacks it, before it runs anything, and so do
drift (the call counts as drifted, with that message) and converge (the part fails with
it); find_executable itself; and no other way to look a program up in plugins/."""

import re
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.command import (
    executable_finder,
    find_executable,
    not_installed,
)
from ansible_collections.lvs.cluster.plugins.modules import (
    arptables_vip,
    config_files,
    converge,
    drift,
    fwmark,
    ip_address,
    ipvs_destination,
    ipvs_info,
    ipvs_keepalived,
    ipvs_service,
    kernel_modules,
    nat_masquerade,
    nat_routing,
    sysctls,
    vip_redirect,
)

from module_harness import FakeRunner, run_module

PLUGINS = Path(__file__).resolve().parents[4] / "plugins"
NFT_CHECK = ["nft", "-c", "-f", "%s"]


def cases(tmp):
    """(module, its options, the program it needs, what leads the message)."""
    return [
        (ipvs_service, {"services": [], "purge": True}, "ipvsadm", None),
        (ipvs_destination, {"protocol": "tcp", "vip": "192.0.2.10", "port": 80,
                            "destination": {"address": "198.51.100.21"}}, "ipvsadm", None),
        (ipvs_info, {}, "ipvsadm", None),
        (ipvs_keepalived, {"services": []}, "ipvsadm", None),
        (arptables_vip, {"vips": ["192.0.2.10"], "real_ip": "198.51.100.21", "backend": "nftables"},
         "nft", "backend='nftables'"),
        (arptables_vip, {"vips": ["192.0.2.10"], "real_ip": "198.51.100.21", "backend": "arptables-legacy"},
         "arptables-legacy", "backend='arptables-legacy'"),
        (fwmark, {"fwmark": 1, "vips": ["192.0.2.10"], "ports": ["80"]}, "nft", "backend='nftables'"),
        (fwmark, {"fwmark": 1, "vips": ["192.0.2.10"], "ports": ["80"], "backend": "iptables"},
         "iptables-save", "backend='iptables'"),
        (vip_redirect, {"vips": ["192.0.2.10"]}, "nft", "backend='nftables'"),
        (vip_redirect, {"vips": ["192.0.2.10"], "backend": "iptables-nft"}, "iptables-nft-save",
         "backend='iptables-nft'"),
        (nat_masquerade, {"network": "198.51.100.0/24", "interface": "vec1"}, "nft", None),
        (nat_routing, {"gateway": "198.51.100.1", "sources": ["198.51.100.21"]}, "ip", None),
        (ip_address, {"interface": "lo", "addresses": ["192.0.2.10"]}, "ip", None),
        (sysctls, {"settings": {"net.ipv4.ip_forward": 1}, "path": str(tmp / "60-test.conf")}, "sysctl", None),
        (kernel_modules, {"names": ["lvs_cluster_no_such_module"], "path": str(tmp / "test.conf")},
         "modprobe", None),
        (config_files, {"files": [{"path": str(tmp / "router.nft"), "content": "table ip t {}\n",
                                   "validate": NFT_CHECK}]},
         "nft", "files[0].validate=%r" % NFT_CHECK),
    ]


def ids():
    return ["%s-%s" % (module.__name__.rsplit(".", 1)[1], program) for module, _a, program, _c in cases(Path("/"))]


def message(program, context):
    return "%s: %s" % (context, not_installed(program)) if context else not_installed(program)


@pytest.mark.parametrize("index", range(len(cases(Path("/")))), ids=ids())
def test_a_missing_program_is_named_the_same_way_by_every_module(tmp_path, index):
    module, args, program, context = cases(tmp_path)[index]
    runner = FakeRunner({})   # any command run would fail the test: the lookup comes first
    result = run_module(module, args, runner, missing=(program,))
    assert result["failed"] and not result.get("changed")
    assert result["msg"] == message(program, context)
    assert runner.calls == [] and sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("index", [i for i, (module, *_rest) in enumerate(cases(Path("/")))
                                   if module.__name__.rsplit(".", 1)[1] in drift.BODIES], ids=lambda i: ids()[i])
def test_drift_and_converge_say_it_too_for_their_part(tmp_path, index):
    module, args, program, context = cases(tmp_path)[index]
    name = module.__name__.rsplit(".", 1)[1]
    call = {"name": "part", "module": name, "args": args}
    checked = run_module(drift, {"calls": [call]}, FakeRunner({}), missing=(program,))
    assert not checked["failed"] and checked["drifted"] == ["part"]
    if name == "config_files":   # check mode validates nothing, so needs no program: a change
        assert checked["calls"]["part"] == {"changed": True}
    else:
        assert checked["calls"]["part"] == {"changed": None, "msg": message(program, context)}
    applied = run_module(converge, {"parts": [call]}, FakeRunner({}), missing=(program,))
    assert applied["failed"] and applied["failed_part"] == "part"
    assert applied["msg"] == "part (parts[0], %s): %s" % (name, message(program, context))


class PathRunner(FakeRunner):
    """A FakeRunner that also keeps each command's program as it was run (a path or a name)."""

    def __init__(self, answers):
        super().__init__(answers)
        self.programs = []

    def run_command(self, args, data=None, **kwargs):
        self.programs.append(args[0])
        return super().run_command(args, data, **kwargs)


class Accepting(dict):
    """Answers: rc 0 to any command."""

    def __contains__(self, _command):
        return True

    def __getitem__(self, _command):
        return 0, "", ""


def test_a_validate_program_is_looked_up_only_when_it_runs(tmp_path):
    target = tmp_path / "router.nft"
    args = {"files": [{"path": str(target), "content": "x\n", "validate": NFT_CHECK}]}
    result = run_module(config_files, args, FakeRunner({}), check_mode=True, missing=("nft",))
    assert not result["failed"] and result["changed"]   # check mode validates nothing
    runner = PathRunner({})
    runner.answers = Accepting()   # the staged copy's name is random: nft -c accepts any
    result = run_module(config_files, args, runner)
    assert runner.programs == ["/usr/sbin/nft"]   # run by the path found
    assert result["validated"][0].startswith("nft -c -f ") and target.read_text() == "x\n"


def test_found_programs_are_run_by_their_path(tmp_path):
    args = {"settings": {"net.ipv4.ip_forward": 1}, "path": str(tmp_path / "60-test.conf")}
    runner = PathRunner({"sysctl -n net.ipv4.ip_forward": (0, "0\n", ""),
                         "sysctl -w net.ipv4.ip_forward=1": (0, "", "")})
    result = run_module(sysctls, args, runner)
    assert result["commands"] == ["sysctl -w net.ipv4.ip_forward=1"]   # results name the program
    assert runner.programs == ["/usr/sbin/sysctl", "/usr/sbin/sysctl"]
    runner = PathRunner({"ipvsadm -Ln --daemon": (0, "", ""), "modprobe -a lvs_cluster_no_such_module": (0, "", ""),
                         "ip -j -4 rule": (0, "[]", ""), "ip -j -6 rule": (0, "[]", ""),
                         "ip -j -4 route show table 32701": (0, "[]", ""),
                         "ip -j -6 route show table 32701": (0, "[]", "")})
    run_module(drift, {"reads": [{"name": "daemons", "argv": ["ipvsadm", "-Ln", "--daemon"]}]}, runner)
    run_module(kernel_modules, {"names": ["lvs_cluster_no_such_module"], "path": str(tmp_path / "m.conf")}, runner)
    run_module(nat_routing, {"gateway": None, "sources": []}, runner)
    assert set(runner.programs) == {"/usr/sbin/ipvsadm", "/usr/sbin/modprobe", "/usr/sbin/ip"}


# ---- find_executable itself


class Module:
    """get_bin_path and fail_json as AnsibleModule has them; records how it was asked."""

    def __init__(self, installed):
        self.installed = installed
        self.asked = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        self.asked.append((name, required))
        return "/usr/sbin/" + name if name in self.installed else None

    def fail_json(self, msg, **result):
        raise AssertionError(dict(result, msg=msg))


def test_find_executable():
    module = Module({"nft"})
    assert find_executable(module, "nft") == "/usr/sbin/nft"
    assert find_executable(module, "ip", required=False) is None
    with pytest.raises(AssertionError) as failed:
        find_executable(module, "ip")
    assert failed.value.args[0] == {"msg": "needs the executable 'ip', which is not installed (or not on PATH)",
                                    "changed": False}
    with pytest.raises(AssertionError) as failed:
        find_executable(module, "arptables", context="backend='arptables'")
    assert failed.value.args[0]["msg"] == ("backend='arptables': needs the executable 'arptables', "
                                           "which is not installed (or not on PATH)")
    # never get_bin_path's own failure (another message; it would end drift and converge whole)
    assert all(required is False for _name, required in module.asked)


def test_executable_finder():
    module = Module({"nft"})
    which = executable_finder(module, required=False)
    assert which("nft") == "/usr/sbin/nft" and which("rpm") is None
    with pytest.raises(AssertionError) as failed:
        executable_finder(module, context="backend='nftables'")("iptables-save")
    assert failed.value.args[0]["msg"].startswith("backend='nftables': needs the executable 'iptables-save'")


# ---- the one way: nothing else in plugins/ looks a program up

def test_no_other_way_to_find_a_program_in_plugins():
    allowed = {
        # the one function
        ("module_utils/command.py", "path = module.get_bin_path(name)"),
        # drift's stand-in for AnsibleModule.get_bin_path, for code that calls it
        ("module_utils/drift.py", "def get_bin_path(self, name, required=False, opt_dirs=None):"),
        ("module_utils/drift.py", "return self._module.get_bin_path(name, required=False, opt_dirs=opt_dirs)"),
    }
    found = []
    for path in sorted(PLUGINS.rglob("*.py")):
        relative = str(path.relative_to(PLUGINS))
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0].strip()
            if "get_bin_path(" in code and (relative, code) not in allowed:
                found.append("%s:%d: %s" % (relative, number, code))
            if re.search(r"shutil\.which|spawn\.find_executable|distutils", code):
                found.append("%s:%d: %s" % (relative, number, code))
    assert found == [], "find programs with command.find_executable:\n" + "\n".join(found)


def test_drifts_stand_in_looks_up_and_fails_the_one_call():
    # BodyCall.get_bin_path: a plain lookup; required=True goes through find_executable,
    # so it fails this call (CallFailed), with the same message, never the whole module
    from ansible_collections.lvs.cluster.plugins.module_utils.drift import CallFailed, CheckModeCall

    call = CheckModeCall(Module({"nft"}), {})
    assert call.get_bin_path("nft") == "/usr/sbin/nft" and call.get_bin_path("ip") is None
    with pytest.raises(CallFailed) as failed:
        call.get_bin_path("ip", required=True)
    assert str(failed.value) == not_installed("ip")
