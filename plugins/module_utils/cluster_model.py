# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster description: one dict (the inventory's ``lvs_cluster``), validated once on
the controller, and what each role applies derived from it.

    lvs_cluster:
      routers:
        public_interface: eth0          # where the VIPs live
        private_interface: eth1         # where the NAT address lives (NAT clusters)
        nat_address: 198.51.100.1/24    # the floating address NAT real servers route through
      services:
        - name: web
          vip: 192.0.2.10               # protocol + vip + port ...
          port: 80
          protocol: tcp
          forwarding: dr                # nat | dr | tun
          scheduler: wlc
          persistence: {timeout: 300, netmask: 255.255.255.0, ipv6_netmask: 64}
          real_servers:
            - {host: rs1, weight: 2}    # an inventory host (its address from its vars)
            - {address: 198.51.100.23}  # or an address
        - name: web-bundle              # ... or a firewall mark with its VIPs and ports
          fwmark: 80
          vips: [192.0.2.20]
          ports: [80, 443]
          real_servers: [{host: rs1}, {host: rs2}]

Every error names the variable path and the value (``lvs_cluster.services[2].real_servers
[0].port=8080: why``) through the collection's one validation core, and the IPVS part of
each service is checked by the same code as the ipvs_service module, so the model cannot
accept what a module would refuse. Nothing here touches a host.

High availability (docs/cluster-model.md): ``routers.ipvs_owner`` (who owns the IPVS table:
the collection's modules, ``static``, or keepalived's checkers, ``keepalived``),
``routers.vrrp`` (failover of the VIPs and the NAT address between the routers),
``routers.sync`` (the IPVS connection sync daemon), and each service's ``health_check``
(overridable per real server) and ``sorry_server``. keepalived_conf.py renders them.
No secret is ever part of ``lvs_cluster``: the VRRPv2 password is the role variable
``router_vrrp_auth_secret`` (no_log).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from decimal import Decimal, InvalidOperation

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    MAX_THRESHOLD,
    MAX_WEIGHT,
    METHODS,
    SCHEDULERS,
    MAX_PERSISTENCE_TIMEOUT,
    TUNNEL_TYPES,
    desired_destination,
    desired_service,
    resolve_destination,
    resolve_service,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    PROTOCOLS,
    ValidationError,
    address as parse_address,
    address_sort_key,
    choice,
    fail,
    integer,
    mark as parse_mark,
    port as parse_port,
    port_ranges,
)

ROOT = "lvs_cluster"
FORWARDING = METHODS        # a service's forwarding is its real servers' IPVS method
# The tunnels a description can ask for: the real_server role decapsulates IP-in-IP only
# (tunl0). GUE and GRE would need fou / gre devices on the real servers, which it does not
# set up; the ipvs_service and ipvs_destination modules still take them.
DESCRIBED_TUNNEL_TYPES = ("ipip",)
SERVICE_KEYS = ("name", "vip", "port", "protocol", "fwmark", "vips", "ports", "protocols",
                "forwarding", "scheduler", "scheduler_flags", "persistence", "tunnel",
                "real_servers", "health_check", "sorry_server")
REAL_SERVER_KEYS = ("host", "address", "port", "weight", "upper_threshold", "lower_threshold",
                    "health_check")
ROUTER_KEYS = ("public_interface", "private_interface", "nat_address", "ipvs_owner", "vrrp", "sync")
# Who owns the IPVS table. keepalived by default when the routers fail over (routers.vrrp):
# its health checks then keep the pools; static without failover, where keepalived would
# run only for its checks and the description has no VRRP for it (docs/cluster-model.md).
IPVS_OWNERS = ("static", "keepalived")
DEFAULT_IPVS_OWNER = {True: "keepalived", False: "static"}   # by: is routers.vrrp set
VRRP_KEYS = ("virtual_router_id", "private_virtual_router_id", "version", "advert_interval",
             "priorities", "preempt", "preempt_delay", "unicast_peers", "garp_master_delay",
             "garp_master_repeat", "garp_master_refresh", "garp_master_refresh_repeat",
             "garp_interval", "gna_interval", "notify")
# lvs_cluster is not no_log: a password written there would be printed and logged
VRRP_SECRET_KEYS = ("auth_pass", "authentication", "auth_type", "password", "secret")
SECRET_VARIABLE = "router_vrrp_auth_secret"
SYNC_KEYS = ("enabled", "interface", "sync_id")
HEALTH_CHECK_TYPES = ("tcp", "http", "https", "send_expect", "program")
_HTTP_KEYS = ("path", "status_codes", "digest", "virtual_host")
HEALTH_CHECK_TYPE_KEYS = {"tcp": (), "http": _HTTP_KEYS, "https": _HTTP_KEYS,
                          "send_expect": ("send", "expect"), "program": ("program",)}
HEALTH_CHECK_KEYS = ("type", "port", "interval", "timeout", "retry", "delay_before_retry",
                     "on_failure") + _HTTP_KEYS + ("send", "expect", "program")
_TYPE_SPECIFIC_KEYS = frozenset(key for keys in HEALTH_CHECK_TYPE_KEYS.values() for key in keys)
ON_FAILURE = ("remove", "quiesce")
# a check without these settings: every 5 s, 3 s to connect, one retry 1 s later
HEALTH_CHECK_DEFAULTS = {"interval": "5", "timeout": "3", "retry": 1, "delay_before_retry": "1",
                         "on_failure": "remove"}
SORRY_SERVER_KEYS = ("address", "port")
# default priorities: the first router of lvs_routers 150, the second 100, then 99, 98, ...
FIRST_PRIORITY, SECOND_PRIORITY = 150, 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9_.@:-]{1,15}$")
# an absolute program path keepalived can run without quoting (no spaces, quotes, $, ...)
_PROGRAM = re.compile(r"^/[A-Za-z0-9._+@/-]*[A-Za-z0-9._+@-]$")
_DIGEST = re.compile(r"^[0-9a-fA-F]{32}$")
_VIRTUAL_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")
# what keepalived's parser cannot carry inside a quoted string (lib/parser.c: a " ends
# it, a backslash escapes or continues the line, a newline ends the line)
_UNQUOTABLE = re.compile(r'["\\\x00-\x1f\x7f]')
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


