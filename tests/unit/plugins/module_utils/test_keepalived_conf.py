"""keepalived.conf from the cluster model: structure, per-router values, quoting, checks.

The text is parsed back into blocks (a line ending in '{' opens one, '}' closes it) and
specific structures are asserted. When a keepalived binary is given (LVS_KEEPALIVED), the
rendered files of the three docs/examples are also checked by `keepalived -t` itself."""

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import ClusterError
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_model import load
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import (
    encode_text,
    for_config_test,
    render,
)

ROOT = Path(__file__).resolve().parents[4]
ROUTERS = ["router1", "router2"]
ADDRESSES = {"router1": {"public": "192.0.2.2", "private": "198.51.100.2"},
             "router2": {"public": "192.0.2.3", "private": "198.51.100.3"}}
HOSTS = {"rs1": ["198.51.100.21", "2001:db8:51::21"], "rs2": ["198.51.100.22", "2001:db8:51::22"],
         "rs3": ["198.51.100.23", "2001:db8:51::23"]}

HA = {
    "routers": {"public_interface": "vec1", "private_interface": "vec2",
                "nat_address": "198.51.100.1/24", "ipvs_owner": "keepalived",
                "vrrp": {"virtual_router_id": 51}},
    "services": [
        {"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "nat", "scheduler": "wrr",
         "health_check": {"type": "http", "path": "/health#{x}!", "status_codes": [200, 301],
                          "digest": "9B3A0C85A887A256D6939DA88AABD8CD",
                          "virtual_host": "www.example.com", "on_failure": "quiesce"},
         "sorry_server": {"address": "198.51.100.99", "port": 8080},
         "real_servers": [{"host": "rs1", "port": 8080, "weight": 3, "upper_threshold": 100,
                           "lower_threshold": 10},
                          {"host": "rs2", "health_check": {"type": "tcp", "timeout": 0.5}}]},
        {"name": "tls", "vip": "192.0.2.11", "port": 443, "forwarding": "nat",
         "health_check": {"type": "https", "path": "/", "virtual_host": "tls.example.com"},
         "real_servers": [{"host": "rs3"}]},
        {"name": "bundle", "fwmark": 80, "vips": ["192.0.2.20", "2001:db8:2::20"],
         "ports": [80, 443], "forwarding": "dr",
         "persistence": {"timeout": 300, "netmask": 24, "ipv6_netmask": 64},
         "health_check": {"type": "send_expect", "send": "HEAD / HTTP/1.0\r\n\r\n",
                          "expect": "HTTP/1.1 200 'OK' \"#!\"", "timeout": 2},
         "sorry_server": {"address": "2001:db8:51::99"},
         "real_servers": [{"host": "rs1"}, {"host": "rs3"}]},
        {"name": "tunnelled", "vip": "192.0.2.30", "port": 25, "forwarding": "tun",
         "tunnel": {"type": "ipip"},
         "health_check": {"type": "program", "program": "/usr/local/bin/check-smtp",
                          "timeout": 2.5},
         "real_servers": [{"address": "198.51.100.23"}]},
    ],
}


def parse(text):
    """[(line, [children])] of a rendered keepalived.conf (comments dropped)."""
    root = []
    stack = [root]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "}":
            stack.pop()
        elif line.endswith("{"):
            node = (line[:-1].strip(), [])
            stack[-1].append(node)
            stack.append(node[1])
        else:
            stack[-1].append((line, None))
    assert len(stack) == 1, "unbalanced braces"
    return root


def blocks(tree, header):
    return [children for line, children in tree if line == header and children is not None]


def block(tree, header):
    found = blocks(tree, header)
    assert len(found) == 1, (header, [line for line, _c in tree])
    return found[0]


def lines(tree):
    return [line for line, children in tree if children is None]


def value(tree, keyword):
    found = [line[len(keyword) + 1:] for line in lines(tree) if line.split(" ")[0] == keyword]
    assert len(found) == 1, (keyword, lines(tree))
    return found[0]


def drain_check(address):
    """Every real server's FILE_CHECK on its drain marker (drain_markers.py)."""
    return ("FILE_CHECK", [("track_file lvs_drain_%s" % address.replace(".", "_").replace(":", "_"), None),
                           ("weight -65535", None)])


