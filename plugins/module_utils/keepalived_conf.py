# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived.conf of one router, from a valid Cluster (cluster_model.load).

    render(cluster, "router1", {"router1": {"public": "192.0.2.2", ...}, ...}, secret=None)

One file, the same text for the same input (no dates, sorted where order is not meaning):

- global_defs: router_id, enable_script_security, script_user (the check and notify
  programs never run as root), the GARP/NA intervals, lvs_sync_daemon (master and
  backup daemons on every router, not switched by VRRP) when connection sync is on, and
  with a VRRP state program (the router role's metrics) the FIFO keepalived writes every
  instance's state to, in order, and the program that reads it (vrrp_state_metric.py);
- vrrp_sync_group ``lvs_cluster`` holding the public (VIPs) and private (NAT address)
  instances, so that they move together; every router starts BACKUP and the priorities
  elect the master;
- in ``ipvs_owner: keepalived`` mode, one virtual_server per IPVS service (a mark with
  VIPs of both families is two, as in the IPVS table) with its real servers and their
  checks (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK), and a FILE_CHECK on the real
  server's drain marker (drain_markers.py: a drained real server's weight is 0, it stays
  alive), each marker a ``track_file`` of its own.

Syntax: keepalived 2.2.7 (Debian 12), keepalived.conf(5). Every string from the
inventory is written in double quotes, and the model refuses what a quoted string cannot
carry (a quote, a backslash, a control character: lib/parser.c ends the string, escapes
or continues the line on them); _quote() refuses them again here, by the same check
(validation.keepalived_string). Programs get their arguments as separate words: no shell
ever parses a string built from inventory values. A line longer than keepalived reads is
refused naming the description's paths of what it carries: every such line, one a line.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import ROUND_CEILING, Decimal

try:
    from urllib.parse import quote as _percent
except ImportError:  # pragma: no cover - Python 2 targets never render
    from urllib import quote as _percent

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import (
    ClusterError,
    Mistakes,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_ipvs import ipvs_entries
from ansible_collections.lvs.cluster.plugins.module_utils import drain_markers
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_router_projection import (
    router_addresses,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import SECRET_VARIABLE
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import normalise_netmask
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    KEEPALIVED_UNQUOTABLE,
    ValidationError,
    address as parse_address,
    address_sort_key,
    fail,
    keepalived_string,
)

DEFAULT_SCRIPT_USER = "keepalived_script"
# where the router role installs send_expect_check.py (this collection's send/expect
# checker: keepalived 2.2.7 has none for TCP)
DEFAULT_SEND_EXPECT_HELPER = "/usr/local/libexec/lvs-cluster/send-expect-check"
# Seconds keepalived gives the send/expect helper beyond its own timeout, which starts
# once python3 is up: its start took 0.4-0.8 s on the lab's UML routers and over 2 s
# while they were loaded, and a kill there takes a healthy real server out (with
# expire_nodest_conn=1 the kernel then resets its connections). Only a backstop: the
# helper itself gives up after the check's timeout.
HELPER_START_ALLOWANCE = 5
NOTIFY_PATH = "lvs_cluster.routers.vrrp.notify"
# The FIFO keepalived writes VRRP events to for the VRRP state program (the router role's
# metrics): keepalived makes it (owned by the script user, who reads it) at each start and
# reload.
VRRP_STATE_FIFO = "/run/lvs-cluster-vrrp-state.fifo"
# The addresses one VRRP advert carries (keepalived vrrp.c: an 8-bit count, and what fits in
# the interface's MTU: IPv6 at 1500 takes 89). keepalived moves the rest to the excluded
# addresses itself, but its config test then fails (measured on 2.2.7: 90 IPv6 VIPs, rc 5).
# IPv6 is counted at its minimum MTU, 1280: (1280 - 14 - 40 - 8) / 16.
MAX_ADVERTISED = {"ipv4": 255, "ipv6": 76}
PUBLIC_INSTANCE = "lvs_public"
PRIVATE_INSTANCE = "lvs_private"
SYNC_GROUP = "lvs_cluster"
METHODS = {"nat": "NAT", "dr": "DR", "tun": "TUN"}
CHECKERS = {"tcp": "TCP_CHECK", "http": "HTTP_GET", "https": "SSL_GET",
            "send_expect": "MISC_CHECK", "program": "MISC_CHECK"}
# what send/expect text keeps as it is; everything else is %XX (UTF-8), so the argument
# has no space, quote, backslash, '#', '!', '{', '}' or '$' for keepalived's parser
_PERCENT_SAFE = "/:.,=+@"
_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}\Z")
_SECRET = re.compile(r"^[!#-\[\]-~]{1,8}\Z")     # printable ASCII but space, " and \
# keepalived 2.2.7 reads keepalived.conf a line at a time into 1,024 bytes (lib/parser.h
# MAXBUF): a longer line is cut, and its config test crashes on it (measured with Debian's
# 2.2.7: a 1,023-character line passes -t, 1,024 ends it with SIGSEGV). A line and its
# newline must fit.
MAX_LINE = 1022


