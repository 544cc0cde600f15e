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

Names the high-availability issue will fill are reserved and accepted as dictionaries
now: ``routers.vrrp`` and each service's ``health_check`` and ``sorry_server``.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    MAX_THRESHOLD,
    MAX_WEIGHT,
    METHODS,
    SCHEDULERS,
    TUNNEL_TYPES,
    desired_service,
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
SERVICE_KEYS = ("name", "vip", "port", "protocol", "fwmark", "vips", "ports", "protocols",
                "forwarding", "scheduler", "scheduler_flags", "persistence", "tunnel",
                "real_servers", "health_check", "sorry_server")
REAL_SERVER_KEYS = ("host", "address", "port", "weight", "upper_threshold", "lower_threshold")
ROUTER_KEYS = ("public_interface", "private_interface", "nat_address", "vrrp")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_INTERFACE = re.compile(r"^[A-Za-z0-9_.@:-]{1,15}$")


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
    """(address, prefix length, family) of ADDRESS/PREFIX (prefix defaults to the host's)."""
    text = str(value).strip()
    address_text, prefix = (text.split("/", 1) + [""])[:2]
    address, family = _checked(parse_address, path, address_text)
    bits = 32 if family == "ipv4" else 128
    length = _checked(integer, path, prefix, 1, bits) if prefix else bits
    return address, length, family


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
        view = {"dr_vips": set(), "tun_vips": set(), "nat_gateway": None, "services": []}
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
    return {"address": address, "family": family, "host": host, "ipvs": ipvs}


def _service(path, entry, routers, hosts):
    _known_keys(path, entry, SERVICE_KEYS)
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        _fail("%s.name" % path, name, "is required: lower-case letters, digits, '_', '.', '-'")
    service = {"name": name}
    service["forwarding"] = _checked(choice, "%s.forwarding" % path,
                                     entry.get("forwarding", "dr"), FORWARDING)
    service["scheduler"] = _checked(choice, "%s.scheduler" % path,
                                    entry.get("scheduler", "wlc"), SCHEDULERS)
    service["scheduler_flags"] = entry.get("scheduler_flags") or []
    tunnel = entry.get("tunnel") or {}
    if tunnel and service["forwarding"] != "tun":
        _fail("%s.tunnel" % path, tunnel, "is only for forwarding: tun")
    _known_keys("%s.tunnel" % path, tunnel, ("type",))
    if tunnel.get("type") is not None:
        _checked(choice, "%s.tunnel.type" % path, tunnel["type"], TUNNEL_TYPES)
    service["tunnel"] = tunnel
    for reserved in ("health_check", "sorry_server"):
        if entry.get(reserved) is not None and not isinstance(entry[reserved], dict):
            _fail("%s.%s" % (path, reserved), entry[reserved], "must be a dictionary")

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
        for key, family in (("netmask", "ipv4"), ("ipv6_netmask", "ipv6")):
            if persistence.get(key) is not None and family not in service["families"]:
                _fail("%s.persistence.%s" % (path, key), persistence[key],
                      "is for %s VIPs and this service has none" % family)
    service["persistence"] = persistence

    if service["forwarding"] == "nat" and routers["nat_address"] is None:
        _fail("%s.routers.nat_address" % ROOT, None,
              "is required: service %s forwards by NAT, and its real servers route their "
              "replies through this floating address" % name)

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


def _check_ipvs(path, service, entry):
    """The IPVS part of a service, checked by the ipvs_service module's own code."""
    try:
        desired_service(entry, "")
    except ValidationError as error:
        message = str(error)
        # the module names destinations[i]; the cluster calls them real_servers[i]
        message = re.sub(r"^destinations\[", "real_servers[", message)
        message = message.replace("persistence_timeout=", "persistence.timeout=")
        message = message.replace(
            "persistence_netmask=", "persistence.%snetmask="
            % ("ipv6_" if entry.get("family", service["family"]) == "ipv6" else ""))
        raise ClusterError("%s.%s" % (path, message))


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


def load(description, hosts):
    """A validated Cluster from ``lvs_cluster`` and {inventory host: its address or None}.

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
        "vrrp": routers_in.get("vrrp") or {},
    }
    if not isinstance(routers["vrrp"], dict):
        _fail("%s.routers.vrrp" % ROOT, routers["vrrp"], "must be a dictionary")
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
    return Cluster(routers, services)
