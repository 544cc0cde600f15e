"""The roles' probes of a host, on recorded output: each answered as data (what the roles
decide by), a missing program an answer rather than a failure."""

from ansible_collections.lvs.cluster.plugins.module_utils import host_probes

DPKG = "dpkg-query -W -f ${db:Status-Abbrev};${Package}\n"


def runner(answers):
    calls = []

    def run(argv, data=None):
        command = " ".join([argv[0].rsplit("/", 1)[-1]] + list(argv[1:]))
        calls.append(command)
        return answers.get(command, (1, "", "no answer for %s" % command))
    run.calls = calls
    return run


def which_all(name):
    return "/usr/bin/" + name


def which_none(_name):
    return None


def test_missing_packages_from_dpkg_status():
    run = runner({DPKG + " ipvsadm nftables keepalived":
                  (1, "ii ;ipvsadm\nrc ;keepalived\n", "dpkg-query: no packages found matching nftables\n")})
    assert host_probes.missing_packages(run, which_all, ["ipvsadm", "nftables", "keepalived"]) == ["nftables", "keepalived"]


def test_no_package_asked_reads_nothing():
    run = runner({})
    assert host_probes.missing_packages(run, which_all, []) == [] and run.calls == []


SYSTEMCTL_SHOW = "systemctl show --property=Id,ActiveState,UnitFileState,SourcePath keepalived ipvsadm nosuch"
# recorded on a lab router (Debian 12, systemd 252): keepalived native, ipvsadm a SysV script
SHOWN = ("Id=keepalived.service\nActiveState=inactive\nSourcePath=\nUnitFileState=enabled\n\n"
         "Id=ipvsadm.service\nActiveState=active\nSourcePath=/etc/init.d/ipvsadm\nUnitFileState=generated\n\n"
         "Id=nosuch.service\nActiveState=inactive\nSourcePath=\nUnitFileState=\n")


def test_units_in_one_systemctl_as_is_active_and_is_enabled_say_them():
    run = runner({SYSTEMCTL_SHOW: (0, SHOWN, "")})
    states = host_probes.unit_states(run, which_all, ["keepalived", "ipvsadm", "nosuch"],
                                     rc_links=lambda name: ["/etc/rc5.d/S01" + name])
    assert states == {"keepalived": {"active": "inactive", "enabled": "enabled"},
                      "ipvsadm": {"active": "active", "enabled": "enabled"},
                      "nosuch": {"active": "inactive", "enabled": ""}}
    assert run.calls == [SYSTEMCTL_SHOW]


def test_a_sysv_script_without_start_links_is_disabled():
    run = runner({SYSTEMCTL_SHOW: (0, SHOWN, "")})
    states = host_probes.unit_states(run, which_all, ["keepalived", "ipvsadm", "nosuch"], rc_links=lambda name: [])
    assert states["ipvsadm"] == {"active": "active", "enabled": "disabled"}


def test_units_without_systemctl_are_unknown():
    assert host_probes.unit_states(runner({}), which_none, ["keepalived"]) == {
        "keepalived": {"active": "", "enabled": ""}}


def test_sync_daemons_running_and_none_without_ipvsadm():
    run = runner({"ipvsadm -Ln --daemon": (0, "master sync daemon (mcast=vec2, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n"
                                              "backup sync daemon (mcast=vec2, syncid=51, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n", "")})
    assert host_probes.sync_daemons(run, which_all) == ["master", "backup"]
    assert host_probes.sync_daemons(runner({}), which_none) == []


def test_login_shells_and_a_user_that_does_not_exist():
    assert host_probes.login_shells(["root", "no-such-user-lvs"]) == {"root": "/bin/bash", "no-such-user-lvs": None} \
        or host_probes.login_shells(["no-such-user-lvs"]) == {"no-such-user-lvs": None}


def test_keepalived_conf_ours_theirs_and_missing(tmp_path):
    header = "# rendered by lvs.cluster"
    ours = tmp_path / "ours.conf"
    ours.write_text(header + " for router1\nglobal_defs {\n}\nvirtual_server 192.0.2.10 80 {\n}\nvirtual_server fwmark 80 {\n}\n")
    theirs = tmp_path / "theirs.conf"
    theirs.write_text("! hand-written\nvirtual_server 192.0.2.10 80 {\n}\n")
    assert host_probes.keepalived_conf(str(ours), header) == {"exists": True, "ours": True, "virtual_servers": 2}
    assert host_probes.keepalived_conf(str(theirs), header) == {"exists": True, "ours": False, "virtual_servers": 1}
    assert host_probes.keepalived_conf(str(tmp_path / "none"), header) == {"exists": False, "ours": False, "virtual_servers": 0}


def test_probe_answers_only_what_was_asked():
    run = runner({})
    assert host_probes.probe(run, which_all, {"login_shells": ["no-such-user-lvs"], "sync_daemons": False}) == {
        "login_shells": {"no-such-user-lvs": None}}
    assert run.calls == []
