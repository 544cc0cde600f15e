# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of the ip_address module: the collection's addresses on one interface.

iproute2 6.1 (Debian 12) has no ``proto`` for addresses, so nothing on the interface says
which addresses are the collection's. A record file per interface does
(RECORD_DIR/<interface>), and the same file restores them at boot: it is an ``ip -batch``
script (``address replace ... dev IF``, ``link set dev IF up``), run by the systemd
template unit UNIT_NAME (instance: the interface). Only addresses in the record (or listed
now) are ever removed; an address someone else put on the interface is left alone.

The unit's text lives here, not in a role's files/, because the record format and the unit
that reads it are one contract: every caller of the module (the real_server role for the
loopback and tunl0, the router role for the VIPs and the NAT address) gets the unit that
matches the records it writes, from one place, without copying a file between roles.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax. Commands go through
run(argv) -> (rc, out, err); files are read and written under ``root`` (``/`` on a target,
a temporary directory in the unit tests).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.lvs.cluster.plugins.module_utils import atomic_file
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, CommandError, command_text
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address as parse_address,
    address_sort_key,
    fail,
    integer,
    interface_name,
)

RECORD_DIR = "/etc/lvs-cluster/addresses"
UNIT_DIR = "/etc/systemd/system"
UNIT_NAME = "lvs-cluster-addresses@.service"
WANTS_DIR = "/etc/systemd/system/multi-user.target.wants"

UNIT_TEXT = """\
# Written by lvs.cluster (module ip_address); do not edit: it is rewritten on every run.
# Restores at boot the addresses lvs.cluster recorded for the interface %i:
# /etc/lvs-cluster/addresses/%i is an `ip -batch` script the module keeps in step with
# what it puts on the interface. Enabled once per interface:
# lvs-cluster-addresses@IFACE.service.
[Unit]
Description=lvs.cluster addresses on %i
# after the distribution's own network set-up (it must not flush what this adds), and after
# modules-load.d (tunl0 exists once ipip is loaded)
After=network.target systemd-modules-load.service
Wants=network.target
ConditionPathExists=/etc/lvs-cluster/addresses/%i

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=ip -batch /etc/lvs-cluster/addresses/%i

[Install]
WantedBy=multi-user.target
"""

_RECORD_HEADER = ("# Written by lvs.cluster (module ip_address): the collection's addresses on %s,\n"
                  "# restored at boot by %s (ip -batch). Do not edit.\n")
_ADDRESS_LINE = re.compile(r"^address replace (\S+)/(\d+) dev (\S+)( nodad)?$")
_UP_LINE = re.compile(r"^link set dev (\S+) up$")


def unit_instance(interface):
    return UNIT_NAME.replace("@", "@" + interface)


# --- input --------------------------------------------------------------------------


def validate(interface, addresses, option_name="addresses"):
    """(interface, [(address, prefixlen, family)] sorted, duplicates merged)."""
    # the collection's one check: a name the kernel takes that is a systemd instance name too
    interface_name("interface", interface)
    wanted = {}
    for index, value in enumerate(addresses or []):
        option = "%s[%d]" % (option_name, index)
        text = str(value).strip()
        address_text, _slash, length = text.partition("/")
        address, family = parse_address(option, address_text)
        bits = 32 if family == "ipv4" else 128
        prefix = integer(option, length, 1, bits) if _slash else bits
        wanted[(address, prefix)] = family
    return interface, sorted(((a, p, f) for (a, p), f in wanted.items()),
                             key=lambda item: (address_sort_key(item[0]), item[1]))


# --- reading the target -------------------------------------------------------------


class Link(object):
    """An interface as ``ip -j address show dev IF`` shows it (None: it does not exist)."""

    def __init__(self, up, addresses):
        self.up = up
        self.addresses = addresses   # {(address, prefixlen): family}


def parse_ip_json(text, interface=None):
    """Link of the interface in the JSON listing (its only entry when interface is None);
    None when the listing does not have it."""
    data = json.loads(text or "[]")
    entries = [entry for entry in data if interface is None or entry.get("ifname") == interface]
    if not entries:
        return None
    entry = entries[0]
    addresses = {}
    for info in entry.get("addr_info", []):
        family = {"inet": "ipv4", "inet6": "ipv6"}.get(info.get("family"))
        if family and "local" in info:
            addresses[(parse_address("ip", info["local"])[0], int(info["prefixlen"]))] = family
    return Link("UP" in entry.get("flags", []), addresses)


def read_link(run, ip, interface):
    """The interface's Link; None when the host has no such interface. Read from the listing
    of every interface: one command serves every part and probe of a drift that reads
    addresses (the drift module runs a repeated read once; each costs 0.3 s on a slow host)."""
    rc, out, err = run([ip, "-j", "address", "show"])
    if rc != 0:
        raise CommandError("ip address show failed: %s" % err.strip(), rc=rc, stderr=err)
    try:
        return parse_ip_json(out, interface)
    except ValueError as error:
        raise CommandError("ip -j address show printed what cannot be read: %s" % error)