def _quote(text):
    """text in double quotes; a value the quotes cannot hold is refused (defence in depth:
    the model refuses it first, with the variable's path)."""
    return '"%s"' % keepalived_string("keepalived.conf", "%s" % text, "a quoted string", None)


def _script(words):
    """A program and its arguments as keepalived's script keywords take them: one quoted
    string that keepalived splits at spaces (lib/notify.c); each word is checked to have
    no space, quote, backslash or control character, so the split gives back the words."""
    for word in words:
        if not word or re.search(r"[\s']", word) or KEEPALIVED_UNQUOTABLE.search(word):
            raise ClusterError("keepalived.conf=%r: a program argument must be one plain word"
                               % word)
    return _quote(" ".join(words))


def encode_text(text):
    """send/expect text as one safe word (percent-encoding of its UTF-8 bytes)."""
    return _percent(text.encode("utf-8"), safe=_PERCENT_SAFE)


def _shown(path, value):
    """path=value as errors show it, a long value cut to its start and its length."""
    text = "%r" % (value,)
    if len(text) > 50:
        text = "%s...' (%d characters)" % (text[:40], len("%s" % (value,)))
    return "%s=%s" % (path, text)


class _Writer(object):
    """keepalived.conf's lines; every line longer than keepalived reads is a mistake, named
    once by what it carries (the same check repeats for each real server)."""

    def __init__(self):
        self.lines = []
        self.depth = 0
        self.mistakes = Mistakes()
        self.named = set()

    def line(self, text="", sources=()):
        """One line; sources: [(the description's path, value)] of what the line carries,
        named when the line is longer than keepalived reads."""
        line = ("    " * self.depth + text) if text else ""
        length = len(line.encode("utf-8"))
        if length > MAX_LINE:
            what = " with ".join(_shown(path, value) for path, value in sources) \
                or "keepalived.conf line %d" % (len(self.lines) + 1)
            if what not in self.named:
                self.named.add(what)
                self.mistakes.add(ValidationError(
                    "%s: makes keepalived.conf's line '%s ...' %d characters long (as written "
                    "there: send/expect text percent-encoded); keepalived reads at most %d per "
                    "line and fails on a longer one: shorten it by at least %d"
                    % (what, text.split(" ", 1)[0], length, MAX_LINE, length - MAX_LINE)))
        self.lines.append(line)

    def open(self, text):
        self.line("%s {" % text)
        self.depth += 1

    def close(self):
        self.depth -= 1
        self.line("}")

    def text(self):
        """The file; ClusterError if a line is too long."""
        self.mistakes.raise_any()
        return "\n".join(self.lines) + "\n"


def _checked_secret(secret, version):
    if secret is None or secret == "":
        return None
    if version != 2:
        raise ClusterError("%s=(hidden): VRRPv3 has no authentication; the secret is only for "
                           "routers.vrrp.version: 2 (leave it empty)" % SECRET_VARIABLE)
    if not isinstance(secret, str) or not _SECRET.match(secret):
        raise ClusterError("%s=(hidden): must be 1 to 8 printable ASCII characters without "
                           "spaces, quotes or backslashes (VRRPv2 carries 8 bytes)"
                           % SECRET_VARIABLE)
    return secret


