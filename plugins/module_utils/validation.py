# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one validation core of the collection: every module (and the cluster model) checks
its input with these parsers, so a value one accepts the others accept too.

One error type (ValidationError), one message format ``option.path=value: why``, one
spelling of the address family ("ipv4", "ipv6"), one sort key for addresses, one check of an
interface name and one of a string keepalived.conf carries in quotes.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax (runs on targets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

FAMILIES = ("ipv4", "ipv6")
PROTOCOLS = ("tcp", "udp", "sctp")
STATES = ("present", "absent")
MAX_MARK = 2 ** 32 - 1
# Interface names the kernel takes (at most 15 characters) that are also valid systemd
# instance names: the ip_address module instantiates its unit per interface, and the
# cluster description's interfaces reach that module.
_INTERFACE = re.compile(r"^[A-Za-z0-9_.:-]{1,15}\Z")
# What keepalived's parser cannot carry inside a quoted string (lib/parser.c: a " ends it,
# a backslash escapes or continues the line, a newline ends the line).
KEEPALIVED_UNQUOTABLE = re.compile(r'["\\\x00-\x1f\x7f]')


class ValidationError(ValueError):
    """Bad input: the message names the option (with its path) and the value."""


def message(option, value, why):
    """The one message format: ``option.path=value: why``."""
    return "%s=%r: %s" % (option, value, why)


def fail(option, value, why):
    raise ValidationError(message(option, value, why))


def name(prefix, option):
    """services[2].destinations[0] + weight -> services[2].destinations[0].weight."""
    return "%s.%s" % (prefix, option) if prefix else option


def integer(option, value, low, high):
    """An int in low..high; a digit string is accepted, a bool or a float is not."""
    if isinstance(value, bool) or isinstance(value, float):
        fail(option, value, "must be an integer")
    text = str(value).strip()
    if not re.match(r"^-?\d+$", text):
        fail(option, value, "must be an integer")
    number = int(text)
    if number < low or number > high:
        fail(option, value, "must be between %d and %d" % (low, high))
    return number


def choice(option, value, choices):
    """value (lower-cased) if it is one of choices; None stays None."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in choices:
        fail(option, value, "must be one of %s" % ", ".join(choices))
    return text


def family(option, value):
    return choice(option, value, FAMILIES)


def protocol(option, value, choices=PROTOCOLS):
    return choice(option, value, choices)


def state(option, value):
    return choice(option, value if value is not None else "present", STATES)


_PARSED = {}


def address(option, value, want=None):
    """(normalised text, family) of an IPv4 or IPv6 literal (brackets allowed for IPv6).

    want: "ipv4" or "ipv6" to refuse the other family. Host names are refused.
    """
    if value is None or str(value).strip() == "":
        fail(option, value, "an IPv4 or IPv6 address is required")
    text = str(value).strip()
    known = _PARSED.get(text)
    if known is None:
        literal = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        try:
            parsed = ipaddress.ip_address(literal)
        except ValueError:
            fail(option, value, "is not an IPv4 or IPv6 address (host names are not accepted)")
        known = (parsed.compressed, "ipv%d" % parsed.version)
        # a table repeats its addresses: parse each text once (only valid ones are kept)
        _PARSED[text] = known
    if want is not None and known[1] != want:
        fail(option, value, "is an %s address; %s is needed here" % (known[1], want))
    return known


def network(option, value):
    """(ipaddress network, family) of ADDRESS/PREFIX, IPv4 or IPv6. Host bits are allowed and
    dropped: an address with its prefix length names its subnet (198.51.100.1/24 is
    198.51.100.0/24). The prefix length is required, 1 to 32 (IPv4) or 128 (IPv6)."""
    text = "" if value is None else str(value).strip()
    literal, slash, prefix = text.partition("/")
    if not slash:
        fail(option, value, "must be ADDRESS/PREFIX, the prefix length included (e.g. 198.51.100.0/24)")
    try:
        literal, family = address(option, literal)
    except ValidationError:
        fail(option, value, "is not ADDRESS/PREFIX of an IPv4 or IPv6 network (host names are not accepted)")
    bits = 32 if family == "ipv4" else 128
    if not re.match(r"^\d+$", prefix.strip()) or not 1 <= int(prefix) <= bits:
        fail(option, value, "has a prefix length that is not 1 to %d" % bits)
    return ipaddress.ip_network(u"%s/%d" % (literal, int(prefix)), strict=False), family


def address_sort_key(text):
    """Sort key of a normalised address: IPv4 before IPv6, then numerically."""
    parsed = ipaddress.ip_address(text)
    return (parsed.version, int(parsed))


def port(option, value, low=0):
    """A port, low..65535 (low=1 where port 0, 'all ports', makes no sense)."""
    return integer(option, value, low, 65535)


def port_range(option, value):
    """(low, high) from 80, "80", "10000-20000" or "10000:20000" (ports 1..65535)."""
    if isinstance(value, bool):
        fail(option, value, "is not a port or a range LOW-HIGH")
    parts = re.split(r"[-:]", str(value).strip())
    if len(parts) > 2 or not all(re.match(r"^\d+$", part.strip()) for part in parts):
        fail(option, value, "is not a port or a range LOW-HIGH (or LOW:HIGH)")
    low, high = (int(parts[0]), int(parts[-1]))
    for number in (low, high):
        if not 1 <= number <= 65535:
            fail(option, value, "is out of range (ports are 1..65535)")
    if low > high:
        fail(option, value, "is an empty range (low above high)")
    return low, high


def port_ranges(option, values):
    """Merged, sorted ((low, high), ...) of a list of ports and ranges (one spelling per set)."""
    given = values
    if not isinstance(values, (list, tuple)):
        values = [] if values is None else [values]
    intervals = sorted(port_range("%s[%d]" % (option, index), value) for index, value in enumerate(values))
    if not intervals:
        fail(option, given, "at least one port or range is needed")
    merged = []
    for low, high in intervals:
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def mark(option, value):
    """A firewall mark, an integer 1..4294967295 (0 means no mark)."""
    return integer(option, value, 1, MAX_MARK)


def interface_name(option, value):
    """A network interface's name: 1-15 of A-Z a-z 0-9 _ . : - (the cluster model and the
    ip_address module take the same names)."""
    if not isinstance(value, str) or not _INTERFACE.match(value):
        fail(option, value, "is not an interface name")
    return value


def keepalived_string(option, value, what, max_length=255):
    """A string keepalived.conf carries inside double quotes (what: what it is, for the
    message): refused where it could end the quoted string or the line (a quote, a
    backslash, a control character). The cluster model checks the description's strings
    with it, and keepalived_conf every string it quotes (max_length None: its lines have
    their own limit)."""
    if not isinstance(value, str) or not value:
        fail(option, value, "must be a non-empty string (%s)" % what)
    if max_length is not None and len(value) > max_length:
        fail(option, value, "is longer than %d characters" % max_length)
    if KEEPALIVED_UNQUOTABLE.search(value):
        fail(option, value, "cannot be written into keepalived.conf safely: no quotes, "
             "backslashes or control characters (%s)" % what)
    return value