def rendered(description=None, router="router1", hosts=None, routers=None, **options):
    cluster = load(HA if description is None else description, HOSTS if hosts is None else hosts,
                   ROUTERS if routers is None else routers)
    return render(cluster, router, ADDRESSES, **options)


def changed(path, new, base=None):
    description = copy.deepcopy(HA if base is None else base)
    target = description
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return description


# --- VRRP ---------------------------------------------------------------------------

def test_the_public_and_private_instances_move_together_in_one_sync_group():
    tree = parse(rendered())
    group = block(tree, "vrrp_sync_group lvs_cluster")
    assert lines(block(group, "group")) == ["lvs_public", "lvs_private"]
    public = block(tree, "vrrp_instance lvs_public")
    private = block(tree, "vrrp_instance lvs_private")
    assert value(public, "interface") == "vec1" and value(private, "interface") == "vec2"
    assert lines(block(public, "virtual_ipaddress")) == [
        "192.0.2.10/32 dev vec1", "192.0.2.11/32 dev vec1", "192.0.2.20/32 dev vec1",
        "192.0.2.30/32 dev vec1"]
    # the IPv6 VIP moves with the IPv4 instance (one family per virtual_ipaddress block)
    assert lines(block(public, "virtual_ipaddress_excluded")) == ["2001:db8:2::20/128 dev vec1"]
    assert lines(block(private, "virtual_ipaddress")) == ["198.51.100.1/24 dev vec2"]


def test_a_cluster_without_nat_has_one_instance_and_no_sync_group():
    description = yaml.safe_load((ROOT / "docs/examples/dr/group_vars/all.yml").read_text())
    description = description["lvs_cluster"]
    description["routers"]["vrrp"] = {"virtual_router_id": 52}
    tree = parse(rendered(description))
    assert blocks(tree, "vrrp_sync_group lvs_cluster") == []
    assert blocks(tree, "vrrp_instance lvs_private") == []
    assert len(blocks(tree, "vrrp_instance lvs_public")) == 1


@pytest.mark.parametrize("router, priority", [("router1", "150"), ("router2", "100")])
def test_each_router_gets_its_own_priority_and_all_start_as_backup(router, priority):
    tree = parse(rendered(router=router))
    for name in ("lvs_public", "lvs_private"):
        instance = block(tree, "vrrp_instance %s" % name)
        assert value(instance, "priority") == priority
        assert value(instance, "state") == "BACKUP"
    assert value(block(tree, "global_defs"), "router_id") == '"%s"' % router


def test_the_two_routers_files_differ_only_in_what_is_theirs():
    first = rendered(router="router1").splitlines()
    second = rendered(router="router2").splitlines()
    differing = [(a.strip(), b.strip()) for a, b in zip(first, second) if a != b]
    assert len(first) == len(second)
    assert differing == [('router_id "router1"', 'router_id "router2"'),
                         ("priority 150", "priority 100"), ("priority 150", "priority 100")]


def test_rendering_is_deterministic():
    assert rendered() == rendered()


def test_explicit_priorities_preemption_and_timers():
    description = changed(("routers", "vrrp"), {
        "virtual_router_id": 51, "private_virtual_router_id": 52, "advert_interval": 0.3,
        "priorities": {"router1": 90, "router2": 200}, "preempt_delay": 60,
        "garp_master_delay": 1, "garp_master_refresh": 60, "garp_interval": 0.001,
        "gna_interval": 0.001, "notify": "/usr/local/bin/vrrp-notify"})
    tree = parse(rendered(description, router="router2"))
    public = block(tree, "vrrp_instance lvs_public")
    assert [value(public, k) for k in ("priority", "version", "advert_int", "preempt_delay",
                                       "garp_master_delay", "garp_master_refresh")] == \
        ["200", "3", "0.3", "60", "1", "60"]
    assert value(block(tree, "vrrp_instance lvs_private"), "virtual_router_id") == "52"
    assert value(block(tree, "global_defs"), "vrrp_garp_interval") == "0.001"
    assert value(block(tree, "global_defs"), "vrrp_gna_interval") == "0.001"
    # the notify program is the sync group's (the instances move together)
    assert value(block(tree, "vrrp_sync_group lvs_cluster"), "notify") == \
        '"/usr/local/bin/vrrp-notify"'
    assert "notify" not in [line.split(" ")[0] for line in lines(public)]