def _own_addresses(addresses_of_hosts, host):
    given = (addresses_of_hosts or {}).get(host) or {}
    if not isinstance(given, dict):
        raise ClusterError("addresses_of_hosts.%s=%r: must be {public: address, private: "
                           "address}" % (host, given))
    return given


def _unicast(cluster, router_host, addresses_of_hosts, instance, family):
    """(source address or None, [peer addresses]) of one VRRP instance, or None (multicast)."""
    peers_setting = cluster.routers.vrrp.unicast_peers
    if not peers_setting:
        return None
    source = _own_addresses(addresses_of_hosts, router_host).get(instance)
    if source is not None:
        source = _address("addresses_of_hosts.%s.%s" % (router_host, instance), source, family)
    if peers_setting is True:
        peers = []
        for host in cluster.routers.hosts:
            if host == router_host:
                continue
            given = _own_addresses(addresses_of_hosts, host).get(instance)
            if given is None:
                raise ClusterError("addresses_of_hosts.%s.%s=None: unicast_peers: true needs "
                                   "every router's %s address" % (host, instance, instance))
            peers.append(_address("addresses_of_hosts.%s.%s" % (host, instance), given, family))
        if source is None:
            raise ClusterError("addresses_of_hosts.%s.%s=None: unicast_peers: true needs this "
                               "router's own %s address" % (router_host, instance, instance))
    else:
        peers = [peer for peer in peers_setting[instance] if peer != source]
    return source, sorted(set(peers), key=address_sort_key)


def _address(path, text, family):
    return parse_address(path, text, family)[0]


def _seconds_ceiling(text):
    number = Decimal(text)
    whole = int(number.to_integral_value(rounding=ROUND_CEILING))
    return max(whole, 1)


def _global_defs(out, cluster, router_host, script_user, vrrp_state_program=None):
    vrrp, sync = cluster.routers.vrrp, cluster.routers.sync
    out.open("global_defs")
    out.line("router_id %s" % _quote(router_host))
    # check and notify programs run as script_user, and keepalived refuses any of them a
    # non-root user could replace
    out.line("enable_script_security")
    out.line("script_user %s" % script_user)
    if vrrp is not None:
        if vrrp.garp_interval is not None:
            out.line("vrrp_garp_interval %s" % vrrp.garp_interval)
        if vrrp.gna_interval is not None:
            out.line("vrrp_gna_interval %s" % vrrp.gna_interval)
        if sync.enabled:
            # Both daemons, master and backup, on every router all the time (no "inst": the
            # checker process starts both once; VRRP transitions leave them alone). With
            # "inst lvs_public" the VRRP process switched them on each transition, and in the
            # lab that switch twice left it stuck in the kernel mid-failover, the VIPs moved and
            # the NAT address not (docs/keepalived.md).
            out.line("lvs_sync_daemon %s id %d" % (sync.interface, sync.sync_id))
        if vrrp_state_program:
            # One program reads every event in order (notify scripts run concurrently and
            # can end out of order), as script_user; the states are written again after a
            # reload, when keepalived starts a new one. The user's own notify stays as it is.
            # After a reload keepalived 2.2.7 writes only a sync group's state, not its
            # instances': the program is told which instances the group holds.
            names = [instance[0] for instance in _instances(cluster)]
            group = ["%s=%s" % (SYNC_GROUP, ",".join(names))] if len(names) > 1 else []
            out.line("vrrp_notify_fifo %s %s" % (VRRP_STATE_FIFO, script_user))
            out.line("vrrp_notify_fifo_script %s" % _script(list(vrrp_state_program) + group))
            out.line("fifo_write_vrrp_states_on_reload")
    out.close()


def _instances(cluster):
    """[(name, interface, vrid, family, [addresses with prefix])] of the VRRP instances."""
    routers = cluster.routers
    addresses = router_addresses(cluster)
    instances = [(PUBLIC_INSTANCE, routers.public_interface,
                  routers.vrrp.virtual_router_id, routers.vrrp_families["public"],
                  addresses["public"])]
    if addresses["private"]:
        instances.append((PRIVATE_INSTANCE, routers.private_interface,
                          routers.vrrp.private_virtual_router_id,
                          routers.vrrp_families["private"], addresses["private"]))
    return instances


