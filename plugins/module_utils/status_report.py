# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's status (playbooks/status.yml) on the controller: the reads of every host
(module lvs.cluster.status) against the description, as data and as lines a person reads.

expected(cluster, real_servers) takes what the description says from a valid Cluster
(cluster_model.load); report(expected, reads) compares each host's read with it and flags
the differences; lines(report) renders it. Each flag is {kind, where, message}; kinds:

- ``no_read``: a host described but not read (unreachable, or its read failed);
- ``keepalived``: keepalived described on a router but not running, or a dump missing;
- ``two_masters`` / ``no_master``: a VRRP instance MASTER on several routers / on none;
- ``address_on_no_router`` / ``address_on_several_routers``: a VIP or the NAT address;
- ``service_missing`` / ``service_settings``: a virtual service not in the active router's
  table / its scheduler or persistence not as described;
- ``real_server_missing``: a described real server not in the table, and neither
  keepalived's health check (down) nor a drain marker explains it;
- ``weight``: a live weight other than the described one, not explained by a drain (0)
  or keepalived's health check (0 while down);
- ``unexpected_real_server``: in the table but not in the description (nor the sorry server);
- ``vip_missing`` / ``arp``: a real server without its VIP where the method puts it,
  or without ARP suppression in place.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_ipvs import ipvs_entries
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_router_projection import router_addresses
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import format_hostport, service_name

# keepalived.conf's VRRP instances (keepalived_conf.PUBLIC_INSTANCE / PRIVATE_INSTANCE)
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_conf import (
    PRIVATE_INSTANCE,
    PUBLIC_INSTANCE,
)

DEFAULT_WEIGHT = 1  # ipvsadm's and keepalived's weight of a real server without one


# ---------------------------------------------------------------------------------------
# What the description says
# ---------------------------------------------------------------------------------------

def _entry_key(entry):
    if entry.get("fwmark") is not None:
        return ["fwmark", entry.get("family", "ipv4"), entry["fwmark"]]
    return [entry["protocol"], entry["vip"], entry["port"]]


def expected(cluster, routers, real_servers):
    """What the status is compared with, as plain data, from a valid Cluster.

    routers: the router hosts in order; real_servers: [{host, address, dr_vips, tun_vips,
    arp_method, interface}] of the real server hosts (the real_server role's variables)."""
    addresses = router_addresses(cluster)
    wanted = [dict(address=item.split("/")[0], kind="VIP") for item in addresses["public"]]
    wanted += [dict(address=item.split("/")[0], kind="NAT address") for item in addresses["private"]]
    instances = []
    if cluster.routers.vrrp is not None:
        instances = [PUBLIC_INSTANCE] + ([PRIVATE_INSTANCE] if addresses["private"] else [])
    services = []
    for service in cluster.services:
        by_address = dict((server.address, server) for server in service.real_servers)
        for entry in ipvs_entries(service):
            key = _entry_key(entry)
            checks = set(server.health_check.type for server in service.real_servers
                         if server.health_check is not None)
            sorry = service.sorry_server
            services.append({
                "name": service.name,
                "service": service_name(tuple(key)),
                "key": key,
                "scheduler": entry["scheduler"],
                "persistence_timeout": entry.get("persistence_timeout", 0),
                "health_check": sorted(checks)[0] if len(checks) == 1 else (sorted(checks) or None),
                "sorry_server": sorry.address if sorry is not None else None,
                "real_servers": [dict(host=by_address[dest["address"]].host, address=dest["address"],
                                      weight=dest.get("weight", DEFAULT_WEIGHT))
                                 for dest in entry["destinations"]],
            })
    return {
        "keepalived": cluster.uses_keepalived(),
        "ipvs_owner": cluster.routers.ipvs_owner,
        "instances": instances,
        "addresses": wanted,
        "routers": list(routers),
        "services": services,
        "real_servers": list(real_servers),
    }


# ---------------------------------------------------------------------------------------
# The reads against it
# ---------------------------------------------------------------------------------------

def _flag(flags, kind, where, message):
    flags.append({"kind": kind, "where": where, "message": "%s: %s" % (where, message)})


def _held(read):
    """{address: [interfaces]} of a read."""
    held = {}
    for link in (read or {}).get("addresses") or []:
        for address in link.get("addresses") or []:
            held.setdefault(address, []).append(link["ifname"])
    return held


def _not_read(flags, host, failures):
    _flag(flags, "no_read", host, "not read: %s" % (failures.get(host) or "no read of it"))


