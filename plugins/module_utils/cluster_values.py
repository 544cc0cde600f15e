# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers of the values a cluster description holds beyond the validation core's: a
required interface, the NAT address with its prefix, booleans, keepalived's seconds, a
program path, a service name.

Why apart: each parses one value and raises the validation core's ValidationError
(``path=value: why``) at its first fault, so the validation of the description
(cluster_routers, cluster_services, cluster_health_checks) can record it and go on.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal, InvalidOperation

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import NatAddress
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address as parse_address,
    choice,
    fail,
    integer,
    interface_name,
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}\Z")
# an absolute program path keepalived can run without quoting (no spaces, quotes, $, ...)
_PROGRAM = re.compile(r"^/[A-Za-z0-9._+@/-]*[A-Za-z0-9._+@-]\Z")
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def value_or(entry, key, default):
    """entry[key], or default where the key is left out or empty (None)."""
    value = entry.get(key)
    return default if value is None else value


def one_of(path, value, choices, default=None):
    """One of choices (lower-cased); a value left empty (None) is the default, refused
    where there is none."""
    if value is None:
        if default is None:
            fail(path, value, "must be one of %s" % ", ".join(choices))
        value = default
    return choice(path, value, choices)


def interface(path, value, required):
    """An interface name, or None where it may be left out."""
    if value is None:
        if required:
            fail(path, value, "is required")
        return None
    return interface_name(path, value)


def nat_address(path, value):
    """NatAddress of ADDRESS/PREFIX. The prefix is required: the address is added with it,
    and a /32 (/128) would leave the routers without a route to the real servers' subnet
    through it."""
    text = str(value).strip()
    address_text, prefix = (text.split("/", 1) + [""])[:2]
    address, family = parse_address(path, address_text)
    bits = 32 if family == "ipv4" else 128
    if not prefix:
        fail(path, value, "must be ADDRESS/PREFIX, the private subnet's prefix length "
             "included (e.g. %s/%d)" % (address, 24 if family == "ipv4" else 64))
    return NatAddress(address, integer(path, prefix, 1, bits), family)


def boolean(path, value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    fail(path, value, "must be true or false")


def seconds(path, value, low, high, step=None, whole=False):
    """A time in seconds as keepalived writes it ('1', '0.25'): a number low..high, a
    multiple of step (a Decimal) if given, whole seconds if whole."""
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        fail(path, value, "must be a number of seconds")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        fail(path, value, "must be a number of seconds")
    if not number.is_finite():
        fail(path, value, "must be a number of seconds")
    if whole and number != number.to_integral_value():
        fail(path, value, "must be a whole number of seconds")
    if number < low or number > high:
        fail(path, value, "must be between %s and %s seconds" % (low, high))
    if step is not None and number % step != 0:
        fail(path, value, "must be a multiple of %s seconds" % step)
    if number.as_tuple().exponent < -6:
        fail(path, value, "has more decimals than keepalived's microseconds")
    return format(number.normalize(), "f")


def program(path, value):
    """An absolute program path keepalived runs with no shell and no search path."""
    if not isinstance(value, str) or not value.startswith("/"):
        fail(path, value, "must be an absolute path: keepalived runs it with no search path "
             "and no shell")
    if not _PROGRAM.match(value) or "/../" in value or value.endswith("/.."):
        fail(path, value, "must be a plain absolute path (letters, digits, . _ + @ - /; no "
             "spaces, quotes or shell characters: no shell ever sees it)")
    return value


def service_name(path, value):
    if value is None:
        fail(path, value, "is required: lower-case letters, digits, '_', '.', '-'")
    if not isinstance(value, str) or not _NAME.match(value):
        fail(path, value, "must be 1 to 63 of lower-case letters, digits, '_', '.', '-', "
             "starting with a letter or digit (it names the service in keepalived.conf and "
             "in reports)")
    return value