def _vrrp(out, cluster, router_host, addresses_of_hosts, secret):
    vrrp = cluster.routers.vrrp
    instances = _instances(cluster)
    grouped = len(instances) > 1
    if grouped:
        out.line()
        out.open("vrrp_sync_group %s" % SYNC_GROUP)
        out.open("group")
        for name, _interface, _vrid, _family, _addresses in instances:
            out.line(name)
        out.close()
        if vrrp.notify:
            out.line("notify %s" % _script([vrrp.notify]), [(NOTIFY_PATH, vrrp.notify)])
        out.close()
    priority = vrrp.priorities[router_host]
    for name, interface, vrid, family, addresses in instances:
        out.line()
        out.open("vrrp_instance %s" % name)
        # all start BACKUP: the priorities elect the master (nopreempt needs it too)
        out.line("state BACKUP")
        out.line("interface %s" % interface)
        out.line("virtual_router_id %d" % vrid)
        out.line("priority %d" % priority)
        out.line("version %d" % vrrp.version)
        out.line("advert_int %s" % vrrp.advert_interval)
        if not vrrp.preempt:
            out.line("nopreempt")
        elif vrrp.preempt_delay is not None:
            out.line("preempt_delay %s" % vrrp.preempt_delay)
        for key in ("garp_master_delay", "garp_master_repeat", "garp_master_refresh",
                    "garp_master_refresh_repeat"):
            if getattr(vrrp, key) is not None:
                out.line("%s %d" % (key, getattr(vrrp, key)))
        unicast = _unicast(cluster, router_host, addresses_of_hosts,
                           "public" if name == PUBLIC_INSTANCE else "private", family)
        if unicast is not None:
            source, peers = unicast
            if source is not None:
                out.line("unicast_src_ip %s" % source)
            out.open("unicast_peer")
            for peer in peers:
                out.line(peer)
            out.close()
        if secret is not None:
            out.open("authentication")
            out.line("auth_type PASS")
            out.line("auth_pass %s" % _quote(secret))
            out.close()
        # one family per virtual_ipaddress block, and no more than an advert carries; the
        # other family's VIPs and the rest go in virtual_ipaddress_excluded (keepalived.conf(5)),
        # moved with the instance all the same
        own = [a for a in addresses if (":" in a) == (family == "ipv6")]
        other = [a for a in addresses if (":" in a) != (family == "ipv6")]
        advertised = own[:MAX_ADVERTISED[family]]
        excluded = own[MAX_ADVERTISED[family]:] + other
        for block, listed in (("virtual_ipaddress", advertised),
                              ("virtual_ipaddress_excluded", excluded)):
            if listed:
                out.open(block)
                for address in listed:
                    out.line("%s dev %s" % (address, interface))
                out.close()
        if vrrp.notify and not grouped:
            out.line("notify %s" % _script([vrrp.notify]), [(NOTIFY_PATH, vrrp.notify)])
        out.close()


def _check(out, check, address, send_expect_helper):
    out.open(CHECKERS[check.type])
    if check.type in ("send_expect", "program"):
        if check.type == "program":
            words = [check.program, address, "%d" % check.port]
            timeout = _seconds_ceiling(check.timeout)
        else:
            words = [send_expect_helper, address, "%d" % check.port, check.timeout]
            if check.send:
                words.append("--send=%s" % encode_text(check.send))
            words.append("--expect=%s" % encode_text(check.expect))
            timeout = _seconds_ceiling(check.timeout) + HELPER_START_ALLOWANCE
        out.line("misc_path %s" % _script(words),
                 [(check.paths[key], getattr(check, key)) for key in ("program", "send", "expect")
                  if getattr(check, key) and key in check.paths])
        out.line("misc_timeout %d" % timeout)
    else:
        if check.type in ("http", "https"):
            out.open("url")
            out.line("path %s" % _quote(check.path), [(check.paths["path"], check.path)])
            out.line("status_code %s" % " ".join("%d" % code for code in check.status_codes),
                     [(check.paths["status_codes"], check.status_codes)])
            if check.digest:
                out.line("digest %s" % check.digest)
            if check.virtual_host:
                out.line("virtualhost %s" % _quote(check.virtual_host),
                         [(check.paths["virtual_host"], check.virtual_host)])
            out.close()
            if check.type == "https" and check.virtual_host:
                out.line("enable_sni")
        out.line("connect_port %d" % check.port)
        out.line("connect_timeout %s" % check.timeout)
    out.line("retry %d" % check.retry)
    out.line("delay_before_retry %s" % check.delay_before_retry)
    out.line("delay_loop %s" % check.interval)
    out.close()