class ClusterError(ValidationError):
    """A bad cluster description; the message starts with the variable path."""


def _fail(path, value, why):
    try:
        fail(path, value, why)
    except ValidationError as error:
        raise ClusterError(str(error))


def _known_keys(path, entry, keys):
    if not isinstance(entry, dict):
        _fail(path, entry, "must be a dictionary")
    for key in entry:
        if key not in keys:
            _fail("%s.%s" % (path, key), entry[key],
                  "is not an option here (known: %s)" % ", ".join(keys))


def _checked(call, *args):
    """Run a validation-core parser; its ValidationError becomes a ClusterError."""
    try:
        return call(*args)
    except ClusterError:
        raise
    except ValidationError as error:
        raise ClusterError(str(error))


def _interface(path, value, required):
    if value is None:
        if required:
            _fail(path, value, "is required")
        return None
    if not isinstance(value, str) or not _INTERFACE.match(value):
        _fail(path, value, "is not an interface name")
    return value


def _nat_address(path, value):
    """(address, prefix length, family) of ADDRESS/PREFIX. The prefix is required: the
    address is added with it, and a /32 (/128) would leave the routers without a route to
    the real servers' subnet through it."""
    text = str(value).strip()
    address_text, prefix = (text.split("/", 1) + [""])[:2]
    address, family = _checked(parse_address, path, address_text)
    bits = 32 if family == "ipv4" else 128
    if not prefix:
        _fail(path, value, "must be ADDRESS/PREFIX, the private subnet's prefix length "
              "included (e.g. %s/%d)" % (address, 24 if family == "ipv4" else 64))
    length = _checked(integer, path, prefix, 1, bits)
    return address, length, family


# --- values keepalived.conf carries ------------------------------------------------