def _router_reports(want, reads, failures, flags):
    routers = []
    for host in want["routers"]:
        read = reads.get(host)
        entry = {"host": host, "read": read is not None, "keepalived": None, "vrrp": {},
                 "holds": [], "drained": []}
        if read is None:
            _not_read(flags, host, failures)
            routers.append(entry)
            continue
        held = _held(read)
        entry["holds"] = [item["address"] for item in want["addresses"] if item["address"] in held]
        entry["drained"] = sorted(address for address, on in (read.get("drain") or {}).items() if on)
        keepalived = read.get("keepalived")
        if want["keepalived"]:
            if not keepalived or not keepalived.get("running"):
                _flag(flags, "keepalived", host, "keepalived is not running%s"
                      % (" (%s)" % keepalived["error"] if keepalived and keepalived.get("error") else ""))
            elif keepalived.get("error"):
                _flag(flags, "keepalived", host, keepalived["error"])
        if keepalived:
            entry["keepalived"] = "running" if keepalived.get("running") else "stopped"
            entry["vrrp"] = dict((instance["name"], instance["state"]) for instance in keepalived.get("vrrp") or [])
        routers.append(entry)
    return routers


def _vrrp_flags(want, routers, flags):
    for instance in want["instances"]:
        masters = [r["host"] for r in routers if r["vrrp"].get(instance) == "MASTER"]
        if len(masters) > 1:
            _flag(flags, "two_masters", instance, "MASTER on %s" % " and ".join(masters))
        elif not masters and any(r["read"] for r in routers):
            _flag(flags, "no_master", instance, "MASTER on no router (%s)" % ", ".join(
                "%s %s" % (r["host"], r["vrrp"].get(instance, "-")) for r in routers))


def _address_flags(want, routers, flags):
    holders = {}
    for item in want["addresses"]:
        holders[item["address"]] = [r["host"] for r in routers if item["address"] in r["holds"]]
        where = "%s %s" % (item["kind"], item["address"])
        if not holders[item["address"]] and any(r["read"] for r in routers):
            _flag(flags, "address_on_no_router", where, "held by no router")
        elif len(holders[item["address"]]) > 1:
            _flag(flags, "address_on_several_routers", where, "held by %s" % " and ".join(holders[item["address"]]))
    return holders


def _active_router(want, routers):
    """The router whose table serves: MASTER of the first instance, else the one holding
    the first VIP, else the first read router."""
    for instance in want["instances"][:1]:
        for r in routers:
            if r["vrrp"].get(instance) == "MASTER":
                return r["host"]
    for item in want["addresses"]:
        for r in routers:
            if item["address"] in r["holds"]:
                return r["host"]
    for r in routers:
        if r["read"]:
            return r["host"]
    return None


def _table(read):
    """{service key tuple: service entry of ipvs_info}."""
    table = {}
    for service in ((read or {}).get("ipvs") or {}).get("services") or []:
        table[tuple(_entry_key(service))] = service
    return table


def _checkers(read):
    """{service key tuple: {address: alive}}, {service key: sorry address} (None: no view)."""
    keepalived = (read or {}).get("keepalived") or {}
    if keepalived.get("checkers") is None:
        return None, {}
    health, sorry = {}, {}
    for service in keepalived["checkers"]:
        key = tuple(service["key"])
        health[key] = dict((rs["address"], rs["alive"]) for rs in service["real_servers"])
        if service.get("sorry_active") and service.get("sorry_server"):
            sorry[key] = service["sorry_server"]
    return health, sorry


def _service_reports(want, read, active, flags):
    table = _table(read)
    health, sorry = _checkers(read)
    drain = (read or {}).get("drain") or {}
    services = []
    for svc in want["services"]:
        key = tuple(svc["key"])
        live = table.get(key)
        where = "%s (%s)" % (svc["name"], svc["service"])
        entry = dict((k, svc[k]) for k in ("name", "service", "key", "scheduler", "persistence_timeout",
                                           "health_check", "sorry_server"))
        entry.update(router=active, in_table=live is not None, live_scheduler=None,
                     live_persistence_timeout=None, active_connections=None, inactive_connections=None,
                     cps=None, bytes_in_per_second=None, bytes_out_per_second=None,
                     sorry_active=key in sorry, real_servers=[])
        if read is not None and live is None:
            _flag(flags, "service_missing", where, "not in the IPVS table of %s" % active)
        if live is not None:
            rates = live.get("rates") or {}
            entry.update(live_scheduler=live.get("scheduler"),
                         live_persistence_timeout=live.get("persistence_timeout"),
                         active_connections=live.get("active_connections"),
                         inactive_connections=live.get("inactive_connections"),
                         cps=rates.get("cps"), bytes_in_per_second=rates.get("bytes_in_per_second"),
                         bytes_out_per_second=rates.get("bytes_out_per_second"))
            if live.get("scheduler") != svc["scheduler"] or \
                    (live.get("persistence_timeout") or 0) != (svc["persistence_timeout"] or 0):
                _flag(flags, "service_settings", where, "scheduler %s, persistence %s on %s; described %s, %s"
                      % (live.get("scheduler"), live.get("persistence_timeout") or 0, active,
                         svc["scheduler"], svc["persistence_timeout"] or 0))
        dests = dict((d["address"], d) for d in (live or {}).get("destinations") or [])
        service_health = None if health is None else health.get(key, {})
        for rs in svc["real_servers"]:
            entry["real_servers"].append(_real_server_report(rs, dests.pop(rs["address"], None), live is not None,
                                                             service_health, drain, where, flags))
        for address in sorted(dests):
            if address == (sorry.get(key) or "").rsplit(":", 1)[0].strip("[]"):
                continue  # keepalived's sorry server, in the table while the quorum is down
            dest = dests[address]
            _flag(flags, "unexpected_real_server", where, "%s (weight %s) is in the table of %s, not in the description"
                  % (format_hostport(address, dest.get("port") or 0), dest.get("weight"), active))
        services.append(entry)
    return services