def test_no_preemption():
    description = changed(("routers", "vrrp"), {"virtual_router_id": 51, "preempt": False})
    public = block(parse(rendered(description)), "vrrp_instance lvs_public")
    assert "nopreempt" in lines(public)
    assert "preempt_delay" not in " ".join(lines(public))


def test_vrrp2_authenticates_with_the_secret_and_vrrp3_has_none():
    v2 = changed(("routers", "vrrp"), {"virtual_router_id": 51, "version": 2})
    tree = parse(rendered(v2, secret="p{#'}!"))
    for name in ("lvs_public", "lvs_private"):
        auth = block(block(tree, "vrrp_instance %s" % name), "authentication")
        assert lines(auth) == ["auth_type PASS", 'auth_pass "p{#\'}!"']
    assert blocks(block(parse(rendered(v2)), "vrrp_instance lvs_public"), "authentication") == []
    assert blocks(block(parse(rendered()), "vrrp_instance lvs_public"), "authentication") == []
    with pytest.raises(ClusterError) as caught:
        rendered(secret="s3cret")                      # version 3
    assert str(caught.value).startswith("router_vrrp_auth_secret=(hidden): VRRPv3 has no "
                                        "authentication")


@pytest.mark.parametrize("secret", ["has space", 'quo"te', "back\\slash", "toolong123", "new\nline",
                                    "s3cret\n"])
def test_a_bad_secret_is_refused_without_showing_it(secret):
    v2 = changed(("routers", "vrrp"), {"virtual_router_id": 51, "version": 2})
    with pytest.raises(ClusterError) as caught:
        rendered(v2, secret=secret)
    assert str(caught.value).startswith("router_vrrp_auth_secret=(hidden): must be 1 to 8")
    assert secret not in str(caught.value)


def test_unicast_peers_from_the_routers_addresses_or_a_list():
    description = changed(("routers", "vrrp"), {"virtual_router_id": 51, "unicast_peers": True})
    tree = parse(rendered(description, router="router2"))
    public = block(tree, "vrrp_instance lvs_public")
    private = block(tree, "vrrp_instance lvs_private")
    assert value(public, "unicast_src_ip") == "192.0.2.3"
    assert lines(block(public, "unicast_peer")) == ["192.0.2.2"]
    assert value(private, "unicast_src_ip") == "198.51.100.3"
    assert lines(block(private, "unicast_peer")) == ["198.51.100.2"]
    listed = changed(("routers", "vrrp"), {"virtual_router_id": 51, "unicast_peers": {
        "public": ["192.0.2.2", "192.0.2.3", "192.0.2.4"], "private": ["198.51.100.2",
                                                                       "198.51.100.3"]}})
    public = block(parse(rendered(listed)), "vrrp_instance lvs_public")
    assert lines(block(public, "unicast_peer")) == ["192.0.2.3", "192.0.2.4"]   # not itself
    with pytest.raises(ClusterError) as caught:
        render(load(description, HOSTS, ROUTERS), "router1", {"router1": ADDRESSES["router1"]})
    assert str(caught.value).startswith("addresses_of_hosts.router2.public=None: unicast_peers: "
                                        "true needs every router's public address")


def test_both_sync_daemons_run_without_following_vrrp():
    defs = block(parse(rendered()), "global_defs")
    # no "inst": keepalived's checker starts master and backup once; VRRP never switches them
    assert value(defs, "lvs_sync_daemon") == "vec2 id 51"
    assert lines(defs)[:3] == ['router_id "router1"', "enable_script_security",
                               "script_user keepalived_script"]
    off = changed(("routers", "sync"), {"enabled": False})
    assert "lvs_sync_daemon" not in rendered(off)
    other = changed(("routers", "sync"), {"interface": "vec1", "sync_id": 7})
    assert value(block(parse(rendered(other)), "global_defs"), "lvs_sync_daemon") == \
        "vec1 id 7"


STATE_PROGRAM = ["/usr/local/libexec/lvs-cluster/vrrp-state-metric", "/run/lvs-cluster-metrics/vrrp.prom"]


