# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IPVS table as plain data: services, destinations, normalisation and validation.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax (it runs on targets).

A *desired* service or destination carries ``None`` for every option the user left out;
``resolve_service`` / ``resolve_destination`` fill those from the live entry (an existing
entry keeps what the user did not mention) or from the defaults (a new entry), then check
the combination. Everything is checked before anything touches the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address as parse_address,
    mark as parse_mark,
    port as parse_port,
    address_sort_key,
    choice as _choice,
    family as parse_family,
    protocol as parse_protocol,
    fail,
    integer,
    state as parse_state,
)

# Every scheduler of the kernel's IPVS (net/netfilter/ipvs/ip_vs_*.c).
SCHEDULERS = ("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos")
DEFAULT_SCHEDULER = "wlc"
# Scheduler flags by scheduler; ipvsadm refuses the others ("incompatible scheduler flag").
SCHEDULER_FLAGS = {
    "sh": ("sh-fallback", "sh-port"),
    "mh": ("mh-fallback", "mh-port"),
}
ALL_FLAGS = ("sh-fallback", "sh-port", "mh-fallback", "mh-port")
PERSISTENCE_ENGINES = ("sip",)
# ipvsadm accepts persistence timeouts 1 .. 31 days.
MAX_PERSISTENCE_TIMEOUT = 31 * 86400
METHODS = ("nat", "dr", "tun")
DEFAULT_METHOD = "dr"  # ipvsadm's default (-g, gatewaying)
TUNNEL_TYPES = ("ipip", "gue", "gre")
TUNNEL_CHECKSUMS = ("nocsum", "csum", "remcsum")
MAX_WEIGHT = 65535
MAX_THRESHOLD = 65535


def format_hostport(address, port):
    if ":" in address:
        return "[%s]:%d" % (address, port)
    return "%s:%d" % (address, port)


def normalise_netmask(option, value, family):
    """IPv4: a contiguous dotted netmask (a prefix length is converted); IPv6: a prefix length."""
    text = str(value).strip()
    if family == "ipv6":
        text = text.lstrip("/")
        if not text.isdigit():
            fail(option, value, "must be a prefix length 1-128 for an IPv6 service")
        return integer(option, text, 1, 128)
    text = text.lstrip("/")
    if text.isdigit():
        prefix = integer(option, text, 1, 32)
        return str(ipaddress.IPv4Network("0.0.0.0/%d" % prefix).netmask)
    try:
        network = ipaddress.IPv4Network("0.0.0.0/%s" % text)
    except ValueError:
        fail(option, value, "must be a contiguous dotted netmask (255.255.255.0) or a prefix length 1-32")
    return str(network.netmask)


def default_netmask(family):
    return 128 if family == "ipv6" else "255.255.255.255"


class Destination(object):
    """One real server of one service, fully specified (a live or a resolved entry)."""

    FIELDS = ("address", "port", "method", "weight", "upper_threshold", "lower_threshold",
              "tunnel_type", "tunnel_port", "tunnel_checksum")

    def __init__(self, address, port, method=DEFAULT_METHOD, weight=1, upper_threshold=0,
                 lower_threshold=0, tunnel_type=None, tunnel_port=None, tunnel_checksum=None):
        self.address = address
        self.port = port
        self.method = method
        self.weight = weight
        self.upper_threshold = upper_threshold
        self.lower_threshold = lower_threshold
        if method == "tun":
            tunnel_type = tunnel_type or "ipip"
            if tunnel_type == "ipip":
                tunnel_port, tunnel_checksum = None, None
            else:
                tunnel_checksum = tunnel_checksum or "nocsum"
                if tunnel_type != "gue":
                    tunnel_port = None
        else:
            tunnel_type, tunnel_port, tunnel_checksum = None, None, None
        self.tunnel_type = tunnel_type
        self.tunnel_port = tunnel_port
        self.tunnel_checksum = tunnel_checksum

    @property
    def key(self):
        return (self.address, self.port)

    def as_tuple(self):
        """The FIELDS as a tuple: what equality compares (cheaper than to_dict())."""
        return (self.address, self.port, self.method, self.weight, self.upper_threshold,
                self.lower_threshold, self.tunnel_type, self.tunnel_port, self.tunnel_checksum)

    def to_dict(self):
        return dict(zip(self.FIELDS, self.as_tuple()))

    def copy(self, **changes):
        values = self.to_dict()
        values.update(changes)
        return Destination(**values)

    def __eq__(self, other):
        return isinstance(other, Destination) and self.as_tuple() == other.as_tuple()

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Destination(%r)" % (self.to_dict(),)