def _real_server_report(rs, dest, service_live, health, drain, where, flags):
    alive = None if health is None else health.get(rs["address"])
    state = None if health is None else ("down" if alive is False else "up" if alive else "unknown")
    drained = bool(drain.get(rs["address"]))
    rates = (dest or {}).get("rates") or {}
    entry = {
        "host": rs["host"], "address": rs["address"], "weight": rs["weight"],
        "live_weight": dest.get("weight") if dest else None, "health": state, "drained": drained,
        "in_table": dest is not None,
        "active_connections": dest.get("active_connections") if dest else None,
        "inactive_connections": dest.get("inactive_connections") if dest else None,
        "cps": rates.get("cps"), "bytes_in_per_second": rates.get("bytes_in_per_second"),
        "bytes_out_per_second": rates.get("bytes_out_per_second"),
    }
    name = "%s %s" % (where, rs["host"] or rs["address"])
    if not service_live:
        return entry
    if dest is None:
        if state != "down" and not drained:
            _flag(flags, "real_server_missing", name, "%s is not in the IPVS table" % rs["address"])
        return entry
    live = dest.get("weight")
    explained = live == 0 and (drained or state == "down")
    if live != rs["weight"] and not explained:
        _flag(flags, "weight", name, "live weight %s, described %s%s" % (
            live, rs["weight"], " (drained: 0 expected)" if drained else ""))
    return entry


def _real_server_host_reports(want, reads, failures, flags):
    reports = []
    for rs in want["real_servers"]:
        read = reads.get(rs["host"])
        entry = {"host": rs["host"], "address": rs["address"], "read": read is not None,
                 "arp_method": rs.get("arp_method"), "vips": {}, "arp_suppression": None}
        vips = list(rs.get("dr_vips") or []) + list(rs.get("tun_vips") or [])
        if read is None:
            _not_read(flags, rs["host"], failures)
            reports.append(entry)
            continue
        held = _held(read)
        for vip in rs.get("dr_vips") or []:
            entry["vips"][vip] = held.get(vip, [])
            wanted = None if rs.get("arp_method") == "redirect" else "lo"
            _vip_flag(flags, rs["host"], vip, held.get(vip, []), wanted)
        for vip in rs.get("tun_vips") or []:
            entry["vips"][vip] = held.get(vip, [])
            _vip_flag(flags, rs["host"], vip, held.get(vip, []), "tunl0")
        if vips and rs.get("arp_method") != "redirect":
            entry["arp_suppression"] = _arp_in_place(rs, read, held, vips)
            if not entry["arp_suppression"]:
                _flag(flags, "arp", rs["host"], "ARP suppression (%s) is not in place for %s"
                      % (rs.get("arp_method"), ", ".join(vips)))
        reports.append(entry)
    return reports


def _vip_flag(flags, host, vip, interfaces, wanted):
    if wanted is None:
        if interfaces:
            _flag(flags, "vip_missing", host, "holds %s on %s (the redirect method holds no VIP)"
                  % (vip, ", ".join(interfaces)))
    elif wanted not in interfaces:
        _flag(flags, "vip_missing", host, "%s is not on %s%s" % (
            vip, wanted, " (on %s)" % ", ".join(interfaces) if interfaces else ""))


def _arp_in_place(rs, read, held, vips):
    if rs.get("arp_method") == "arptables":
        drops = set(read.get("arp_drops") or [])
        return all(vip in drops for vip in vips if ":" not in vip)
    interface = rs.get("interface") or next(iter(held.get(rs["address"], [])), None)
    values = read.get("arp_sysctls") or {}

    def effective(key):
        found = [v.get(key) for name, v in values.items() if name in ("all", interface) and v.get(key) is not None]
        return max(found) if found else None
    ignore, announce = effective("arp_ignore"), effective("arp_announce")
    return ignore is not None and ignore >= 1 and announce is not None and announce >= 2