def test_a_vrrp_state_program_reads_every_event_from_a_fifo_of_the_script_user():
    defs = block(parse(rendered(vrrp_state_program=STATE_PROGRAM)), "global_defs")
    assert lines(defs)[-3:] == [
        "vrrp_notify_fifo /run/lvs-cluster-vrrp-state.fifo keepalived_script",
        'vrrp_notify_fifo_script "%s lvs_cluster=lvs_public,lvs_private"' % " ".join(STATE_PROGRAM),
        "fifo_write_vrrp_states_on_reload"]
    # one instance, no sync group: nothing to tell the program
    single = {"routers": {"public_interface": "vec1", "vrrp": {"virtual_router_id": 9}},
              "services": [{"name": "web", "vip": "192.0.2.10", "port": 80, "forwarding": "dr",
                            "real_servers": [{"host": "rs1"}]}]}
    assert 'vrrp_notify_fifo_script "%s"' % " ".join(STATE_PROGRAM) in \
        lines(block(parse(rendered(single, vrrp_state_program=STATE_PROGRAM)), "global_defs"))
    # the user's own notify program is untouched, and without a program there is no FIFO
    notify = changed(("routers", "vrrp"), {"virtual_router_id": 51, "notify": "/usr/local/bin/on-vrrp"})
    with_both = rendered(notify, vrrp_state_program=STATE_PROGRAM).splitlines()
    fifo_lines = ["    " + line for line in lines(defs)[-3:]]
    assert [line for line in with_both if line not in fifo_lines] == rendered(notify).splitlines()
    assert '    notify "/usr/local/bin/on-vrrp"' in with_both
    assert "fifo" not in rendered(notify)
    for bad in (["relative/program"], [], "/usr/bin/x", ["/usr/bin/x y"]):
        with pytest.raises(ClusterError) as caught:
            rendered(vrrp_state_program=bad)
        assert str(caught.value).startswith("vrrp_state_program=%r: must be a list of plain absolute paths" % (bad,))


def test_an_ipv6_only_cluster_advertises_vrrp3_over_ipv6():
    description = {"routers": {"public_interface": "vec1", "vrrp": {"virtual_router_id": 9},
                               "ipvs_owner": "static"},
                   "services": [{"name": "web6", "vip": "2001:db8:2::10", "port": 80,
                                 "real_servers": [{"host": "rs1"}]}]}
    tree = parse(rendered(description))
    public = block(tree, "vrrp_instance lvs_public")
    assert value(public, "version") == "3"
    assert lines(block(public, "virtual_ipaddress")) == ["2001:db8:2::10/128 dev vec1"]
    # static owner: keepalived moves the addresses only
    assert not [line for line, _c in tree if line.startswith("virtual_server")]


def test_render_refuses_what_it_cannot_use():
    with pytest.raises(ClusterError) as caught:
        rendered(router="router9")
    assert str(caught.value).startswith("inventory_hostname='router9': is not one of the routers")
    with pytest.raises(ClusterError) as caught:
        rendered(script_user="root")
    assert str(caught.value).startswith("script_user='root': must be a non-root user name")
    single = {"routers": {"public_interface": "vec1"},
              "services": [{"name": "web", "vip": "192.0.2.10", "port": 80,
                            "real_servers": [{"address": "198.51.100.21"}]}]}
    with pytest.raises(ClusterError) as caught:
        rendered(single, routers=["router1"])
    assert str(caught.value).startswith("lvs_cluster.routers.vrrp=None: keepalived is not used")


# --- virtual servers ----------------------------------------------------------------

def test_a_nat_service_with_thresholds_quiesce_http_check_and_sorry_server():
    web = block(parse(rendered()), "virtual_server 192.0.2.10 80")
    assert [value(web, k) for k in ("lvs_sched", "lvs_method", "protocol", "sorry_server")] == \
        ["wrr", "NAT", "TCP", "198.51.100.99 8080"]
    first = block(web, "real_server 198.51.100.21 8080")
    assert lines(first) == ["weight 3", "uthreshold 100", "lthreshold 10", "inhibit_on_failure"]
    http = block(first, "HTTP_GET")
    assert lines(block(http, "url")) == ['path "/health#{x}!"', "status_code 200 301",
                                         "digest 9b3a0c85a887a256d6939da88aabd8cd",
                                         'virtualhost "www.example.com"']
    assert lines(http) == ["connect_port 8080", "connect_timeout 3", "retry 1",
                           "delay_before_retry 1", "delay_loop 5"]
    # rs2 overrides the check with its own type: a TCP connect, removed on failure
    second = block(web, "real_server 198.51.100.22 80")
    assert "inhibit_on_failure" not in lines(second)
    assert value(block(second, "TCP_CHECK"), "connect_timeout") == "0.5"
    assert value(block(second, "TCP_CHECK"), "connect_port") == "80"


