# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles validate a host against, read with one command line over the connection
and parsed here, on the controller (the host_read action): its distribution's family
(/etc/os-release), every interface with its addresses (``ip -j address show``) and the main
table's default routes (``ip -j route show default``). No Python starts on the host: a
module costs 2-4 s there on a slow host, this read one round trip.

The line is made of fixed argument lists, each quoted, in the C locale; each command's
output is framed by a mark with its name and followed by its exit status.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from shlex import quote

MARK = "--- lvs.cluster host_read"

READS = (
    ("os_release", ["cat", "/etc/os-release"]),
    ("addresses", ["ip", "-j", "address", "show"]),
    ("ipv4_default", ["ip", "-4", "-j", "route", "show", "table", "main", "default"]),
    ("ipv6_default", ["ip", "-6", "-j", "route", "show", "table", "main", "default"]),
)

# The families the roles have variables for, by the os-release ID or ID_LIKE words that
# Ansible's own distribution facts map to them. Another family: None (the roles then ask
# Ansible's setup for it).
FAMILIES = (
    ("Debian", ("debian", "ubuntu")),
    ("RedHat", ("rhel", "fedora", "centos")),
)


class HostReadError(Exception):
    """A read failed on the host, or printed what cannot be parsed."""


def command():
    """The one command line (for /bin/sh) the host runs."""
    lines = ["LC_ALL=C", "export LC_ALL"]
    for name, argv in READS:
        lines.append("echo %s" % quote("%s %s" % (MARK, name)))
        lines.append(" ".join(quote(arg) for arg in argv))
        lines.append('echo "%s rc $?"' % MARK)
    return "; ".join(lines)


def sections(out):
    """{name: (exit status, its output)} of the framed output of command()."""
    found, name, lines = {}, None, []
    for line in out.splitlines():
        if not line.startswith(MARK + " "):
            if name is not None:
                lines.append(line)
            continue
        word = line[len(MARK) + 1:]
        if word.startswith("rc ") and name is not None:
            found[name] = (int(word[3:]), "\n".join(lines))
            name, lines = None, []
        else:
            name, lines = word, []
    return found


def os_release(text):
    """The KEY=value lines of /etc/os-release, unquoted."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            fields[key] = value
    return fields


def os_family(fields):
    """Debian, RedHat or None, from the os-release fields."""
    words = [fields.get("ID", "").lower()] + fields.get("ID_LIKE", "").lower().split()
    for family, names in FAMILIES:
        if any(word in names for word in words):
            return family
    return None


def addresses_of(links):
    """[{"ifname", "addresses": [local address, ...]}] of every interface."""
    return [dict(ifname=link["ifname"],
                 addresses=[entry["local"] for entry in link.get("addr_info", []) if "local" in entry])
            for link in links]


def gateways_of(routes):
    """The gateways of the objects of ``ip -j route show default``."""
    return [route["gateway"] for route in routes if "gateway" in route]


def interface_facts(links):
    """{interface: its addresses in the shape of Ansible's facts of it (``ipv4`` {address,
    prefix}, ``ipv4_secondaries``, ``ipv6`` [{address, prefix, scope}]), which the cluster
    model's checks read}."""
    facts = {}
    for link in links:
        inet = [entry for entry in link.get("addr_info", []) if entry.get("family") == "inet"]
        inet6 = [entry for entry in link.get("addr_info", []) if entry.get("family") == "inet6"]
        ipv4 = [dict(address=entry["local"], prefix=str(entry.get("prefixlen", 32))) for entry in inet]
        one = dict(ipv6=[dict(address=entry["local"], prefix=str(entry.get("prefixlen", 128)),
                              scope=entry.get("scope", "global")) for entry in inet6])
        if ipv4:
            one["ipv4"] = ipv4[0]
            one["ipv4_secondaries"] = ipv4[1:]
        facts[link["ifname"]] = one
    return facts


def parse(out):
    """The read's result: os_family, os_release (ID, VERSION_ID), addresses (addresses_of),
    interfaces (interface_facts), default_gateways ({family: gateways_of})."""
    found = sections(out)
    texts = {}
    for name, argv in READS:
        if name not in found:
            raise HostReadError("%s: no output (the host's shell did not run it)" % " ".join(argv))
        rc, text = found[name]
        if rc != 0:
            raise HostReadError("%s failed (rc=%d): %s" % (" ".join(argv), rc, text.strip()))
        texts[name] = text
    try:
        links = json.loads(texts["addresses"] or "[]")
        routes = dict((family, json.loads(texts["%s_default" % family] or "[]")) for family in ("ipv4", "ipv6"))
    except ValueError as error:
        raise HostReadError("ip -j printed what is not JSON: %s" % error)
    fields = os_release(texts["os_release"])
    return dict(os_family=os_family(fields),
                os_release=dict(id=fields.get("ID"), version_id=fields.get("VERSION_ID")),
                addresses=addresses_of(links),
                interfaces=interface_facts(links),
                default_gateways=dict((family, gateways_of(routes[family])) for family in ("ipv4", "ipv6")))