def parse_record(text, interface):
    """({(address, prefixlen): family}, up) of a record file's text."""
    addresses, up = {}, False
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _ADDRESS_LINE.match(line)
        if match and match.group(3) == interface:
            address, family = parse_address("record", match.group(1))
            addresses[(address, int(match.group(2)))] = family
        elif _UP_LINE.match(line):
            up = True
    return addresses, up


def render_record(interface, addresses, up):
    """The record file's text ('' when it records nothing)."""
    if not addresses and not up:
        return ""
    lines = [_RECORD_HEADER % (interface, unit_instance(interface))]
    if up:
        lines.append("link set dev %s up\n" % interface)
    for address, prefix, family in addresses:
        nodad = " nodad" if family == "ipv6" else ""
        lines.append("address replace %s/%d dev %s%s\n" % (address, prefix, interface, nodad))
    return "".join(lines)


class Files(object):
    """The files the module keeps, under root ('/' on a target)."""

    def __init__(self, root="/"):
        self.root = root

    def path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def read(self, path):
        try:
            with open(self.path(path)) as handle:
                return handle.read()
        except (IOError, OSError):
            return ""

    def exists(self, path):
        return os.path.lexists(self.path(path))

    def link_target(self, path):
        """Where the symbolic link path points (None when it is no link)."""
        try:
            return os.readlink(self.path(path))
        except (IOError, OSError):
            return None

    def link(self, path, target):
        """path made a symbolic link to target, atomically."""
        atomic_file.write(self.path(path), None, link=target, make_directory=True)

    def write(self, path, text):
        """Atomically (a reader, or a boot, sees the old or the new file, never half)."""
        atomic_file.write(self.path(path), text, 0o644, make_directory=True)

    def remove(self, path):
        if os.path.lexists(self.path(path)):
            os.unlink(self.path(path))

    def names(self, directory):
        """The names of the files in directory ([] when it does not exist)."""
        try:
            return sorted(os.listdir(self.path(directory)))
        except (IOError, OSError):
            return []


# --- plan and apply -----------------------------------------------------------------


def _text(key):
    return "%s/%d" % key