def test_an_https_check_sends_sni_for_its_virtual_host():
    tls = block(parse(rendered()), "virtual_server 192.0.2.11 443")
    check = block(block(tls, "real_server 198.51.100.23 443"), "SSL_GET")
    assert "enable_sni" in lines(check)
    assert lines(block(check, "url")) == ['path "/"', "status_code 200",
                                          'virtualhost "tls.example.com"']


def test_a_mark_of_two_families_is_two_virtual_servers_with_send_expect_checks():
    tree = parse(rendered())
    marks = blocks(tree, "virtual_server fwmark 80")
    assert [value(mark, "ip_family") for mark in marks] == ["inet", "inet6"]
    ipv4, ipv6 = marks
    assert [value(ipv4, k) for k in ("lvs_method", "persistence_timeout",
                                     "persistence_granularity")] == ["DR", "300", "255.255.255.0"]
    assert value(ipv6, "persistence_granularity") == "64"
    assert "protocol" not in [line.split(" ")[0] for line in lines(ipv4)]
    # the sorry server is IPv6: the IPv6 virtual server's only
    assert value(ipv6, "sorry_server") == "2001:db8:51::99"
    assert "sorry_server" not in [line.split(" ")[0] for line in lines(ipv4)]
    # mark real servers carry no port (IPVS keeps the client's)
    assert [line for line, _c in ipv4 if line.startswith("real_server")] == \
        ["real_server 198.51.100.21", "real_server 198.51.100.23"]
    assert [line for line, _c in ipv6 if line.startswith("real_server")] == \
        ["real_server 2001:db8:51::21", "real_server 2001:db8:51::23"]
    misc = block(block(ipv6, "real_server 2001:db8:51::21"), "MISC_CHECK")
    command = value(misc, "misc_path")
    assert value(misc, "misc_timeout") == "7"          # 2 s + the helper's start allowance
    # one quoted string, split by keepalived at spaces into these words (no shell)
    assert command.startswith('"') and command.endswith('"')
    words = command[1:-1].split(" ")
    assert words[:4] == ["/usr/local/libexec/lvs-cluster/send-expect-check", "2001:db8:51::21",
                         "80", "2"]
    assert unquote(words[4][len("--send="):]) == "HEAD / HTTP/1.0\r\n\r\n"
    assert unquote(words[5][len("--expect="):]) == "HTTP/1.1 200 'OK' \"#!\""
    assert not re.search(r"[\s'\"\\#!{}$]", " ".join(words).replace(" ", ""))


def test_a_program_check_gets_the_address_and_port_as_arguments():
    tun = block(parse(rendered()), "virtual_server 192.0.2.30 25")
    assert value(tun, "lvs_method") == "TUN type ipip"
    misc = block(block(tun, "real_server 198.51.100.23 25"), "MISC_CHECK")
    assert value(misc, "misc_path") == '"/usr/local/bin/check-smtp 198.51.100.23 25"'
    assert value(misc, "misc_timeout") == "3"          # 2.5 s rounded up: keepalived's integer


def test_a_service_without_a_check_gets_a_tcp_connect_and_udp_none():
    description = changed(("services",), [
        {"name": "web", "vip": "192.0.2.10", "port": 80, "real_servers": [{"host": "rs1"}]},
        {"name": "dns", "vip": "192.0.2.53", "port": 53, "protocol": "udp",
         "real_servers": [{"host": "rs2"}]}])
    description["routers"].pop("nat_address")
    tree = parse(rendered(description))
    web = block(block(tree, "virtual_server 192.0.2.10 80"), "real_server 198.51.100.21 80")
    assert len(blocks(web, "TCP_CHECK")) == 1
    dns = block(tree, "virtual_server 192.0.2.53 53")
    assert value(dns, "protocol") == "UDP"
    assert block(dns, "real_server 198.51.100.22 53") == [("weight 1", None), drain_check("198.51.100.22")]


def test_static_owner_renders_no_virtual_servers():
    static = changed(("routers", "ipvs_owner"), "static")
    assert "virtual_server" not in rendered(static)