class _ServiceIdentity(object):
    """What names a virtual service, for live (Service) and wanted (DesiredService) ones alike."""

    @property
    def key(self):
        if self.protocol == "fwmark":
            return ("fwmark", self.family, self.fwmark)
        return (self.protocol, self.vip, self.port)

    @property
    def name(self):
        return service_name(self.key)


class Service(_ServiceIdentity):
    """One virtual service with its destinations (an ordered dict key -> Destination)."""

    FIELDS = ("protocol", "vip", "port", "fwmark", "family", "scheduler", "scheduler_flags",
              "persistence_timeout", "persistence_netmask", "persistence_engine", "one_packet")

    def __init__(self, protocol, vip=None, port=None, fwmark=None, family="ipv4",
                 scheduler=DEFAULT_SCHEDULER, scheduler_flags=(), persistence_timeout=0,
                 persistence_netmask=None, persistence_engine=None, one_packet=False,
                 destinations=None):
        self.protocol = protocol
        self.vip = vip
        self.port = port
        self.fwmark = fwmark
        self.family = family
        self.scheduler = scheduler
        self.scheduler_flags = sorted(set(scheduler_flags or ()))
        self.persistence_timeout = persistence_timeout or 0
        if self.persistence_timeout:
            if persistence_netmask is None:
                persistence_netmask = default_netmask(family)
        else:
            persistence_netmask = None
        self.persistence_netmask = persistence_netmask
        self.persistence_engine = persistence_engine
        self.one_packet = bool(one_packet)
        self.destinations = {}
        for destination in destinations or ():
            self.destinations[destination.key] = destination

    def settings_tuple(self):
        """The FIELDS as a tuple (settings() without building a dict)."""
        return (self.protocol, self.vip, self.port, self.fwmark, self.family, self.scheduler,
                self.scheduler_flags, self.persistence_timeout, self.persistence_netmask,
                self.persistence_engine, self.one_packet)

    def settings(self):
        return dict(zip(self.FIELDS, self.settings_tuple()))

    def to_dict(self):
        result = self.settings()
        result["destinations"] = [d.to_dict() for d in sorted_destinations(self.destinations.values())]
        return result

    def copy(self, destinations=None, **changes):
        values = self.settings()
        values.update(changes)
        if destinations is None:
            destinations = [d.copy() for d in self.destinations.values()]
        return Service(destinations=destinations, **values)

    def __eq__(self, other):
        # The same as comparing to_dict(): the destinations are keyed by (address, port), so
        # the same keys with equal entries is the same sorted list.
        if not isinstance(other, Service) or self.settings_tuple() != other.settings_tuple():
            return False
        mine, theirs = self.destinations, other.destinations
        if len(mine) != len(theirs):
            return False
        for key, dest in mine.items():
            other_dest = theirs.get(key)
            if other_dest is None or dest.as_tuple() != other_dest.as_tuple():
                return False
        return True

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "Service(%r)" % (self.to_dict(),)


def service_name(key):
    if key[0] == "fwmark":
        return "fwmark %d%s" % (key[2], " ipv6" if key[1] == "ipv6" else "")
    return "%s %s" % (key[0], format_hostport(key[1], key[2]))


_SORT_KEYS = {}


def _address_sort_key(address):
    if address is None:
        return (0, 0)
    key = _SORT_KEYS.get(address)
    if key is None:
        # a table repeats its real servers' addresses: compute each key once
        key = _SORT_KEYS[address] = address_sort_key(address)
    return key