def converge(run, which, files, interface, addresses, purge=True, up=False, boot=True,
             check_mode=False, diff=False, announce=None, hand_over=()):
    """The module's result. which(executable) -> its path on the target. announce(interface,
    address, family), when given, is called for each address this run adds, once it is on the
    interface (a gratuitous ARP / unsolicited NA: neighbour_announce.announce). hand_over:
    addresses that, when purged, leave the record (and boot) but stay on the interface, for
    the owner that takes them where they are (keepalived)."""
    interface, wanted = validate(interface, addresses)
    handed = set((a, p) for a, p, _f in validate(interface, hand_over, "hand_over")[1])
    ip = which("ip")
    record_path = os.path.join(RECORD_DIR, interface)
    recorded, recorded_up = parse_record(files.read(record_path), interface)
    link = read_link(run, ip, interface)
    if link is None and (wanted or up):
        fail("interface", interface, "no such interface on this host")
    present = link.addresses if link is not None else {}

    wanted_keys = dict(((a, p), f) for a, p, f in wanted)
    owned = dict(wanted_keys)
    if not purge:
        owned.update((key, family) for key, family in recorded.items() if key not in owned)
    gone = [key for key in recorded if key not in owned]

    steps = []
    if up and link is not None and not link.up:
        steps.append([ip, "link", "set", "dev", interface, "up"])
    for key in sorted(gone, key=lambda k: (address_sort_key(k[0]), k[1])):
        if key in present and key not in handed:
            steps.append([ip, "address", "del", _text(key), "dev", interface])
    added = []
    for address, prefix, family in wanted:
        if (address, prefix) not in present:
            steps.append([ip, "address", "replace", "%s/%d" % (address, prefix), "dev", interface]
                         + (["nodad"] if family == "ipv6" else []))
            added.append((address, family))

    after = sorted(((a, p, f) for (a, p), f in owned.items()), key=lambda item: (address_sort_key(item[0]), item[1]))
    if link is None:
        after = []   # nothing can be on a missing interface: forget what was recorded
    keep_up = bool(up and link is not None)
    record_text = render_record(interface, after, keep_up)
    file_steps = []
    if record_text != files.read(record_path):
        file_steps.append(("write" if record_text else "remove", record_path, record_text))

    unit = None
    if boot:
        unit = unit_instance(interface)
        unit_path = os.path.join(UNIT_DIR, UNIT_NAME)
        wants = os.path.join(WANTS_DIR, unit)
        if record_text:
            installed = files.read(unit_path)
            if installed != UNIT_TEXT:
                file_steps.append(("write", unit_path, UNIT_TEXT))
                # systemd reads a new unit file when it first needs it; one it may have
                # loaded already (an older text) it reads again only when told
                if installed:
                    steps.append([which("systemctl"), "daemon-reload"])
            # enabled as `systemctl enable` does it, without the manager reload that costs
            # seconds on a slow host: the instance's link in multi-user.target.wants
            if files.link_target(wants) != unit_path:
                file_steps.append(("link", wants, unit_path))
        elif files.exists(wants):
            file_steps.append(("remove", wants, None))

    collection_before = sorted((key for key in set(recorded) | set(wanted_keys) if key in present),
                               key=lambda k: (address_sort_key(k[0]), k[1]))
    result = {
        "changed": bool(steps or file_steps),
        "commands": [command_text(argv) for argv in steps],
        "files": [path for _action, path, _text_ in file_steps],
        "interface": interface,
        "addresses": [_text((a, p)) for a, p, _f in after],
        "before": {"addresses": [_text(key) for key in collection_before],
                   "recorded": [_text(key) for key in sorted(recorded, key=lambda k: (address_sort_key(k[0]), k[1]))],
                   "exists": link is not None, "up": bool(link and link.up)},
        "unit": unit if record_text and boot else None,
        "announced": [address for address, _family in added] if announce else [],
        "handed_over": [_text(key) for key in sorted(gone, key=lambda k: (address_sort_key(k[0]), k[1]))
                        if key in handed and key in present],
    }
    if diff:
        result["diff"] = {
            "before": render_record(interface, [(a, p, present[(a, p)]) for a, p in collection_before],
                                    bool(recorded_up and link and link.up)),
            "after": record_text,
        }
    if check_mode:
        return result
    # addresses first, then the record: a record never names an address this run failed to add
    # (an address that is added but not yet recorded is listed, so the next run records it)
    command_steps = [argv for argv in steps if os.path.basename(argv[0]) != "systemctl"]
    unit_steps = [argv for argv in steps if os.path.basename(argv[0]) == "systemctl"]
    _run_all(run, command_steps, result, 0)
    for address, family in added if announce else []:
        try:
            announce(interface, address, family)
        except (IOError, OSError) as error:
            raise ApplyError("announcing %s on %s failed: %s" % (address, interface, error),
                             dict(result, changed=True, applied=result["commands"][:len(command_steps)],
                                  rc=1, stderr=str(error)))
    for action, path, text in file_steps:
        try:
            if action == "write":
                files.write(path, text)
            elif action == "link":
                files.link(path, text)
            else:
                files.remove(path)
        except (IOError, OSError) as error:
            raise ApplyError("writing %s failed: %s" % (path, error),
                             dict(result, changed=True, applied=result["commands"][:len(command_steps)],
                                  rc=1, stderr=str(error)))
    _run_all(run, unit_steps, result, len(command_steps))
    return result


def _run_all(run, steps, result, offset):
    for index, argv in enumerate(steps):
        rc, _out, err = run(argv)
        if rc != 0:
            done = offset + index
            failed = dict(result, changed=done > 0, applied=result["commands"][:done], rc=rc, stderr=err)
            message = "%s failed (rc=%s): %s; %d of %d commands applied before it. Run the module again to converge." % (
                command_text(argv), rc, err.strip() or "no message", done, len(result["commands"]))
            raise ApplyError(message, failed)


def recorded_elsewhere(files, interface, keep):
    """The interfaces, other than interface and those in keep, that the collection recorded
    addresses on (a record file each), in name order."""
    kept = set([interface] + list(keep))
    return [name for name in files.names(RECORD_DIR) if name not in kept and not name.startswith(".")]


def converge_with_others(run, which, files, interface, addresses, keep_interfaces=None, **options):
    """converge() for interface, then - when keep_interfaces is a list - every other interface
    the collection recorded addresses on and keep_interfaces does not name loses them (an
    empty list of addresses with purge: the interface, the record, the boot unit): what a
    description no longer puts on an interface it no longer names is taken back. The
    result's ``others`` names them, its commands and files follow the interface's own."""
    result = converge(run, which, files, interface, addresses, **options)
    result["others"] = []
    if keep_interfaces is None:
        return result
    for other in recorded_elsewhere(files, interface, keep_interfaces):
        try:
            taken = converge(run, which, files, other, [], purge=True, boot=options.get("boot", True),
                             check_mode=options.get("check_mode", False), diff=options.get("diff", False))
        except ApplyError as error:
            error.result = dict(error.result, applied=result["commands"] + error.result.get("applied", []),
                                changed=True if result["changed"] else error.result.get("changed"))
            raise
        if not taken["changed"]:
            continue
        result["others"].append(other)
        result["changed"] = True
        result["commands"] += taken["commands"]
        result["files"] += taken["files"]
        if "diff" in result:
            result["diff"]["before"] = (result["diff"]["before"] or "") + (taken["diff"]["before"] or "")
    return result