def test_percent_encoding_keeps_text_one_plain_word():
    assert encode_text("GET / HTTP/1.0\r\n\r\n") == "GET%20/%20HTTP/1.0%0D%0A%0D%0A"
    assert encode_text("a\"b'c\\d#e!f{g}h$i") == "a%22b%27c%5Cd%23e%21f%7Bg%7Dh%24i"
    assert unquote(encode_text("grüße")) == "grüße"


def test_the_config_test_copy_runs_scripts_as_root_and_changes_nothing_else():
    text = rendered()
    copy_ = for_config_test(text)
    differing = [(a, b) for a, b in zip(text.splitlines(), copy_.splitlines()) if a != b]
    assert differing == [("    script_user keepalived_script", "    script_user root")]
    with pytest.raises(ValueError):
        for_config_test("global_defs {\n}\n")


# --- keepalived -t itself, when a binary is given ------------------------------------

# the host's (requirements/apt.txt installs Debian 12's 2.2.7), or LVS_KEEPALIVED
KEEPALIVED = os.environ.get("LVS_KEEPALIVED") or shutil.which("keepalived")


def _environment():
    """LD_LIBRARY_PATH for a keepalived unpacked from its .deb (dpkg-deb -x DIR): DIR's
    library directories, where the libraries it needs were unpacked too."""
    environment = dict(os.environ)
    tree = Path(KEEPALIVED).resolve().parents[2]
    libraries = [str(path) for path in (tree / "usr/lib/x86_64-linux-gnu",
                                        tree / "lib/x86_64-linux-gnu") if path.is_dir()]
    if libraries:
        environment["LD_LIBRARY_PATH"] = ":".join(
            libraries + [environment.get("LD_LIBRARY_PATH", "")]).strip(":")
    return environment


# in a user and network namespace of its own: vec1/vec2 as a veth pair with the lab's
# addresses, so the interfaces the files name exist; nothing outside is touched
NAMESPACE_SCRIPT = """
set -e
ip link add vec1 type veth peer name vec2
ip link set lo up; ip link set vec1 up; ip link set vec2 up
ip addr add 192.0.2.2/24 dev vec1
ip addr add 2001:db8:2::2/64 dev vec1 nodad
ip addr add 198.51.100.2/24 dev vec2
for file in "$@"; do
    set +e
    "$KEEPALIVED" --config-test --log-console --use-file "$file" 2>&1
    echo "$file rc=$?"
    set -e
done
"""


def keepalived_test(tmp_path, texts):
    """{name: (exit status, output)} of keepalived -t on each text."""
    files = []
    for name, text in texts.items():
        path = tmp_path / ("%s.conf" % name)
        path.write_text(text)
        files.append(str(path))
    environment = _environment()
    environment["KEEPALIVED"] = KEEPALIVED
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "sh", "-c",
                             NAMESPACE_SCRIPT, "sh"] + files, env=environment,
                            capture_output=True, text=True, timeout=60, check=False)
    if result.returncode != 0:
        pytest.skip("no user and network namespace here: %s" % result.stderr.strip())
    outcome, output = {}, []
    for line in result.stdout.splitlines():
        match = re.match(r"^(\S+)\.conf rc=(\d+)$", line)
        if match:
            outcome[Path(match.group(1)).name] = (int(match.group(2)), "\n".join(output))
            output = []
        else:
            output.append(line)
    return outcome


def example(name, **ha):
    description = yaml.safe_load((ROOT / "docs/examples" / name / "group_vars/all.yml")
                                 .read_text())["lvs_cluster"]
    description["routers"].update(ha)
    return description