def _drain_track_files(out, cluster, directory):
    """A track_file per real server address: its drain marker (keepalived watches the
    directory, which must exist when it starts; a missing file reads as 0)."""
    addresses = sorted(set(server.address for service in cluster.services
                           for server in service.real_servers), key=address_sort_key)
    for address in addresses:
        out.line()
        out.open("track_file %s" % drain_markers.track_file_name(address))
        out.line("file %s" % _quote(drain_markers.marker_path(directory, address)))
        out.close()


def _virtual_servers(out, cluster, send_expect_helper):
    for service in cluster.services:
        for entry in ipvs_entries(service):
            family = entry.get("family", service.family)
            out.line()
            if service.fwmark is not None:
                out.open("virtual_server fwmark %d" % service.fwmark)
                # before the real servers: keepalived takes the family from them otherwise
                out.line("ip_family %s" % ("inet6" if family == "ipv6" else "inet"))
            else:
                out.open("virtual_server %s %d" % (entry["vip"], entry["port"]))
            out.line("# service %s" % service.name)
            out.line("lvs_sched %s" % entry["scheduler"])
            for flag in entry.get("scheduler_flags", []):
                out.line(flag)
            method = METHODS[service.forwarding]
            if service.forwarding == "tun" and service.tunnel_type:
                method += " type %s" % service.tunnel_type
            out.line("lvs_method %s" % method)
            if service.fwmark is None:
                out.line("protocol %s" % service.protocol.upper())
            if entry.get("persistence_timeout") is not None:
                out.line("persistence_timeout %d" % int(entry["persistence_timeout"]))
                if entry.get("persistence_netmask") is not None:
                    # keepalived reads an IPv4 granularity as an address: dotted, never a
                    # prefix length ("24" would be 0.0.0.24)
                    out.line("persistence_granularity %s" % normalise_netmask(
                        "persistence", entry["persistence_netmask"], family))
            sorry = service.sorry_server
            if sorry is not None and sorry.family == family:
                port = sorry.port if sorry.port is not None else (
                    None if service.fwmark is not None else entry["port"])
                out.line("sorry_server %s%s"
                         % (sorry.address, "" if port is None else " %d" % port))
            for server in service.real_servers:
                if server.family != family:
                    continue
                _real_server(out, service, entry, server, send_expect_helper)
            out.close()


def _real_server(out, service, entry, server, send_expect_helper):
    if service.fwmark is not None:
        out.open("real_server %s" % server.address)
    else:
        out.open("real_server %s %d" % (server.address, server.port if server.port is not None
                                        else entry["port"]))
    out.line("weight %d" % (server.weight if server.weight is not None else 1))
    if server.upper_threshold:
        out.line("uthreshold %d" % server.upper_threshold)
    if server.lower_threshold:
        out.line("lthreshold %d" % server.lower_threshold)
    # drained (its marker holds 1): weight 0, alive, established connections continue
    out.open("FILE_CHECK")
    out.line("track_file %s" % drain_markers.track_file_name(server.address))
    out.line("weight %d" % drain_markers.FILE_CHECK_WEIGHT)
    out.close()
    check = server.health_check
    if check is not None:
        if check.on_failure == "quiesce":
            # weight 0 instead of removal: established connections drain (with the kernel's
            # expire_nodest_conn=0 a removed server's connections are dropped silently)
            out.line("inhibit_on_failure")
        _check(out, check, server.address, send_expect_helper)
    out.close()