def _usable(reads):
    """({host: read} of the successful reads, {host: why not} of the others): a task result
    that failed or could not reach its host, as Ansible registers it, is not a read."""
    usable, failures = {}, {}
    for host, read in (reads or {}).items():
        if not isinstance(read, dict) or not read:
            continue
        if read.get("unreachable") or read.get("failed") or read.get("skipped") or "role" not in read:
            reason = "unreachable" if read.get("unreachable") else "the read failed"
            failures[host] = "%s (%s)" % (reason, read.get("msg") or "no message") if read.get("msg") else reason
            continue
        usable[host] = read
    return usable, failures


def report(want, reads):
    """The status as JSON-able data: routers, active_router, services, real_servers, flags, ok."""
    flags = []
    reads, failures = _usable(reads)
    routers = _router_reports(want, reads, failures, flags)
    _vrrp_flags(want, routers, flags)
    holders = _address_flags(want, routers, flags)
    active = _active_router(want, routers)
    services = _service_reports(want, reads.get(active), active, flags)
    real_servers = _real_server_host_reports(want, reads, failures, flags)
    return {
        "ok": not flags,
        "flags": flags,
        "active_router": active,
        "keepalived": want["keepalived"],
        "routers": routers,
        "addresses": [dict(item, holders=holders[item["address"]]) for item in want["addresses"]],
        "services": services,
        "real_servers": real_servers,
    }


# ---------------------------------------------------------------------------------------
# The lines a person reads
# ---------------------------------------------------------------------------------------

def _show(value):
    return "-" if value is None else str(value)


def lines(status):
    out = []
    out.append("routers (table read on %s):" % _show(status["active_router"]))
    for r in status["routers"]:
        if not r["read"]:
            out.append("  %s: NOT READ" % r["host"])
            continue
        vrrp = ", ".join("%s %s" % item for item in sorted(r["vrrp"].items()))
        parts = ["keepalived %s" % r["keepalived"] if r["keepalived"] else "no keepalived"]
        if vrrp:
            parts.append(vrrp)
        parts.append("holds %s" % (", ".join(r["holds"]) if r["holds"] else "nothing"))
        if r["drained"]:
            parts.append("drain markers %s" % ", ".join(r["drained"]))
        out.append("  %s: %s" % (r["host"], "; ".join(parts)))
    for svc in status["services"]:
        persistence = ", persistence %ss" % svc["persistence_timeout"] if svc["persistence_timeout"] else ""
        head = "service %s (%s): %s%s" % (svc["name"], svc["service"], svc["scheduler"], persistence)
        if svc["in_table"]:
            head += "; conns %s active, %s inactive; %s conn/s, %s B/s in, %s B/s out" % (
                svc["active_connections"], svc["inactive_connections"], svc["cps"],
                svc["bytes_in_per_second"], svc["bytes_out_per_second"])
        elif svc["router"] is None:
            head += "; no router's table read"
        else:
            head += "; NOT IN THE TABLE of %s" % svc["router"]
        if svc["sorry_active"]:
            head += "; sorry server %s serving" % svc["sorry_server"]
        out.append(head)
        for rs in svc["real_servers"]:
            out.append("  %-5s %-15s weight %s live %s health %s%s conns %s/%s %s conn/s %s/%s B/s" % (
                _show(rs["host"]), rs["address"], rs["weight"],
                _show(rs["live_weight"]) if rs["in_table"] else "absent", _show(rs["health"]),
                " DRAINED" if rs["drained"] else "", _show(rs["active_connections"]),
                _show(rs["inactive_connections"]), _show(rs["cps"]), _show(rs["bytes_in_per_second"]),
                _show(rs["bytes_out_per_second"])))
    for rs in status["real_servers"]:
        if not rs["read"]:
            out.append("real server %s: NOT READ" % rs["host"])
            continue
        if not rs["vips"]:
            out.append("real server %s (%s): no VIP (NAT)" % (rs["host"], rs["address"]))
            continue
        vips = ", ".join("%s on %s" % (vip, ",".join(where) if where else "nothing")
                         for vip, where in sorted(rs["vips"].items()))
        arp = {True: "in place", False: "NOT in place", None: "not checked"}[rs["arp_suppression"]]
        out.append("real server %s (%s): %s; ARP suppression (%s) %s" % (
            rs["host"], rs["address"], vips, rs["arp_method"], arp))
    if status["flags"]:
        out.append("DIFFERENCES FROM THE DESCRIPTION (%d):" % len(status["flags"]))
        out.extend("  [%s] %s" % (flag["kind"], flag["message"]) for flag in status["flags"])
    else:
        out.append("no difference from the description")
    return out
