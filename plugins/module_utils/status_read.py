# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One read of a host for playbooks/status.yml (the module lvs.cluster.status), as data.

A router: its addresses (``ip -j address show``), the IPVS table with connections, stats
and rates (ipvsadm.Ipvsadm.info), keepalived's VRRP state per instance (its JSON dump:
``keepalived --signum=JSON`` names the signal, the VRRP process writes
``/tmp/keepalived.json``), keepalived's checker view (its data dump, read by
keepalived_checkers) and the drain markers (``/var/lib/lvs-cluster/drain/<address>``
holding ``1``). A real server: its addresses and the ARP sysctls of every interface, and
with the arptables method the collection's ``arp lvs_cluster_vip`` table.

Reads only: nothing here changes the host (keepalived's dumps are files it writes on a
signal, outside its state). Every command is an argument list run by the caller's
``run(argv, data=None) -> (rc, out, err)`` in the C locale; files are read through an
injectable System. Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.lvs.cluster.plugins.module_utils import arp_suppression
from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_checkers
from ansible_collections.lvs.cluster.plugins.module_utils import drain_markers
from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError, command_text
from ansible_collections.lvs.cluster.plugins.module_utils.host_read import addresses_of
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import format_hostport, service_name
from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import Ipvsadm

DRAIN_DIR = drain_markers.DEFAULT_DIRECTORY
JSON_DUMP_FILE = "/tmp/keepalived.json"
PROC_ARP = "/proc/sys/net/ipv4/conf"
# how many times keepalived's checker dump and the table are read while they disagree
READS = 3

# keepalived's VRRP states (vrrp.h: VRRP_STATE_*), as its JSON dump gives them (numbers)
VRRP_STATES = {0: "INIT", 1: "BACKUP", 2: "MASTER", 3: "FAULT", 97: "DELETED", 98: "STOP"}


class StatusError(CommandError):
    """A read of the status failed (the whole read: a part that may be absent is reported)."""


class System(keepalived_checkers.System):
    """The files and processes the read looks at (replaced in the unit tests)."""

    def listdir(self, path):
        try:
            return sorted(os.listdir(path))
        except OSError:
            return None


# ---------------------------------------------------------------------------------------
# Parsers of what the host prints
# ---------------------------------------------------------------------------------------

def parse_addresses(text):
    """[{ifname, addresses}] of ``ip -j address show``."""
    try:
        links = json.loads(text or "[]")
    except ValueError as error:
        raise StatusError("ip -j address show printed no JSON: %s" % error)
    return addresses_of(links)


def parse_vrrp_json(text):
    """[{name, state, ...}] of keepalived's JSON dump (a list, one object per VRRP instance,
    each with "data" and "stats"), sorted by name. state is MASTER, BACKUP, FAULT, INIT...
    (keepalived's number when it is one this module does not know)."""
    try:
        entries = json.loads(text)
    except ValueError as error:
        raise StatusError("keepalived's JSON dump is not JSON: %s" % error)
    if not isinstance(entries, list):
        raise StatusError("keepalived's JSON dump is not a list of VRRP instances")
    instances = []
    for entry in entries:
        data = entry.get("data") if isinstance(entry, dict) else None
        if not isinstance(data, dict) or "iname" not in data or "state" not in data:
            raise StatusError("keepalived's JSON dump: an instance without data.iname and data.state: %r"
                              % (entry,))
        state = data["state"]
        stats = entry.get("stats") or {}
        instances.append({
            "name": data["iname"],
            "state": VRRP_STATES.get(state, str(state)),
            "interface": data.get("ifp_ifname"),
            "virtual_router_id": data.get("vrid"),
            "priority": data.get("effective_priority", data.get("base_priority")),
            "addresses": [str(vip).partition(" ")[0] for vip in data.get("vips") or []],
            "became_master": stats.get("become_master"),
            "released_master": stats.get("release_master"),
        })
    return sorted(instances, key=lambda instance: instance["name"])


def checker_view(view):
    """keepalived's checker view (keepalived_checkers.parse) as data: [{service, key,
    quorum_up, sorry_active, sorry_server, real_servers: [{address, port, weight, alive}]}]."""
    services = []
    for key in sorted(view, key=service_name):
        server = view[key]
        services.append({
            "service": service_name(key),
            "key": list(key),
            "quorum_up": server.quorum_up,
            "sorry_active": server.sorry_active,
            "sorry_server": format_hostport(*server.sorry.key) if server.sorry is not None else None,
            "real_servers": [dict(address=rs.address, port=rs.port, weight=rs.weight, alive=rs.alive)
                             for _key, rs in sorted(server.real_servers.items())],
        })
    return services


def _service_key(service):
    if service.get("fwmark") is not None:
        return ("fwmark", service.get("family"), service["fwmark"])
    return (service["protocol"], service["vip"], service["port"])


def view_agrees(view, info):
    """keepalived believes the kernel holds exactly the real servers the table read holds
    (keepalived_checkers.VirtualServer.in_kernel), service by service: both reads saw the
    same moment of its checks."""
    table = dict((_service_key(service), set(d["address"] for d in service["destinations"]))
                 for service in info.get("services") or [])
    for key, server in view.items():
        if set(address for address, _port in server.in_kernel()) != table.get(key, set()):
            return False
    return True


def parse_drain(names, read):
    """{address: drained} of the drain directory's markers (drain_markers.marker: the rules
    keepalived and ipvs_service read them by; a file that is no marker is left out)."""
    markers = {}
    for name in names or []:
        try:
            content = read(name)
        except (IOError, OSError):
            continue  # gone between the listing and the read
        drained = drain_markers.marker(name, content.decode("ascii", "replace"))
        if drained is not None:     # read as keepalived and ipvs_service read it
            markers[name] = drained
    return markers