def render(cluster, router_host, addresses_of_hosts, secret=None, script_user=DEFAULT_SCRIPT_USER,
           send_expect_helper=DEFAULT_SEND_EXPECT_HELPER, vrrp_state_program=None,
           drain_directory=drain_markers.DEFAULT_DIRECTORY):
    """keepalived.conf for router_host.

    addresses_of_hosts: {router host: {"public": address, "private": address}}, each
    router's own address on the public and private interface (from its facts); needed with
    unicast_peers (true: the peers are the other routers' addresses; a list: this router's
    own address is taken out of it). secret: the VRRPv2 password (router_vrrp_auth_secret),
    only with version 2. vrrp_state_program: the program and its arguments keepalived
    starts to read VRRP_STATE_FIFO (None: no FIFO; the sync group's instances are added as
    GROUP=INSTANCE,INSTANCE, vrrp_state_metric.py's argument). drain_directory: where the
    drain markers are (drain_markers.py). Raises ClusterError naming what is wrong (every
    line longer than keepalived reads)."""
    try:
        return _render(cluster, router_host, addresses_of_hosts, secret, script_user,
                       send_expect_helper, vrrp_state_program, drain_directory)
    except ClusterError:
        raise
    except ValidationError as error:    # the validation core's, of a value given here
        raise ClusterError(str(error))


def _render(cluster, router_host, addresses_of_hosts, secret, script_user, send_expect_helper,
            vrrp_state_program=None, drain_directory=drain_markers.DEFAULT_DIRECTORY):
    if not cluster.uses_keepalived() or cluster.routers.vrrp is None:
        raise ClusterError("lvs_cluster.routers.vrrp=None: keepalived is not used by this "
                           "cluster (one router, ipvs_owner: static, no vrrp)")
    routers = cluster.routers.hosts
    if routers is None or router_host not in routers:
        raise ClusterError("inventory_hostname=%r: is not one of the routers (%s)"
                           % (router_host, ", ".join(routers or []) or "none given"))
    if not isinstance(script_user, str) or not _USER.match(script_user) or script_user == "root":
        raise ClusterError("script_user=%r: must be a non-root user name" % (script_user,))
    if not isinstance(send_expect_helper, str) or \
            not re.match(r"^/[A-Za-z0-9._+@/-]+\Z", send_expect_helper):
        fail("send_expect_helper", send_expect_helper, "must be a plain absolute path")
    if not isinstance(drain_directory, str) or \
            not re.match(r"^/[A-Za-z0-9._+@/-]+\Z", drain_directory):
        fail("drain_directory", drain_directory, "must be a plain absolute path")
    if vrrp_state_program is not None and (
            not isinstance(vrrp_state_program, (list, tuple)) or not vrrp_state_program
            or not all(isinstance(word, str) and re.match(r"^/[A-Za-z0-9._+@/-]+\Z", word)
                       for word in vrrp_state_program)):
        fail("vrrp_state_program", vrrp_state_program,
             "must be a list of plain absolute paths (the program and its arguments)")
    secret = _checked_secret(secret, cluster.routers.vrrp.version)
    out = _Writer()
    out.line("# rendered by lvs.cluster from lvs_cluster (keepalived_conf.py): do not edit")
    _global_defs(out, cluster, router_host, script_user, vrrp_state_program)
    _vrrp(out, cluster, router_host, addresses_of_hosts, secret)
    if cluster.routers.ipvs_owner == "keepalived":
        _drain_track_files(out, cluster, drain_directory)
        _virtual_servers(out, cluster, send_expect_helper)
    return out.text()


def for_config_test(text):
    """The copy of a rendered keepalived.conf that ``keepalived -t -f`` can check on
    keepalived 2.2.7 (Debian 12): scripts run as root there. Its config test kills itself
    (status 143) when a script is set to run as another user (keepalived issue #2617,
    fixed by commit aae8e91 in 2.2.8); everything else is checked as in the real file.
    What it gives up: that the script user exists and may run each program
    (docs/keepalived.md)."""
    lines = text.split("\n")
    found = [index for index, line in enumerate(lines) if line.startswith("    script_user ")]
    if len(found) != 1:
        raise ValueError("not a keepalived.conf rendered by keepalived_conf.render")
    lines[found[0]] = "    script_user root"
    return "\n".join(lines)
