# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the description's ``services``: each service's VIPs, ports, forwarding,
persistence, sorry server and real servers (service()), and what no two services may
share (check_overlaps()).

Why apart: a service is validated on its own (it needs only the inventory's addresses),
and so is each of its real servers, so a mistake in one does not hide those of the
others. Values a mistake leaves UNKNOWN skip the checks that need them (a real server's
port is not compared with a forwarding that is a typo).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import UNKNOWN, known
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_health_checks import health_check
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import (
    DESCRIBED_TUNNEL_TYPES,
    FORWARDING,
    MARK_ONLY_KEYS,
    NOT_MARK_KEYS,
    PERSISTENCE_KEYS,
    REAL_SERVER_KEYS,
    SERVICE_KEYS,
    SORRY_SERVER_KEYS,
    TUNNEL_KEYS,
    Persistence,
    RealServer,
    Service,
    SorryServer,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_values import (
    one_of,
    service_name,
    value_or,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    MAX_PERSISTENCE_TIMEOUT,
    MAX_THRESHOLD,
    MAX_WEIGHT,
    SCHEDULERS,
    TUNNEL_TYPES,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    PROTOCOLS,
    address as parse_address,
    choice,
    fail,
    integer,
    mark as parse_mark,
    port as parse_port,
    port_ranges,
)


def service(mistakes, path, entry, hosts):
    """The Service of services[i] (UNKNOWN when it is no dictionary of known keys; fields
    UNKNOWN where mistakes hide them). hosts: {inventory host: its address(es) or None}."""
    if not mistakes.dictionary(path, entry, SERVICE_KEYS):
        return UNKNOWN
    fields = {"path": path}
    fields["name"] = mistakes.parse(service_name, "%s.name" % path, entry.get("name"))
    forwarding = fields["forwarding"] = mistakes.parse(
        one_of, "%s.forwarding" % path, entry.get("forwarding"), FORWARDING, "dr")
    fields["scheduler"] = mistakes.parse(one_of, "%s.scheduler" % path, entry.get("scheduler"),
                                         SCHEDULERS, "wlc")
    fields["scheduler_flags"] = mistakes.parse(_scheduler_flags, "%s.scheduler_flags" % path,
                                               entry.get("scheduler_flags"))
    fields["tunnel_type"] = mistakes.parse(_tunnel_type, "%s.tunnel" % path, entry.get("tunnel"),
                                           forwarding)
    given = {}
    for key in ("health_check", "sorry_server"):
        given[key] = entry.get(key)
        if given[key] is not None and not isinstance(given[key], dict):
            mistakes.fail("%s.%s" % (path, key), given[key], "must be a dictionary")
            given[key] = UNKNOWN
    is_mark = entry.get("fwmark") is not None
    fields.update(_mark_addresses(mistakes, path, entry) if is_mark
                  else _addresses(mistakes, path, entry))
    families = fields["families"]
    ports = fields["ports"]
    first_port = ports[0][0] if known(ports) else UNKNOWN
    fields["persistence"] = _persistence(mistakes, "%s.persistence" % path,
                                         entry.get("persistence"), families)
    check_source = ("%s.health_check" % path, given["health_check"])
    if known(given["health_check"]):
        # the service's own check, for its mistakes: each real server carries its merge
        health_check(mistakes, [check_source], check_source[0], fields["protocols"], first_port)
    fields["sorry_server"] = _sorry_server(mistakes, "%s.sorry_server" % path,
                                           given["sorry_server"], fields, is_mark)
    servers = entry.get("real_servers")
    if not isinstance(servers, list) or not servers:
        mistakes.fail("%s.real_servers" % path, servers, "at least one real server is needed")
        fields["real_servers"] = UNKNOWN
        return Service(**fields)
    fields["real_servers"], seen = [], {}
    for index, server_entry in enumerate(servers):
        server_path = "%s.real_servers[%d]" % (path, index)
        found = _real_servers(mistakes, server_path, server_entry, fields, is_mark, check_source,
                              hosts)
        if found is UNKNOWN:
            fields["real_servers"].append(UNKNOWN)
            continue
        for server in found:
            if known(families) and server.family not in families:
                mistakes.fail(server_path, server.address, "is %s but the service's VIPs are %s: "
                              "IPVS cannot mix address families"
                              % (server.family, "/".join(families)))
                fields["real_servers"].append(UNKNOWN)
                continue
            if known(server.port):
                ident = (server.address, server.port)
                if ident in seen:
                    mistakes.fail(server_path, server.address, "is listed twice for this service "
                                  "(also real_servers[%d])" % seen[ident])
                seen.setdefault(ident, index)
            fields["real_servers"].append(server)
    return Service(**fields)


def _scheduler_flags(path, flags):
    """The flags as given (ipvs_service's code checks each): a list, or none."""
    if flags is not None and not isinstance(flags, list):
        fail(path, flags, "must be a list (e.g. [sh-port])")
    return flags or []


def _tunnel_type(path, given, forwarding):
    tunnel = given or {}
    if tunnel and known(forwarding) and forwarding != "tun":
        fail(path, tunnel, "is only for forwarding: tun")
    if not isinstance(tunnel, dict):
        fail(path, tunnel, "must be a dictionary")
    for key in tunnel:
        if key not in TUNNEL_KEYS:
            fail("%s.%s" % (path, key), tunnel[key],
                 "is not an option here (known: %s)" % ", ".join(TUNNEL_KEYS))
    kind = tunnel.get("type")
    if kind is not None:
        choice("%s.type" % path, kind, TUNNEL_TYPES)
        if kind not in DESCRIBED_TUNNEL_TYPES:
            fail("%s.type" % path, kind, "the real_server role decapsulates IP-in-IP only "
                 "(tunl0); %s needs %s devices on the real servers, which this collection does "
                 "not set up: use ipip (or the ipvs_destination module with tunnel_type, and "
                 "real servers set up by hand)" % (kind, "fou (GUE)" if kind == "gue" else "gre"))
    return kind


def _mark_addresses(mistakes, path, entry):
    """fwmark, vips, ports and protocols of a firewall-mark service."""
    wrong = [key for key in NOT_MARK_KEYS if entry.get(key) is not None]
    for key in wrong:
        mistakes.fail("%s.%s" % (path, key), entry[key],
                      "a firewall-mark service takes vips, ports and protocols")
    fields = {"fwmark": mistakes.parse(parse_mark, "%s.fwmark" % path, entry["fwmark"]),
              "protocol": None}
    if wrong:       # a service half of each kind: what it means is not guessed
        fields.update(vips=UNKNOWN, families=UNKNOWN, family=UNKNOWN, ports=UNKNOWN,
                      protocols=UNKNOWN)
        return fields
    vips = entry.get("vips")
    if not isinstance(vips, list) or not vips:
        mistakes.fail("%s.vips" % path, vips, "a firewall-mark service needs a list of VIPs")
        parsed = UNKNOWN
    else:
        parsed = [mistakes.parse(parse_address, "%s.vips[%d]" % (path, index), vip)
                  for index, vip in enumerate(vips)]
    fields.update(_families(parsed))
    fields["ports"] = mistakes.parse(port_ranges, "%s.ports" % path, entry.get("ports"))
    protocols = value_or(entry, "protocols", ["tcp"])
    if not isinstance(protocols, list) or not protocols:
        mistakes.fail("%s.protocols" % path, protocols, "must be a list of tcp, udp, sctp")
        fields["protocols"] = UNKNOWN
    else:
        parsed = [mistakes.parse(one_of, "%s.protocols[%d]" % (path, index), value, PROTOCOLS)
                  for index, value in enumerate(protocols)]
        fields["protocols"] = sorted(set(parsed)) if known(*parsed) else UNKNOWN
    return fields


def _addresses(mistakes, path, entry):
    """vip, port and protocol of a service on one VIP and port."""
    fields = {"fwmark": None}
    wrong = [key for key in MARK_ONLY_KEYS if entry.get(key) is not None]
    for key in wrong:
        mistakes.fail("%s.%s" % (path, key), entry[key],
                      "only a firewall-mark service (fwmark) takes %s" % key)
    if wrong:
        fields.update(vips=UNKNOWN, families=UNKNOWN, family=UNKNOWN, ports=UNKNOWN,
                      protocols=UNKNOWN, protocol=UNKNOWN)
        return fields
    fields.update(_families([mistakes.parse(parse_address, "%s.vip" % path, entry.get("vip"))]))
    port = mistakes.parse(parse_port, "%s.port" % path, entry.get("port"), 1)
    fields["ports"] = ((port, port),) if known(port) else UNKNOWN
    protocol = fields["protocol"] = mistakes.parse(one_of, "%s.protocol" % path,
                                                   entry.get("protocol"), PROTOCOLS, "tcp")
    fields["protocols"] = [protocol] if known(protocol) else UNKNOWN
    return fields


def _families(parsed):
    """vips, families, family of [(address, family) or UNKNOWN] (or UNKNOWN)."""
    if parsed is UNKNOWN:
        return {"vips": UNKNOWN, "families": UNKNOWN, "family": UNKNOWN}
    return {"vips": [item[0] if known(item) else UNKNOWN for item in parsed],
            "families": (sorted(set(family for _address, family in parsed))
                         if known(*parsed) else UNKNOWN),
            "family": parsed[0][1] if known(parsed[0]) else UNKNOWN}


def _persistence(mistakes, path, given, families):
    if given is None:
        return None
    if not mistakes.dictionary(path, given, PERSISTENCE_KEYS):
        return UNKNOWN
    timeout = given.get("timeout")
    if timeout is None:
        mistakes.fail("%s.timeout" % path, None, "is required with persistence")
        timeout = UNKNOWN
    else:
        # 0 would build a service without persistence: leave persistence out for that
        if mistakes.parse(integer, "%s.timeout" % path, timeout, 1,
                          MAX_PERSISTENCE_TIMEOUT) is UNKNOWN:
            timeout = UNKNOWN
    netmasks = {}
    for key, family in (("netmask", "ipv4"), ("ipv6_netmask", "ipv6")):
        netmasks[key] = given.get(key)
        if netmasks[key] is not None and known(families) and family not in families:
            mistakes.fail("%s.%s" % (path, key), given[key],
                          "is for %s VIPs and this service has none" % family)
            netmasks[key] = UNKNOWN
    # as given: ipvs_service's code reads them (check_ipvs), as it would on the router
    return Persistence(timeout, netmasks["netmask"], netmasks["ipv6_netmask"])


def _sorry_server(mistakes, path, given, service, is_mark):
    if given is None:
        return None
    if given is UNKNOWN or not mistakes.dictionary(path, given, SORRY_SERVER_KEYS):
        return UNKNOWN
    parsed = mistakes.parse(parse_address, "%s.address" % path, given.get("address"))
    address = family = UNKNOWN
    if known(parsed):
        address, family = parsed
        if known(service["families"]) and family not in service["families"]:
            mistakes.fail("%s.address" % path, given.get("address"), "is %s but the service's "
                          "VIPs are %s: IPVS cannot mix address families"
                          % (family, "/".join(service["families"])))
            address = UNKNOWN
    port = None
    if given.get("port") is not None:
        port = mistakes.parse(_port, "%s.port" % path, given["port"], service, is_mark)
    return SorryServer(address, family, port)


def _port(path, value, service, is_mark):
    """The port a real server (or the sorry server) is sent to: only NAT may remap it."""
    port = parse_port(path, value, 1)
    forwarding, ports = service["forwarding"], service["ports"]
    if known(forwarding, ports) and forwarding != "nat" and (is_mark or port != ports[0][0]):
        fail(path, value, "only NAT can send to another port than the client asked for; %s "
             "keeps the destination port (leave port out)" % forwarding)
    return port


def _host_addresses(path, host, hosts, families):
    """The addresses of an inventory host that a service of these families can use: its
    real_server_address is one address, or a list (a dual-stack host: one per family)."""
    if isinstance(host, (dict, list)) or host not in hosts:
        fail("%s.host" % path, host, "is not a host of the inventory")
    given = hosts[host]
    if not given:
        fail("%s.host" % path, host,
             "has no address: set real_server_address (or ansible_host) for it")
    parsed = [parse_address("%s.host" % path, text)
              for text in (given if isinstance(given, (list, tuple)) else [given])]
    if not known(families):
        return UNKNOWN
    usable = [(address, family) for address, family in parsed if family in families]
    if not usable:
        fail("%s.host" % path, host, "has no %s address (it has %s): list one in its "
             "real_server_address" % ("/".join(families), ", ".join(a for a, _f in parsed)))
    return usable


def _real_servers(mistakes, path, entry, service, is_mark, check_source, hosts):
    """A real server entry: one RealServer per address (a host of a dual-stack mark serves
    with each family's address), or UNKNOWN."""
    if not mistakes.dictionary(path, entry, REAL_SERVER_KEYS):
        return UNKNOWN
    host, address = entry.get("host"), entry.get("address")
    if (host is None) == (address is None):
        mistakes.fail(path, entry, "give exactly one of host (an inventory host) or address")
        found = UNKNOWN
    elif host is not None:
        found = mistakes.parse(_host_addresses, path, host, hosts, service["families"])
    else:
        found = [mistakes.parse(parse_address, "%s.address" % path, address)]
    port = entry.get("port")
    if port is not None:
        port = mistakes.parse(_port, "%s.port" % path, port, service, is_mark)
    # checked here, not only by ipvs_service's code (check_ipvs): that code numbers the real
    # servers of one family of a dual-stack mark, not the description's real_servers[]
    limits = {}
    for key, high in (("weight", MAX_WEIGHT), ("upper_threshold", MAX_THRESHOLD),
                      ("lower_threshold", MAX_THRESHOLD)):
        limits[key] = (mistakes.parse(integer, "%s.%s" % (path, key), entry[key], 0, high)
                       if entry.get(key) is not None else None)
    # the service's check, with this real server's overrides; it probes the port the real
    # server serves on (NAT may remap it), a mark's first port unless port is given
    ports = service["ports"]
    check_port = port if port is not None else (ports[0][0] if known(ports) else UNKNOWN)
    check = health_check(mistakes, [check_source, ("%s.health_check" % path,
                                                   entry.get("health_check"))],
                         check_source[0], service["protocols"], check_port)
    if found is UNKNOWN or not known(*found):
        return UNKNOWN
    return [RealServer(path, host, server_address, family, port, health_check=check, **limits)
            for server_address, family in found]


def _port_set(pairs):
    ports = set()
    for low, high in pairs:
        ports.update(range(low, high + 1))
    return ports


def _named(services, index):
    """services[i] (its name), as a message names an earlier service."""
    name = services[index].name
    return "services[%d]%s" % (index, " (%s)" % name if known(name) else "")


def check_overlaps(mistakes, services):
    """No two services may share a name, a firewall mark or a (VIP, protocol, port). Each
    service is compared with the earlier ones, by what of it is known."""
    names, marks, claimed = {}, {}, {}
    for index, service in enumerate(services):
        if service is UNKNOWN:
            continue
        name = service.name
        if known(name):
            if name in names:
                mistakes.fail("%s.name" % service.path, name,
                              "is already the name of services[%d]" % names[name])
            names.setdefault(name, index)
        if service.fwmark is not None and known(service.fwmark):
            if service.fwmark in marks:
                mistakes.fail("%s.fwmark" % service.path, service.fwmark, "is already the mark of "
                              "%s" % _named(services, marks[service.fwmark]))
            marks.setdefault(service.fwmark, index)
        if not known(service.vips, service.ports, service.protocols):
            continue
        ports, reported = _port_set(service.ports), set()
        for vip in service.vips:
            if vip is UNKNOWN:
                continue
            for protocol in service.protocols:
                for earlier, earlier_ports in claimed.get((vip, protocol), []):
                    shared = earlier_ports & ports
                    if shared and known(name) and earlier not in reported:
                        reported.add(earlier)
                        mistakes.fail(service.path, name, "claims %s %s port %d, which %s has "
                                      "already" % (protocol, vip, min(shared),
                                                   _named(services, earlier)))
                claimed.setdefault((vip, protocol), []).append((index, ports))