@pytest.mark.skipif(not KEEPALIVED, reason="no keepalived: make setup installs it (requirements/apt.txt)")
def test_keepalived_accepts_the_examples_and_refuses_a_broken_file(tmp_path):
    hosts = {"rs1": ["198.51.100.21", "2001:db8:51::21"], "rs2": ["198.51.100.22", "2001:db8:51::22"],
             "rs3": ["198.51.100.23", "2001:db8:51::23"]}
    texts = {}
    for name, vrid in (("nat", 51), ("dr", 52), ("tun", 53)):
        for owner in ("keepalived", "static"):
            vrrp = {"virtual_router_id": vrid, "unicast_peers": True}
            description = example(name, ipvs_owner=owner, vrrp=vrrp)
            text = render(load(description, hosts, ROUTERS), "router1", ADDRESSES)
            texts["%s-%s" % (name, owner)] = for_config_test(text)
    everything = render(load(HA, HOSTS, ROUTERS), "router2", ADDRESSES)
    texts["everything"] = for_config_test(everything)
    v2 = changed(("routers", "vrrp"), {"virtual_router_id": 51, "version": 2})
    texts["vrrp2"] = for_config_test(render(load(v2, HOSTS, ROUTERS), "router1", ADDRESSES,
                                            secret="p{#'}!"))
    ipv6 = {"routers": {"public_interface": "vec1", "ipvs_owner": "keepalived",
                        "vrrp": {"virtual_router_id": 54, "advert_interval": 0.1}},
            "services": [{"name": "web6", "vip": "2001:db8:2::10", "port": 80, "scheduler": "sh",
                          "scheduler_flags": ["sh-port"], "persistence": {"timeout": 60, "ipv6_netmask": 64},
                          "health_check": {"type": "http", "path": "/", "status_codes": [200, 204]},
                          "sorry_server": {"address": "2001:db8:51::99"},
                          "real_servers": [{"host": "rs1"}, {"host": "rs2", "weight": 0}]}]}
    texts["ipv6"] = for_config_test(render(load(ipv6, hosts, ROUTERS), "router2", ADDRESSES))
    texts["vrrp-state"] = for_config_test(render(load(HA, HOSTS, ROUTERS), "router1", ADDRESSES,
                                                 vrrp_state_program=STATE_PROGRAM))
    # what the model refuses, written past it: keepalived refuses it too
    texts["broken"] = texts["nat-keepalived"].replace("advert_int 1", "advert_int 0.005")
    outcome = keepalived_test(tmp_path, texts)
    assert set(outcome) == set(texts), outcome
    for name in texts:
        if name != "broken":
            assert outcome[name] == (0, ""), (name, outcome[name])
    status, output = outcome["broken"]
    assert status != 0 and "0.005" in output, outcome["broken"]


@pytest.mark.skipif(not KEEPALIVED, reason="no keepalived: make setup installs it (requirements/apt.txt)")
def test_keepalived_splits_a_check_command_into_the_words_rendered(tmp_path):
    """keepalived logs a misc script it cannot run as a user that does not exist, word by
    word: the words are exactly the rendered ones (the send/expect text stays one word)."""
    text = render(load(HA, HOSTS, ROUTERS), "router1", ADDRESSES, script_user="nosuchuser")
    status, output = keepalived_test(tmp_path, {"words": text})["words"]
    assert status != 0
    quoted = " ".join("'%s'" % word for word in [
        "/usr/local/libexec/lvs-cluster/send-expect-check", "198.51.100.21", "80", "2",
        "--send=HEAD%20/%20HTTP/1.0%0D%0A%0D%0A",
        "--expect=HTTP/1.1%20200%20%27OK%27%20%22%23%21%22"])
    assert "misc script %s - removing" % quoted in output, output


# --- keepalived's own limits (issue 16, defect 5) ---------------------------------------

BUNDLE_CHECK = ("services", 2, "health_check")


def _with_expect(length):
    return changed(BUNDLE_CHECK, {"type": "send_expect", "send": "", "expect": "x" * length})


def _longest_accepted_expect():
    """The longest expect the renderer takes for the bundle's check (its misc_path line is
    then MAX_LINE long), found by trying each length from well below."""
    for length in range(800, 4096):
        try:
            rendered(_with_expect(length + 1))
        except ClusterError:
            return length
    pytest.fail("the renderer took every expect up to the model's 4,096 characters")


def test_a_line_longer_than_keepalived_reads_is_refused_by_the_description_path():
    with pytest.raises(ClusterError) as caught:
        rendered(_with_expect(1200))
    message = str(caught.value)
    assert message.startswith("lvs_cluster.services[2].health_check.expect='xxxx"), message
    assert "(1200 characters): makes keepalived.conf's line 'misc_path ...'" in message, message
    # with send too, both are named (they share the line)
    with pytest.raises(ClusterError) as caught:
        rendered(changed(BUNDLE_CHECK, {"type": "send_expect", "send": "s" * 600,
                                        "expect": "e" * 600}))
    assert str(caught.value).startswith(
        "lvs_cluster.services[2].health_check.send='ssss"), caught.value
    assert " with lvs_cluster.services[2].health_check.expect='eeee" in str(caught.value)