def _boolean(path, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    _fail(path, value, "must be true or false")


def _seconds(path, value, low, high, step=None, whole=False):
    """A time in seconds as keepalived writes it ('1', '0.25'): a number low..high, a
    multiple of step (a Decimal) if given, whole seconds if whole."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        _fail(path, value, "must be a number of seconds")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        _fail(path, value, "must be a number of seconds")
    if not number.is_finite():
        _fail(path, value, "must be a number of seconds")
    if whole and number != number.to_integral_value():
        _fail(path, value, "must be a whole number of seconds")
    if number < low or number > high:
        _fail(path, value, "must be between %s and %s seconds" % (low, high))
    if step is not None and number % step != 0:
        _fail(path, value, "must be a multiple of %s seconds" % step)
    if number.as_tuple().exponent < -6:
        _fail(path, value, "has more decimals than keepalived's microseconds")
    text = format(number.normalize(), "f")
    return text


def _conf_text(path, value, what, max_length=255):
    """A string keepalived.conf carries inside double quotes: refused where it could end
    the quoted string or the line (a quote, a backslash, a control character)."""
    if not isinstance(value, str) or not value:
        _fail(path, value, "must be a non-empty string (%s)" % what)
    if len(value) > max_length:
        _fail(path, value, "is longer than %d characters" % max_length)
    if _UNQUOTABLE.search(value):
        _fail(path, value, "cannot be written into keepalived.conf safely: no quotes, "
              "backslashes or control characters (%s)" % what)
    return value


def _program(path, value):
    if not isinstance(value, str) or not value.startswith("/"):
        _fail(path, value, "must be an absolute path: keepalived runs it with no search path "
              "and no shell")
    if not _PROGRAM.match(value) or "/../" in value or value.endswith("/.."):
        _fail(path, value, "must be a plain absolute path (letters, digits, . _ + @ - /; no "
              "spaces, quotes or shell characters: no shell ever sees it)")
    return value


# --- routers: owner, VRRP, sync -----------------------------------------------------


def _vrrp_family(addresses):
    """The family VRRP advertises in for these addresses: IPv4 if there is one."""
    return "ipv4" if any(":" not in address for address in addresses) else "ipv6"


def _priorities(path, given, routers):
    if given is None:
        if routers is None:
            return None
        return dict((host, FIRST_PRIORITY if index == 0 else SECOND_PRIORITY - (index - 1))
                    for index, host in enumerate(routers))
    if not isinstance(given, dict) or not given:
        _fail(path, given, "must be a dictionary {router host: priority}")
    priorities, owners = {}, {}
    for host in sorted(given, key=str):
        host_path = "%s.%s" % (path, host)
        if routers is not None and host not in routers:
            _fail(host_path, given[host], "%s is not a router (lvs_routers: %s)"
                  % (host, ", ".join(routers) or "none"))
        value = given[host]
        if isinstance(value, bool) or not re.match(r"^\d+$", str(value).strip()) \
                or not 1 <= int(str(value).strip()) <= 254:
            _fail(host_path, value, "must be an integer between 1 and 254 (VRRP keeps 0 for a "
                  "master giving up and 255 for the address owner)")
        priority = int(str(value).strip())
        if priority in owners:
            _fail(host_path, value, "is %s's priority too: equal priorities leave the election to "
                  "the routers' addresses; give each router its own" % owners[priority])
        owners[priority] = host
        priorities[host] = priority
    for host in routers or []:
        if host not in priorities:
            _fail(path, given, "has no priority for router %s: give every router one" % host)
    return priorities


def _unicast_peers(path, given, families):
    """False, True (each other router's address from its facts), or the peer addresses
    of each VRRP instance: {public: [...], private: [...]} (a list: public only)."""
    if given is None or isinstance(given, bool) or (isinstance(given, str) and
                                                    given.strip().lower() in _TRUE + _FALSE):
        return _boolean(path, given) if given is not None else False
    if isinstance(given, list):
        if "private" in families:
            _fail(path, given, "a NAT cluster has two VRRP instances: give "
                  "{public: [...], private: [...]} (or true)")
        given = {"public": given}
        path_of = {"public": path}
    else:
        _known_keys(path, given, ("public", "private"))
        path_of = {"public": "%s.public" % path, "private": "%s.private" % path}
    peers = {}
    for instance in sorted(families):
        addresses = given.get(instance)
        if not isinstance(addresses, list) or not addresses:
            _fail(path_of.get(instance, "%s.%s" % (path, instance)), addresses,
                  "must list the %s VRRP instance's peer addresses" % instance)
        parsed = []
        for index, text in enumerate(addresses):
            address, family = _checked(parse_address, "%s[%d]" % (path_of[instance], index), text)
            if family != families[instance]:
                _fail("%s[%d]" % (path_of[instance], index), text,
                      "is %s but the %s VRRP instance advertises over %s"
                      % (family, instance, families[instance]))
            parsed.append(address)
        peers[instance] = parsed
    for instance in given:
        if instance not in families:
            _fail(path_of[instance], given[instance], "this cluster has no %s VRRP instance "
                  "(no NAT address)" % instance)
    return peers


def _vrrp(path, given, routers, owner, families, same_interface):
    for key in VRRP_SECRET_KEYS:
        if key in given:
            _fail("%s.%s" % (path, key), "(hidden)", "a secret does not belong in lvs_cluster, "
                  "which is printed and logged: set the role variable %s (no_log) instead"
                  % SECRET_VARIABLE)
    _known_keys(path, given, VRRP_KEYS)
    needed = bool(given) or owner == "keepalived" or (routers is not None and len(routers) > 1)
    if not needed:
        return None
    vrrp = {}
    if given.get("virtual_router_id") is None:
        _fail("%s.virtual_router_id" % path, None, "is required: keepalived runs VRRP on the "
              "routers (%s)" % ("ipvs_owner: keepalived" if owner == "keepalived"
                                else "more than one router"))
    vrrp["virtual_router_id"] = _checked(integer, "%s.virtual_router_id" % path,
                                         given["virtual_router_id"], 1, 255)
    private_id = given.get("private_virtual_router_id")
    if private_id is not None:
        private_id = _checked(integer, "%s.private_virtual_router_id" % path, private_id, 1, 255)
        if "private" not in families:
            _fail("%s.private_virtual_router_id" % path, given["private_virtual_router_id"],
                  "this cluster has no private VRRP instance (no NAT service)")
    else:
        private_id = vrrp["virtual_router_id"]
    if same_interface and "private" in families and private_id == vrrp["virtual_router_id"]:
        _fail("%s.private_virtual_router_id" % path, given.get("private_virtual_router_id"),
              "the public and private VRRP instances share one interface: give the private "
              "one its own id")
    vrrp["private_virtual_router_id"] = private_id
    vrrp["version"] = _checked(integer, "%s.version" % path, given.get("version", 3), 2, 3)
    if vrrp["version"] == 2:
        for instance, family in sorted(families.items()):
            if family == "ipv6":
                _fail("%s.version" % path, given.get("version"), "the %s VRRP instance "
                      "advertises over IPv6, which is VRRPv3 only" % instance)
    # keepalived vrrp.c: VRRPv2 carries whole seconds (1-255), VRRPv3 centiseconds in 12
    # bits (0.01-40.95)
    interval_path = "%s.advert_interval" % path
    if vrrp["version"] == 2:
        vrrp["advert_interval"] = _seconds(interval_path, given.get("advert_interval", 1), 1, 255,
                                           whole=True)
    else:
        vrrp["advert_interval"] = _seconds(interval_path, given.get("advert_interval", 1),
                                           Decimal("0.01"), Decimal("40.95"), Decimal("0.01"))
    vrrp["priorities"] = _priorities("%s.priorities" % path, given.get("priorities"), routers)
    vrrp["preempt"] = _boolean("%s.preempt" % path, given.get("preempt", True))
    vrrp["preempt_delay"] = None
    if given.get("preempt_delay") is not None:
        if not vrrp["preempt"]:
            _fail("%s.preempt_delay" % path, given["preempt_delay"],
                  "has no effect with preempt: false")
        vrrp["preempt_delay"] = _seconds("%s.preempt_delay" % path, given["preempt_delay"], 0, 1000)
    vrrp["unicast_peers"] = _unicast_peers("%s.unicast_peers" % path, given.get("unicast_peers"),
                                           families)
    for key, low in (("garp_master_delay", 0), ("garp_master_repeat", 1),
                     ("garp_master_refresh", 0), ("garp_master_refresh_repeat", 1)):
        vrrp[key] = (_checked(integer, "%s.%s" % (path, key), given[key], low, 86400)
                     if given.get(key) is not None else None)
    for key in ("garp_interval", "gna_interval"):
        vrrp[key] = (_seconds("%s.%s" % (path, key), given[key], 0, 1)
                     if given.get(key) is not None else None)
    vrrp["notify"] = (_program("%s.notify" % path, given["notify"])
                      if given.get("notify") is not None else None)
    return vrrp


def _sync(path, given, routers, vrrp, interfaces):
    if not isinstance(given, dict):
        _fail(path, given, "must be a dictionary")
    _known_keys(path, given, SYNC_KEYS)
    default = routers is not None and len(routers) > 1
    enabled = _boolean("%s.enabled" % path, given.get("enabled", default))
    if not enabled:
        return {"enabled": False, "interface": None, "sync_id": None}
    if vrrp is None:
        _fail("%s.enabled" % path, given.get("enabled", default), "connection sync follows the "
              "VRRP master: set routers.vrrp (virtual_router_id) first")
    interface = _interface("%s.interface" % path, given.get("interface"), False)
    interface = interface or interfaces["private"] or interfaces["public"]
    sync_id = (_checked(integer, "%s.sync_id" % path, given["sync_id"], 0, 255)
               if given.get("sync_id") is not None else vrrp["virtual_router_id"])
    return {"enabled": True, "interface": interface, "sync_id": sync_id}


# --- services: health checks, sorry server -----------------------------------------


def _health_check(sources, service, port):
    """One health check from the service's health_check and a real server's override
    (sources: [(path, dict)], later ones win; a later one naming a type starts afresh).
    None when there is none and the service has no TCP to connect to."""
    merged, path_of = {}, {}
    for path, given in sources:
        if given is None:
            continue
        if not isinstance(given, dict):
            _fail(path, given, "must be a dictionary")
        _known_keys(path, given, HEALTH_CHECK_KEYS)
        if "type" in given:
            merged, path_of = {}, {}
        for key in given:
            merged[key] = given[key]
            path_of[key] = "%s.%s" % (path, key)
    where = sources[0][0]

    def at(key):
        return path_of.get(key, "%s.%s" % (where, key))

    if not merged and "tcp" not in service["protocols"]:
        return None
    check = {"type": _checked(choice, at("type"), merged.get("type", "tcp"), HEALTH_CHECK_TYPES)}
    allowed = HEALTH_CHECK_TYPE_KEYS[check["type"]]
    for key in sorted(merged):
        if key in _TYPE_SPECIFIC_KEYS and key not in allowed:
            _fail(at(key), merged[key], "is not an option of a %s check (it takes %s)"
                  % (check["type"], ", ".join(allowed) or "only the common options"))
    if check["type"] != "program" and "tcp" not in service["protocols"]:
        _fail(at("type"), merged.get("type", "tcp"), "a %s check needs TCP and this service is "
              "%s: use a program check" % (check["type"], "/".join(service["protocols"])))
    check["port"] = (_checked(parse_port, at("port"), merged["port"], 1)
                     if merged.get("port") is not None else port)
    check["interval"] = _seconds(at("interval"), merged.get("interval", HEALTH_CHECK_DEFAULTS[
        "interval"]), Decimal("0.01"), 86400)
    check["timeout"] = _seconds(at("timeout"), merged.get("timeout", HEALTH_CHECK_DEFAULTS[
        "timeout"]), Decimal("0.01"), 3600)
    check["retry"] = _checked(integer, at("retry"), merged.get("retry", HEALTH_CHECK_DEFAULTS[
        "retry"]), 0, 100)
    check["delay_before_retry"] = _seconds(at("delay_before_retry"), merged.get(
        "delay_before_retry", HEALTH_CHECK_DEFAULTS["delay_before_retry"]), 0, 3600)
    check["on_failure"] = _checked(choice, at("on_failure"), merged.get(
        "on_failure", HEALTH_CHECK_DEFAULTS["on_failure"]), ON_FAILURE)
    if check["type"] in ("http", "https"):
        path = merged.get("path")
        if path is None:
            _fail(at("path"), None, "is required by a %s check: the URL path to GET, e.g. /"
                  % check["type"])
        _conf_text(at("path"), path, "a URL path")
        if not path.startswith("/") or re.search(r"\s", path):
            _fail(at("path"), path, "must start with / and have no spaces (percent-encode them)")
        check["path"] = path
        codes = merged.get("status_codes", [200])
        if not isinstance(codes, list) or not codes:
            _fail(at("status_codes"), codes, "must be a list of HTTP status codes, e.g. [200]")
        check["status_codes"] = sorted({_checked(integer, "%s[%d]" % (at("status_codes"), index),
                                                 code, 100, 599)
                                        for index, code in enumerate(codes)})
        digest = merged.get("digest")
        if digest is not None and (not isinstance(digest, str) or not _DIGEST.match(digest)):
            _fail(at("digest"), digest, "must be an MD5 digest: 32 hexadecimal digits "
                  "(keepalived's genhash prints it)")
        check["digest"] = digest.lower() if digest is not None else None
        host = merged.get("virtual_host")
        if host is not None and (not isinstance(host, str) or not _VIRTUAL_HOST.match(host)):
            _fail(at("virtual_host"), host, "must be a host name (the HTTP Host header)")
        check["virtual_host"] = host
    elif check["type"] == "send_expect":
        send = merged.get("send", "")
        if not isinstance(send, str) or len(send) > 4096:
            _fail(at("send"), send, "must be a string of at most 4096 characters (empty: send "
                  "nothing and read the server's greeting)")
        expect = merged.get("expect")
        if not isinstance(expect, str) or not expect or len(expect) > 4096:
            _fail(at("expect"), expect, "must be a non-empty string of at most 4096 characters: "
                  "what the reply must contain")
        check["send"], check["expect"] = send, expect
    elif check["type"] == "program":
        check["program"] = _program(at("program"), merged.get("program"))
    # where the free-form values came from: keepalived_conf names them when a line they make
    # is longer than keepalived reads
    check["paths"] = dict((key, at(key)) for key in allowed)
    return check


def _sorry_server(path, given, service):
    if given is None:
        return None
    _known_keys(path, given, SORRY_SERVER_KEYS)
    address, family = _checked(parse_address, "%s.address" % path, given.get("address"))
    if family not in service["families"]:
        _fail("%s.address" % path, given.get("address"), "is %s but the service's VIPs are %s: "
              "IPVS cannot mix address families" % (family, "/".join(service["families"])))
    port = None
    if given.get("port") is not None:
        port = _checked(parse_port, "%s.port" % path, given["port"], 1)
        if service["forwarding"] != "nat" and (service["fwmark"] is not None
                                               or port != service["ports"][0][0]):
            _fail("%s.port" % path, given["port"], "only NAT can send to another port than the "
                  "client asked for; %s keeps the destination port (leave port out)"
                  % service["forwarding"])
    return {"address": address, "family": family, "port": port}


class Cluster(object):
    """A validated cluster: routers' settings and services (dicts with resolved fields)."""

    def __init__(self, routers, services):
        self.routers = routers
        self.services = services

    # --- what the router role applies --------------------------------------------

    def ipvs_services(self):
        """The whole IPVS table, as ipvs_service's ``services`` (list form)."""
        return [entry for service in self.services for entry in _ipvs_entries(service)]

    def fwmark_rules(self):
        """The firewall marks, as the fwmark module's ``marks``."""
        return [dict(fwmark=service["fwmark"], vips=list(service["vips"]),
                     protocols=list(service["protocols"]),
                     ports=["%d-%d" % pair if pair[0] != pair[1] else pair[0]
                            for pair in service["ports"]])
                for service in self.services if service["fwmark"] is not None]

    def router_addresses(self):
        """{'public': [VIP/len, ...], 'private': [NAT address/len] or []}."""
        vips = sorted({vip for service in self.services for vip in service["vips"]},
                      key=address_sort_key)
        public = ["%s/%d" % (vip, 128 if ":" in vip else 32) for vip in vips]
        nat = self.routers["nat_address"]
        private = ["%s/%d" % (nat[0], nat[1])] if nat and self.uses("nat") else []
        return {"public": public, "private": private}

    def uses_keepalived(self):
        """keepalived runs on the routers: VRRP between them, or it owns the IPVS table."""
        return self.routers["vrrp"] is not None or self.routers["ipvs_owner"] == "keepalived"

    def uses(self, forwarding):
        return any(service["forwarding"] == forwarding for service in self.services)

    def needs_ftp_helper(self):
        return any(21 in _port_set(service["ports"]) and "tcp" in service["protocols"]
                   for service in self.services)

    # --- what the real_server role applies on one host ---------------------------

    def real_server(self, addresses):
        """What the real server with these addresses (one, or a list: a dual-stack host)
        carries: VIPs by forwarding method and the NAT gateway (the routers' floating NAT
        address) when it serves a NAT service."""
        if not isinstance(addresses, (list, tuple)):
            addresses = [addresses]
        addresses = [_checked(parse_address, "real_server_address", text)[0] for text in addresses]
        view = {"dr_vips": set(), "tun_vips": set(), "nat_gateway": None, "nat_sources": set(),
                "nat_services": [], "services": []}
        for service in self.services:
            served = [server["family"] for server in service["real_servers"]
                      if server["address"] in addresses]
            if not served:
                continue
            view["services"].append(service["name"])
            # IPVS sends a real server only the traffic of VIPs of the family it serves with
            vips = [vip for vip in service["vips"] if ("ipv6" if ":" in vip else "ipv4") in served]
            if service["forwarding"] == "dr":
                view["dr_vips"].update(vips)
            elif service["forwarding"] == "tun":
                view["tun_vips"].update(vips)
            else:
                view["nat_gateway"] = self.routers["nat_address"][0]
                # the sources of its NAT replies (the gateway's family: the routers route
                # them back through that address)
                view["nat_sources"].update(
                    server["address"] for server in service["real_servers"]
                    if server["address"] in addresses and server["family"] == self.routers["nat_address"][2])
                view["nat_services"].append(service["name"])
        view["nat_sources"] = sorted(view["nat_sources"], key=address_sort_key)
        view["dr_vips"] = sorted(view["dr_vips"], key=address_sort_key)
        view["tun_vips"] = sorted(view["tun_vips"], key=address_sort_key)
        return view


def _ipvs_entries(service):
    """The ipvs_service entries of one service: one, or one per family for a mark."""
    if service["fwmark"] is not None:
        entries = [dict(fwmark=service["fwmark"], family=family) for family in service["families"]]
    else:
        entries = [dict(protocol=service["protocol"], vip=service["vips"][0],
                        port=service["ports"][0][0])]
    for entry in entries:
        family = entry.get("family", service["family"])
        entry.update(scheduler=service["scheduler"], purge=True)
        if service["scheduler_flags"]:
            entry["scheduler_flags"] = list(service["scheduler_flags"])
        if service["persistence"]:
            entry["persistence_timeout"] = service["persistence"]["timeout"]
            # netmask for the IPv4 VIPs, ipv6_netmask (a prefix length) for IPv6
            netmask = service["persistence"].get("ipv6_netmask" if family == "ipv6" else "netmask")
            if netmask is not None:
                entry["persistence_netmask"] = netmask
        entry["destinations"] = [dict(server["ipvs"]) for server in service["real_servers"]
                                 if server["family"] == family]
    return entries


def _port_set(pairs):
    ports = set()
    for low, high in pairs:
        ports.update(range(low, high + 1))
    return ports


def _host_addresses(path, host, hosts, families):
    """The addresses of an inventory host that a service of these families can use: its
    real_server_address is one address, or a list (a dual-stack host: one per family)."""
    if host not in hosts:
        _fail("%s.host" % path, host, "is not a host of the inventory")
    given = hosts[host]
    if not given:
        _fail("%s.host" % path, host,
              "has no address: set real_server_address (or ansible_host) for it")
    parsed = [_checked(parse_address, "%s.host" % path, text)
              for text in (given if isinstance(given, (list, tuple)) else [given])]
    usable = [(address, family) for address, family in parsed if family in families]
    if not usable:
        _fail("%s.host" % path, host, "has no %s address (it has %s): list one in its "
              "real_server_address" % ("/".join(families), ", ".join(a for a, _f in parsed)))
    return usable


def _real_servers(path, entry, service, hosts):
    """A real server entry: one real server per address (a host of a dual-stack mark
    serves with each family's address), with its port, weight, thresholds."""
    _known_keys(path, entry, REAL_SERVER_KEYS)
    host, address = entry.get("host"), entry.get("address")
    if (host is None) == (address is None):
        _fail(path, entry, "give exactly one of host (an inventory host) or address")
    if host is not None:
        found = _host_addresses(path, host, hosts, service["families"])
    else:
        found = [_checked(parse_address, "%s.address" % path, address)]
    return [_real_server(path, entry, service, host, address, family) for address, family in found]


def _real_server(path, entry, service, host, address, family):
    port = entry.get("port")
    if port is not None:
        port = _checked(parse_port, "%s.port" % path, port, 1)
        if service["forwarding"] != "nat" and (service["fwmark"] is not None
                                               or port != service["ports"][0][0]):
            _fail("%s.port" % path, entry["port"],
                  "only NAT can send to another port than the client asked for; %s keeps "
                  "the destination port (leave port out)" % service["forwarding"])
    ipvs = {"address": address, "method": service["forwarding"]}
    if port is not None:
        ipvs["port"] = port
    # checked here, not only by ipvs_service's code in load(): that code numbers the real
    # servers of one family of a dual-stack mark, not the description's real_servers[]
    for key, low, high in (("weight", 0, MAX_WEIGHT), ("upper_threshold", 0, MAX_THRESHOLD),
                           ("lower_threshold", 0, MAX_THRESHOLD)):
        if entry.get(key) is not None:
            ipvs[key] = _checked(integer, "%s.%s" % (path, key), entry[key], low, high)
    if service["forwarding"] == "tun" and service["tunnel"].get("type"):
        ipvs["tunnel_type"] = service["tunnel"]["type"]
    # the service's check, with this real server's overrides; it probes the port the real
    # server serves on (NAT may remap it), a mark's first port unless port is given
    check = _health_check([service["health_check_source"],
                           ("%s.health_check" % path, entry.get("health_check"))],
                          service, port if port is not None else service["ports"][0][0])
    return {"address": address, "family": family, "host": host, "ipvs": ipvs,
            "health_check": check, "path": path}


def _service(path, entry, routers, hosts):
    _known_keys(path, entry, SERVICE_KEYS)
    name = entry.get("name")
    if name is None:
        _fail("%s.name" % path, name, "is required: lower-case letters, digits, '_', '.', '-'")
    if not isinstance(name, str) or not _NAME.match(name):
        _fail("%s.name" % path, name, "must be 1 to 63 of lower-case letters, digits, '_', "
              "'.', '-', starting with a letter or digit (it names the service in "
              "keepalived.conf and in reports)")
    service = {"name": name}
    service["forwarding"] = _checked(choice, "%s.forwarding" % path,
                                     entry.get("forwarding", "dr"), FORWARDING)
    service["scheduler"] = _checked(choice, "%s.scheduler" % path,
                                    entry.get("scheduler", "wlc"), SCHEDULERS)
    flags = entry.get("scheduler_flags")
    if flags is not None and not isinstance(flags, list):
        _fail("%s.scheduler_flags" % path, flags, "must be a list (e.g. [sh-port])")
    service["scheduler_flags"] = flags or []
    tunnel = entry.get("tunnel") or {}
    if tunnel and service["forwarding"] != "tun":
        _fail("%s.tunnel" % path, tunnel, "is only for forwarding: tun")
    _known_keys("%s.tunnel" % path, tunnel, ("type",))
    if tunnel.get("type") is not None:
        _checked(choice, "%s.tunnel.type" % path, tunnel["type"], TUNNEL_TYPES)
        if tunnel["type"] not in DESCRIBED_TUNNEL_TYPES:
            _fail("%s.tunnel.type" % path, tunnel["type"], "the real_server role decapsulates "
                  "IP-in-IP only (tunl0); %s needs %s devices on the real servers, which this "
                  "collection does not set up: use ipip (or the ipvs_destination module with "
                  "tunnel_type, and real servers set up by hand)"
                  % (tunnel["type"], "fou (GUE)" if tunnel["type"] == "gue" else "gre"))
    service["tunnel"] = tunnel
    for key in ("health_check", "sorry_server"):
        if entry.get(key) is not None and not isinstance(entry[key], dict):
            _fail("%s.%s" % (path, key), entry[key], "must be a dictionary")
    service["health_check_source"] = ("%s.health_check" % path, entry.get("health_check"))

    if entry.get("fwmark") is not None:
        for key in ("vip", "port", "protocol"):
            if entry.get(key) is not None:
                _fail("%s.%s" % (path, key), entry[key],
                      "a firewall-mark service takes vips, ports and protocols")
        service["fwmark"] = _checked(parse_mark, "%s.fwmark" % path, entry["fwmark"])
        vips = entry.get("vips")
        if not isinstance(vips, list) or not vips:
            _fail("%s.vips" % path, vips, "a firewall-mark service needs a list of VIPs")
        parsed = [_checked(parse_address, "%s.vips[%d]" % (path, index), vip)
                  for index, vip in enumerate(vips)]
        service["ports"] = _checked(port_ranges, "%s.ports" % path, entry.get("ports"))
        protocols = entry.get("protocols", ["tcp"])
        if not isinstance(protocols, list) or not protocols:
            _fail("%s.protocols" % path, protocols, "must be a list of tcp, udp, sctp")
        service["protocols"] = sorted({_checked(choice, "%s.protocols[%d]" % (path, index),
                                                value, PROTOCOLS)
                                       for index, value in enumerate(protocols)})
    else:
        for key in ("vips", "ports", "protocols"):
            if entry.get(key) is not None:
                _fail("%s.%s" % (path, key), entry[key],
                      "only a firewall-mark service (fwmark) takes %s" % key)
        service["fwmark"] = None
        parsed = [_checked(parse_address, "%s.vip" % path, entry.get("vip"))]
        port = _checked(parse_port, "%s.port" % path, entry.get("port"), 1)
        service["ports"] = ((port, port),)
        service["protocols"] = [_checked(choice, "%s.protocol" % path,
                                         entry.get("protocol", "tcp"), PROTOCOLS)]
        service["protocol"] = service["protocols"][0]
    service["vips"] = [vip for vip, family in parsed]
    service["families"] = sorted({family for vip, family in parsed})
    service["family"] = parsed[0][1]

    persistence = entry.get("persistence")
    if persistence is not None:
        _known_keys("%s.persistence" % path, persistence, ("timeout", "netmask", "ipv6_netmask"))
        if persistence.get("timeout") is None:
            _fail("%s.persistence.timeout" % path, None, "is required with persistence")
        # 0 would build a service without persistence: leave persistence out for that
        _checked(integer, "%s.persistence.timeout" % path, persistence["timeout"], 1,
                 MAX_PERSISTENCE_TIMEOUT)
        for key, family in (("netmask", "ipv4"), ("ipv6_netmask", "ipv6")):
            if persistence.get(key) is not None and family not in service["families"]:
                _fail("%s.persistence.%s" % (path, key), persistence[key],
                      "is for %s VIPs and this service has none" % family)
    service["persistence"] = persistence

    if service["forwarding"] == "nat" and routers["nat_address"] is None:
        _fail("%s.routers.nat_address" % ROOT, None,
              "is required: service %s forwards by NAT, and its real servers route their "
              "replies through this floating address" % name)

    service["health_check"] = _health_check([service["health_check_source"]], service,
                                            service["ports"][0][0])
    service["sorry_server"] = _sorry_server("%s.sorry_server" % path, entry.get("sorry_server"),
                                            service)

    servers = entry.get("real_servers")
    if not isinstance(servers, list) or not servers:
        _fail("%s.real_servers" % path, servers, "at least one real server is needed")
    service["real_servers"] = []
    seen = {}
    for index, server_entry in enumerate(servers):
        server_path = "%s.real_servers[%d]" % (path, index)
        for server in _real_servers(server_path, server_entry, service, hosts):
            if server["family"] not in service["families"]:
                _fail(server_path, server["address"],
                      "is %s but the service's VIPs are %s: IPVS cannot mix address families"
                      % (server["family"], "/".join(service["families"])))
            ident = (server["address"], server["ipvs"].get("port"))
            if ident in seen:
                _fail(server_path, server["address"],
                      "is listed twice for this service (also real_servers[%d])" % seen[ident])
            seen[ident] = index
            service["real_servers"].append(server)
    return service


# Where each option of ipvs_service (and of its destinations) stands in the description:
# the module's own checks then name the path the user wrote. A name that is not here is
# no option the model sets; it is named as the module's, under the service.
SERVICE_OPTION_PATHS = {
    "protocol": "protocol", "vip": "vip", "port": "port", "fwmark": "fwmark",
    "scheduler": "scheduler", "scheduler_flags": "scheduler_flags",
    "persistence_timeout": "persistence.timeout", "persistence_netmask": "persistence.netmask"}
MARK_OPTION_PATHS = {"vip": "vips", "port": "ports", "family": "vips", "protocol": "protocols"}
DESTINATION_OPTION_PATHS = {
    "port": "port", "weight": "weight", "upper_threshold": "upper_threshold",
    "lower_threshold": "lower_threshold"}
# options of a real server that the description sets on the service
DESTINATION_SERVICE_PATHS = {"method": "forwarding", "tunnel_type": "tunnel.type",
                             "tunnel_port": "tunnel.type", "tunnel_checksum": "tunnel.type"}


def _service_option_path(path, service, family):
    def name_of(option):
        if service["fwmark"] is not None and option in MARK_OPTION_PATHS:
            return "%s.%s" % (path, MARK_OPTION_PATHS[option])
        if option == "persistence_netmask" and family == "ipv6":
            return "%s.persistence.ipv6_netmask" % path
        return "%s.%s" % (path, SERVICE_OPTION_PATHS.get(option, "(ipvs_service's %s)" % option))
    return name_of


def _destination_option_path(path, service, server):
    def name_of(option):
        if option in DESTINATION_SERVICE_PATHS:
            return "%s.%s" % (path, DESTINATION_SERVICE_PATHS[option])
        if option == "address":
            return "%s.%s" % (server["path"], "host" if server["host"] is not None else "address")
        return "%s.%s" % (server["path"], DESTINATION_OPTION_PATHS.get(
            option, "(ipvs_destination's %s)" % option))
    return name_of


def _check_ipvs(path, service, entry):
    """The IPVS part of a service, checked by the ipvs_service module's own code (what it
    checks of the options and what it checks when it builds the service from none), each
    error named by the description's path."""
    family = entry.get("family", service["family"])
    servers = [server for server in service["real_servers"] if server["family"] == family]
    options = dict((key, value) for key, value in entry.items() if key != "destinations")
    try:
        built = resolve_service(desired_service(options, _service_option_path(
            path, service, family)), None)
        for server, destination in zip(servers, entry["destinations"]):
            resolve_destination(desired_destination(destination, family, _destination_option_path(
                path, service, server)), built, None)
    except ClusterError:
        raise
    except ValidationError as error:
        raise ClusterError(str(error))


def _check_overlaps(services):
    """No two services may share a name, a firewall mark or a (VIP, protocol, port)."""
    names, marks, claimed = {}, {}, {}
    for index, service in enumerate(services):
        path = "%s.services[%d]" % (ROOT, index)
        if service["name"] in names:
            _fail("%s.name" % path, service["name"],
                  "is already the name of services[%d]" % names[service["name"]])
        names[service["name"]] = index
        if service["fwmark"] is not None:
            if service["fwmark"] in marks:
                earlier = marks[service["fwmark"]]
                _fail("%s.fwmark" % path, service["fwmark"], "is already the mark of "
                      "services[%d] (%s)" % (earlier, services[earlier]["name"]))
            marks[service["fwmark"]] = index
        ports = _port_set(service["ports"])
        for vip in service["vips"]:
            for protocol in service["protocols"]:
                for earlier, earlier_ports in claimed.get((vip, protocol), []):
                    shared = earlier_ports & ports
                    if shared:
                        _fail(path, service["name"],
                              "claims %s %s port %d, which services[%d] (%s) has already"
                              % (protocol, vip, min(shared), earlier, services[earlier]["name"]))
                claimed.setdefault((vip, protocol), []).append((index, ports))


def load(description, hosts, routers=None):
    """A validated Cluster from ``lvs_cluster`` and {inventory host: its address or None}.

    routers: the inventory hosts of lvs_routers, in order (the first gets the highest
    default VRRP priority); None where the caller does not know them (then priorities
    naming hosts and sync's default cannot be decided here).

    Raises ClusterError naming the first bad variable and its value."""
    if not isinstance(description, dict):
        _fail(ROOT, description, "must be a dictionary with routers and services")
    _known_keys(ROOT, description, ("routers", "services"))
    routers_in = description.get("routers") or {}
    _known_keys("%s.routers" % ROOT, routers_in, ROUTER_KEYS)
    routers = {
        "public_interface": _interface("%s.routers.public_interface" % ROOT,
                                       routers_in.get("public_interface"), True),
        "private_interface": _interface("%s.routers.private_interface" % ROOT,
                                        routers_in.get("private_interface"), False),
        "nat_address": (_nat_address("%s.routers.nat_address" % ROOT, routers_in["nat_address"])
                        if routers_in.get("nat_address") is not None else None),
        "ipvs_owner": _checked(choice, "%s.routers.ipvs_owner" % ROOT,
                               routers_in.get("ipvs_owner",
                                              DEFAULT_IPVS_OWNER[bool(routers_in.get("vrrp"))]),
                               IPVS_OWNERS),
        "hosts": None if routers is None else [str(host) for host in routers],
    }
    vrrp_in = routers_in.get("vrrp") or {}
    if not isinstance(vrrp_in, dict):
        _fail("%s.routers.vrrp" % ROOT, vrrp_in, "must be a dictionary")
    services_in = description.get("services")
    if not isinstance(services_in, list) or not services_in:
        _fail("%s.services" % ROOT, services_in, "at least one service is needed")
    services = [_service("%s.services[%d]" % (ROOT, index), entry, routers, hosts)
                for index, entry in enumerate(services_in)]
    if any(s["forwarding"] == "nat" for s in services) and routers["private_interface"] is None:
        _fail("%s.routers.private_interface" % ROOT, None,
              "is required: a NAT service's floating address lives on it")
    _check_overlaps(services)
    for index, service in enumerate(services):
        for entry in _ipvs_entries(service):
            _check_ipvs("%s.services[%d]" % (ROOT, index), service, entry)
    # VRRP: one instance for the VIPs (public), one for the NAT address (private)
    families = {"public": _vrrp_family([vip for s in services for vip in s["vips"]])}
    if routers["nat_address"] is not None and any(s["forwarding"] == "nat" for s in services):
        families["private"] = routers["nat_address"][2]
    routers["vrrp"] = _vrrp("%s.routers.vrrp" % ROOT, vrrp_in, routers["hosts"],
                            routers["ipvs_owner"], families,
                            routers["private_interface"] == routers["public_interface"])
    routers["vrrp_families"] = families
    routers["sync"] = _sync("%s.routers.sync" % ROOT, routers_in.get("sync") or {},
                            routers["hosts"], routers["vrrp"],
                            {"public": routers["public_interface"],
                             "private": routers["private_interface"]})
    return Cluster(routers, services)


# --- checks that need more than one description: a host's interfaces, a segment -----


def interface_networks(facts):
    """The networks (ipaddress objects) of one interface, from Ansible's facts of it
    (``ansible_facts[name]``: ``ipv4`` {address, netmask|prefix}, ``ipv4_secondaries``,
    ``ipv6`` [{address, prefix, scope}]); link-local IPv6 networks are left out."""
    networks = []
    if not isinstance(facts, dict):
        return networks
    ipv4 = [facts.get("ipv4")] if isinstance(facts.get("ipv4"), dict) else list(facts.get("ipv4") or [])
    for entry in ipv4 + list(facts.get("ipv4_secondaries") or []):
        if not isinstance(entry, dict) or not entry.get("address"):
            continue
        mask = entry.get("prefix") or entry.get("netmask") or "32"
        networks.append(ipaddress.ip_network(u"%s/%s" % (entry["address"], mask), strict=False))
    for entry in facts.get("ipv6") or []:
        if not isinstance(entry, dict) or not entry.get("address") or entry.get("scope") == "link":
            continue
        network = ipaddress.ip_network(u"%s/%s" % (entry["address"].split("%")[0],
                                                   entry.get("prefix") or 128), strict=False)
        if not network.is_link_local:
            networks.append(network)
    return networks


def check_router_interfaces(cluster, host, interfaces):
    """Every VIP and the NAT address must lie in a subnet of one of this router's
    interfaces (a VIP outside them all is unreachable: no neighbour asks for it).

    interfaces: {interface name: ansible_facts[name]}. Returns {address: interface name}
    (the first interface, by name, whose subnet holds it); raises ClusterError with the
    variable path of the first address outside every subnet."""
    networks = [(name, network) for name in sorted(interfaces)
                for network in interface_networks(interfaces[name])]
    shown = ", ".join("%s %s" % (name, network) for name, network in networks) or "no addresses"

    def place(path, text):
        address = ipaddress.ip_address(u"%s" % text)
        for name, network in networks:
            if network.version == address.version and address in network:
                return name
        _fail(path, text, "is outside every subnet of %s's interfaces (%s): no neighbour would "
              "send its traffic there" % (host, shown))

    found = {}
    for index, service in enumerate(cluster.services):
        path = "%s.services[%d]" % (ROOT, index)
        for number, vip in enumerate(service["vips"]):
            found[vip] = place("%s.vips[%d]" % (path, number) if service["fwmark"] is not None
                               else "%s.vip" % path, vip)
    nat = cluster.routers["nat_address"]
    if nat is not None and cluster.uses("nat"):
        found[nat[0]] = place("%s.routers.nat_address" % ROOT, "%s" % nat[0])
    return found


def check_vrrp_segments(clusters):
    """No two VRRP instances may use one virtual router id on one segment (per family:
    IPv4 and IPv6 VRRP are apart). clusters: [{"name": a label, "cluster": a Cluster,
    "segments": {"public": "192.0.2.0/24", "private": "198.51.100.0/24"}}]: the network
    each instance's interface is on (interface_networks of the routers' facts gives it).
    Raises ClusterError naming the second user's variable."""
    used = {}
    for entry in clusters:
        vrrp = entry["cluster"].routers.get("vrrp")
        if vrrp is None:
            continue
        for instance in sorted(entry["cluster"].routers["vrrp_families"]):
            segment = (entry.get("segments") or {}).get(instance)
            if segment is None:
                continue
            network = ipaddress.ip_network(u"%s" % segment, strict=False)
            key = ("virtual_router_id" if instance == "public" else "private_virtual_router_id")
            ident = vrrp[key]
            if (network, ident) in used:
                other, other_instance = used[(network, ident)]
                _fail("%s.routers.vrrp.%s" % (ROOT, key), ident,
                      "cluster %s's %s VRRP instance uses it on %s, where cluster %s's %s "
                      "instance uses it already: give each its own id on a segment"
                      % (entry["name"], instance, network, other, other_instance))
            used[(network, ident)] = (entry["name"], instance)