def sorted_destinations(destinations):
    return sorted(destinations, key=lambda d: (_address_sort_key(d.address), d.port))


def sorted_services(services):
    def key(service):
        if service.protocol == "fwmark":
            return (1, int(service.family == "ipv6"), service.fwmark, 0, "")
        version, number = _address_sort_key(service.vip)
        return (0, version, number, service.port, service.protocol)
    return sorted(services, key=key)


# ---------------------------------------------------------------------------------------
# Desired state from user parameters
# ---------------------------------------------------------------------------------------

class _Desired(object):
    """Options as the user gave them (keyword arguments): None means "keep the live value /
    default"; prefix is where they stand in the module's options (services[2].)."""

    def __init__(self, **values):
        self.__dict__.update(values)


class DesiredDestination(_Desired):
    """A destination: address, family, port, method, weight, upper_threshold,
    lower_threshold, tunnel_type, tunnel_port, tunnel_checksum, state, prefix."""


class DesiredService(_Desired, _ServiceIdentity):
    """A service: protocol, vip, port, fwmark, family, scheduler, scheduler_flags,
    persistence_timeout, persistence_netmask, persistence_engine, one_packet, destinations
    (None or [DesiredDestination]), purge, state, prefix."""


def _namer(prefix):
    """The option name as the user wrote it (services[2].destinations[0].weight). prefix may
    also be a function of the option's name: the cluster model passes one that names the
    description's own path (lvs_cluster.services[0].persistence.timeout)."""
    if callable(prefix):
        return prefix

    def name_of(name):
        return prefix + name
    return name_of


def service_identity(params, prefix=""):
    """(protocol, vip, port, fwmark, family) from protocol/vip/port or fwmark/family."""
    o = _namer(prefix)
    fwmark = params.get("fwmark")
    protocol = params.get("protocol")
    address = params.get("vip")
    port = params.get("port")
    family = params.get("family")
    if fwmark is not None:
        if protocol not in (None, "fwmark"):
            fail(o("protocol"), protocol, "a firewall-mark service has no protocol (fwmark is set)")
        if address is not None:
            fail(o("vip"), address, "a firewall-mark service has no vip (fwmark is set); use family")
        if port is not None:
            fail(o("port"), port, "a firewall-mark service has no port (fwmark is set)")
        mark = parse_mark(o("fwmark"), fwmark)
        family = parse_family(o("family"), family) or "ipv4"
        return "fwmark", None, None, mark, family
    if protocol is None:
        fail(o("protocol"), protocol, "give protocol (tcp, udp, sctp) with vip and port, or fwmark")
    protocol = parse_protocol(o("protocol"), protocol)
    address, addr_family = parse_address(o("vip"), address)
    if family is not None and parse_family(o("family"), family) != addr_family:
        fail(o("family"), family, "does not match the vip %s (%s)" % (address, addr_family))
    if port is None:
        fail(o("port"), port, "a %s service needs a port (0 only for a persistent service)" % protocol)
    port = parse_port(o("port"), port)
    return protocol, address, port, None, addr_family


def desired_destination(params, service_family, prefix=""):
    o = _namer(prefix)
    address, family = parse_address(o("address"), params.get("address"))
    if family != service_family:
        fail(o("address"), params.get("address"),
             "is %s but the service is %s (IPVS cannot mix address families here)" % (family, service_family))
    port = params.get("port")
    if port is not None:
        port = parse_port(o("port"), port)
    weight = params.get("weight")
    if weight is not None:
        weight = integer(o("weight"), weight, 0, MAX_WEIGHT)
    upper = params.get("upper_threshold")
    if upper is not None:
        upper = integer(o("upper_threshold"), upper, 0, MAX_THRESHOLD)
    lower = params.get("lower_threshold")
    if lower is not None:
        lower = integer(o("lower_threshold"), lower, 0, MAX_THRESHOLD)
    tunnel_port = params.get("tunnel_port")
    if tunnel_port is not None:
        tunnel_port = integer(o("tunnel_port"), tunnel_port, 1, 65535)
    return DesiredDestination(
        address=address, family=family, port=port,
        method=_choice(o("method"), params.get("method"), METHODS),
        weight=weight, upper_threshold=upper, lower_threshold=lower,
        tunnel_type=_choice(o("tunnel_type"), params.get("tunnel_type"), TUNNEL_TYPES),
        tunnel_port=tunnel_port,
        tunnel_checksum=_choice(o("tunnel_checksum"), params.get("tunnel_checksum"), TUNNEL_CHECKSUMS),
        state=parse_state(o("state"), params.get("state")),
        prefix=prefix)