def test_other_lines_that_can_grow_name_their_path():
    every_code = changed(("services", 0, "health_check", "status_codes"), list(range(100, 600)))
    with pytest.raises(ClusterError, match=r"^lvs_cluster\.services\[0\]\.health_check\."
                                           r"status_codes=\[100, 101, .*'status_code \.\.\.'"):
        rendered(every_code)
    notify = changed(("routers", "vrrp"), {"virtual_router_id": 51,
                                           "notify": "/usr/local/bin/" + "n" * 1100})
    with pytest.raises(ClusterError, match=r"^lvs_cluster\.routers\.vrrp\.notify='/usr/local/bin/n"):
        rendered(notify)


@pytest.mark.skipif(not KEEPALIVED, reason="no keepalived: make setup installs it (requirements/apt.txt)")
def test_the_line_limit_is_keepalived_s(tmp_path):
    """The longest line the renderer writes passes keepalived -t; the same check two
    characters longer (written past the renderer, 1,024 characters) makes keepalived fail."""
    longest = _longest_accepted_expect()
    text = rendered(_with_expect(longest))
    assert max(len(line) for line in text.splitlines()) == 1022
    past = text.replace("x" * longest, "x" * (longest + 2))
    outcome = keepalived_test(tmp_path, {"longest": for_config_test(text),
                                         "past": for_config_test(past)})
    assert outcome["longest"] == (0, ""), outcome["longest"]
    assert outcome["past"][0] != 0, outcome["past"]


@pytest.mark.skipif(not KEEPALIVED, reason="no keepalived: make setup installs it (requirements/apt.txt)")
def test_more_vips_than_an_advert_carries_pass_keepalived_s_test(tmp_path):
    """An advert carries at most 255 IPv4 / 89 IPv6 addresses at MTU 1500 (keepalived's
    test fails beyond them, rc 5); the rest are rendered as excluded addresses."""
    texts, advertised = {}, {}
    for family, count in (("ipv4", 300), ("ipv6", 120)):
        vips = (["192.0.2.%d" % (1 + index) for index in range(250)]
                + ["192.0.3.%d" % (1 + index) for index in range(count - 250)]
                if family == "ipv4" else ["2001:db8:2::%x" % (0x100 + index) for index in range(count)])
        server = "198.51.100.21" if family == "ipv4" else "2001:db8:51::21"
        description = {"routers": {"public_interface": "vec1", "ipvs_owner": "keepalived",
                                   "vrrp": {"virtual_router_id": 54}},
                       "services": [{"name": "many", "fwmark": 5, "vips": vips, "ports": [80],
                                     "real_servers": [{"address": server}]}]}
        text = rendered(description, hosts={})
        instance = block(parse(text), "vrrp_instance lvs_public")
        advertised[family] = len(lines(block(instance, "virtual_ipaddress")))
        excluded = len(lines(block(instance, "virtual_ipaddress_excluded")))
        assert advertised[family] + excluded == count
        texts[family] = for_config_test(text)
    assert advertised == {"ipv4": 255, "ipv6": 76}
    outcome = keepalived_test(tmp_path, texts)
    assert outcome == {"ipv4": (0, ""), "ipv6": (0, "")}, outcome


def test_each_real_server_address_is_one_tracked_drain_marker():
    tree = parse(rendered())
    tracked = [header for header, _body in tree if header.startswith("track_file ")]
    assert len(tracked) == len(set(tracked)) > 0
    assert block(tree, "track_file lvs_drain_198_51_100_21") == [
        ('file "/var/lib/lvs-cluster/drain/198.51.100.21"', None)]
    for service_header, service in tree:
        for header, body in service or []:
            if header.startswith("real_server "):
                assert drain_check(header.split()[1]) in body, (service_header, header)


def test_the_drain_directory_is_a_plain_absolute_path():
    assert 'file "/srv/drain/198.51.100.21"' in rendered(drain_directory="/srv/drain")
    with pytest.raises(ClusterError, match="drain_directory='drain': must be a plain absolute path"):
        rendered(drain_directory="drain")