def effective_arp(values, interface):
    """The kernel's effective (arp_ignore, arp_announce) on an interface: the larger of
    ``all``'s and the interface's (net/ipv4/devinet.c: IN_DEV_ARP_IGNORE/ANNOUNCE use max)."""
    def value(name, key):
        return values.get(name, {}).get(key)
    result = []
    for key in ("arp_ignore", "arp_announce"):
        found = [v for v in (value("all", key), value(interface, key)) if v is not None]
        result.append(max(found) if found else None)
    return tuple(result)


# ---------------------------------------------------------------------------------------
# The reads
# ---------------------------------------------------------------------------------------

class Reader(object):
    """read_router() / read_real_server(): one host's read, as data."""

    def __init__(self, run, which, system=None, drain_dir=DRAIN_DIR,
                 pid_file=keepalived_checkers.DEFAULT_PID_FILE, timeout=10):
        self.run = run
        self.which = which
        self.system = system or System()
        self.drain_dir = drain_dir
        self.pid_file = pid_file
        self.timeout = timeout
        self.commands = []

    def _call(self, argv, data=None):
        """run, with the command kept for the result's commands."""
        self.commands.append(command_text(argv, data))
        return self.run(argv, data)

    def addresses(self):
        rc, out, err = self._call([self.which("ip"), "-j", "address", "show"])
        if rc != 0:
            raise StatusError("ip -j address show failed (rc=%s): %s" % (rc, err.strip()), rc=rc, stderr=err)
        return parse_addresses(out)

    def keepalived(self, read_table, checkers=True):
        """({running, error, vrrp: [...], checkers: [...] or None, reads}, the IPVS table).

        The table is read after keepalived's checker dump, and both again (up to READS
        times) while they disagree on which real servers are in the kernel: a check that
        acted between the two reads."""
        result = {"running": False, "error": None, "vrrp": [], "checkers": None, "reads": 0}
        request = keepalived_checkers.DumpRequest(pid_file=self.pid_file, timeout=self.timeout,
                                                  system=self.system)
        try:
            pid = request.pid()
        except keepalived_checkers.DumpError as error:
            result["error"] = str(error)
            return result, read_table()
        result["running"] = True
        keepalived = self.which("keepalived")
        rc, out, err = self._call([keepalived, "--signum=JSON"])
        number = out.strip()
        if rc != 0 or not number.isdigit():
            result["error"] = ("keepalived --signum=JSON: no signal number (rc=%s: %s); is keepalived "
                               "built with --enable-json?" % (rc, (err or out).strip()))
        else:
            json_request = keepalived_checkers.DumpRequest(
                pid_file=self.pid_file, dump_file=JSON_DUMP_FILE, timeout=self.timeout,
                system=self.system, signal_number=int(number), writer="VRRP process")
            try:
                result["vrrp"] = parse_vrrp_json(json_request.wait(pid))
            except (keepalived_checkers.DumpError, StatusError) as error:
                result["error"] = str(error)
        if not checkers:
            return result, read_table()
        table = None
        for attempt in range(1, READS + 1):
            try:
                view = keepalived_checkers.parse(request.wait(pid))
            except keepalived_checkers.DumpError as error:
                result["error"] = "; ".join(e for e in (result["error"], str(error)) if e)
                return result, table if table is not None else read_table()
            table = read_table()
            result["checkers"] = checker_view(view)
            result["reads"] = attempt
            if view_agrees(view, table):
                break
        return result, table

    def drain(self):
        names = self.system.listdir(self.drain_dir)
        return parse_drain(names, lambda name: self.system.read(os.path.join(self.drain_dir, name)))

    def read_router(self, keepalived=True, checkers=True):
        """checkers: keepalived owns the table (its checker process runs and dumps its view)."""
        ipvsadm = Ipvsadm(self._call, binary=self.which("ipvsadm"))
        addresses = self.addresses()
        if keepalived:
            state, table = self.keepalived(ipvsadm.info, checkers=checkers)
        else:
            state, table = None, ipvsadm.info()
        result = {
            "role": "router",
            "addresses": addresses,
            "ipvs": table,
            "keepalived": state,
            "drain": self.drain(),
        }
        result["commands"] = self.commands
        return result

    def arp_sysctls(self):
        """{interface: {arp_ignore: n, arp_announce: n}} of every IPv4 interface (and all)."""
        values = {}
        for name in self.system.listdir(PROC_ARP) or []:
            entry = {}
            for key in ("arp_ignore", "arp_announce"):
                try:
                    text = self.system.read(os.path.join(PROC_ARP, name, key))
                except (IOError, OSError):
                    continue
                text = text.decode("ascii", "replace").strip()
                if text.lstrip("-").isdigit():
                    entry[key] = int(text)
            values[name] = entry
        return values

    def arp_table(self):
        """The VIPs whose ARP the collection's nftables table drops (None: no such table)."""
        argv = [self.which("nft"), "-j", "list", "table", "arp", arp_suppression.NFT_TABLE]
        rc, out, err = self._call(argv)
        if rc != 0:
            if "No such file or directory" in err:
                return None
            raise StatusError("%s failed (rc=%s): %s" % (" ".join(argv[1:]), rc, err.strip()), rc=rc, stderr=err)
        state = arp_suppression.parse_nft_json(out)
        return sorted(state.drops)

    def read_real_server(self, arp_method=None):
        result = {
            "role": "real_server",
            "addresses": self.addresses(),
            "arp_sysctls": self.arp_sysctls(),
            "arp_drops": self.arp_table() if arp_method == "arptables" else None,
        }
        result["commands"] = self.commands
        return result