def desired_service(params, prefix=""):
    """A DesiredService from module-style parameters (a dict); raises ValidationError."""
    o = _namer(prefix)
    protocol, vip, port, fwmark, family = service_identity(params, prefix)
    flags = params.get("scheduler_flags")
    if flags is not None:
        if isinstance(flags, str):
            flags = [f for f in flags.split(",") if f.strip()]
        flags = [_choice(o("scheduler_flags"), f, ALL_FLAGS) for f in flags]
    timeout = params.get("persistence_timeout")
    if timeout is not None:
        timeout = integer(o("persistence_timeout"), timeout, 0, MAX_PERSISTENCE_TIMEOUT)
    netmask = params.get("persistence_netmask")
    if netmask is not None:
        netmask = normalise_netmask(o("persistence_netmask"), netmask, family)
    one_packet = params.get("one_packet")
    destinations = params.get("destinations")
    desired_dests = None
    if destinations is not None:
        desired_dests = []
        seen = set()
        for index, entry in enumerate(destinations):
            if not isinstance(entry, dict):
                fail("%sdestinations[%d]" % (prefix, index), entry, "must be a dictionary")
            dest = desired_destination(entry, family, "%sdestinations[%d]." % (prefix, index))
            ident = (dest.address, dest.port)
            if ident in seen:
                fail("%sdestinations[%d].address" % (prefix, index), entry.get("address"),
                     "is listed twice for this service")
            seen.add(ident)
            desired_dests.append(dest)
    return DesiredService(
        protocol=protocol, vip=vip, port=port, fwmark=fwmark, family=family,
        scheduler=_choice(o("scheduler"), params.get("scheduler"), SCHEDULERS),
        scheduler_flags=flags, persistence_timeout=timeout, persistence_netmask=netmask,
        persistence_engine=_choice(o("persistence_engine"), params.get("persistence_engine"),
                                   PERSISTENCE_ENGINES + ("none",)),
        one_packet=None if one_packet is None else bool(one_packet),
        destinations=desired_dests, purge=bool(params.get("purge")),
        state=parse_state(o("state"), params.get("state")),
        prefix=prefix)


def _pick(value, live, attribute, default):
    if value is not None:
        return value
    if live is not None:
        return getattr(live, attribute)
    return default


def resolve_service(desired, live):
    """The full Service (without destinations) the user wants, given the live one (or None)."""
    o = _namer(desired.prefix)
    scheduler = _pick(desired.scheduler, live, "scheduler", DEFAULT_SCHEDULER)
    flags = desired.scheduler_flags
    if flags is None:
        flags = list(live.scheduler_flags) if live is not None else []
        # Flags the live service has but the new scheduler cannot take are dropped.
        flags = [f for f in flags if f in SCHEDULER_FLAGS.get(scheduler, ())]
    for flag in flags:
        if flag not in SCHEDULER_FLAGS.get(scheduler, ()):
            fail(o("scheduler_flags"), flag, "does not fit the scheduler %s (%s takes %s)" % (
                 scheduler, scheduler, ", ".join(SCHEDULER_FLAGS.get(scheduler, ())) or "no flags"))
    timeout = _pick(desired.persistence_timeout, live, "persistence_timeout", 0)
    netmask = desired.persistence_netmask
    engine = desired.persistence_engine
    if not timeout:
        if netmask is not None:
            fail(o("persistence_netmask"), desired.persistence_netmask,
                 "needs persistence (persistence_timeout > 0); the service is not persistent")
        if engine not in (None, "none"):
            fail(o("persistence_engine"), engine,
                 "needs persistence (persistence_timeout > 0); the service is not persistent")
        engine = None
    else:
        if netmask is None:
            netmask = live.persistence_netmask if (live is not None and live.persistence_timeout) else None
        if engine is None:
            engine = live.persistence_engine if (live is not None and live.persistence_timeout) else None
        elif engine == "none":
            engine = None
    if desired.protocol != "fwmark" and desired.port == 0 and not timeout:
        fail(o("port"), 0, "port 0 (all ports) is only for a persistent service; set persistence_timeout")
    one_packet = _pick(desired.one_packet, live, "one_packet", False)
    if one_packet and desired.protocol not in ("udp", "fwmark"):
        fail(o("one_packet"), one_packet, "one-packet scheduling is only for udp (or fwmark) services")
    return Service(protocol=desired.protocol, vip=desired.vip, port=desired.port,
                   fwmark=desired.fwmark, family=desired.family, scheduler=scheduler,
                   scheduler_flags=flags, persistence_timeout=timeout, persistence_netmask=netmask,
                   persistence_engine=engine, one_packet=one_packet)


def resolve_destination(desired, service, live):
    """The full Destination wanted for `service` (a resolved Service), given the live one."""
    o = _namer(desired.prefix)
    method = _pick(desired.method, live, "method", DEFAULT_METHOD)
    service_port = service.port if service.protocol != "fwmark" else 0
    port = desired.port
    if port is None:
        port = service_port
    if method in ("dr", "tun") and port != service_port:
        fail(o("port"), port, "under %s the real server's port must be the service's (%d): "
             "only nat can map ports (ipvsadm would silently use %d)" % (method, service_port, service_port))
    weight = _pick(desired.weight, live, "weight", 1)
    upper = _pick(desired.upper_threshold, live, "upper_threshold", 0)
    lower = _pick(desired.lower_threshold, live, "lower_threshold", 0)
    if upper and lower > upper:
        option = "lower_threshold" if desired.lower_threshold is not None else "upper_threshold"
        value = desired.lower_threshold if desired.lower_threshold is not None else desired.upper_threshold
        fail(o(option), value, "the lower threshold (%d) is above the upper threshold (%d)" % (lower, upper))
    tunnel_type = desired.tunnel_type
    tunnel_port = desired.tunnel_port
    checksum = desired.tunnel_checksum
    if method != "tun":
        for option, value in (("tunnel_type", tunnel_type), ("tunnel_port", tunnel_port),
                              ("tunnel_checksum", checksum)):
            if value is not None:
                fail(o(option), value, "tunnel options need method=tun (method is %s)" % method)
    else:
        live_tun = live if (live is not None and live.method == "tun") else None
        tunnel_type = _pick(tunnel_type, live_tun, "tunnel_type", "ipip")
        if tunnel_type == "ipip":
            for option, value in (("tunnel_port", tunnel_port), ("tunnel_checksum", checksum)):
                if value is not None:
                    fail(o(option), value, "tunnel_type ipip takes no %s" % option)
        else:
            same_type = live_tun is not None and live_tun.tunnel_type == tunnel_type
            if tunnel_port is None and tunnel_type == "gue":
                tunnel_port = live_tun.tunnel_port if same_type else None
                if tunnel_port is None:
                    fail(o("tunnel_port"), None, "tunnel_type gue needs a tunnel_port")
            if tunnel_type == "gre" and tunnel_port is not None:
                fail(o("tunnel_port"), tunnel_port, "tunnel_type gre takes no tunnel_port")
            if checksum is None:
                checksum = live_tun.tunnel_checksum if same_type else "nocsum"
            if checksum == "remcsum" and tunnel_type != "gue":
                fail(o("tunnel_checksum"), checksum, "remcsum is only for tunnel_type gue")
    return Destination(address=desired.address, port=port, method=method, weight=weight,
                       upper_threshold=upper, lower_threshold=lower, tunnel_type=tunnel_type,
                       tunnel_port=tunnel_port, tunnel_checksum=checksum)
