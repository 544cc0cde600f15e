# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel parameters set live and persisted in one sysctl.d file, in one module call.

The file is the boot-time source (systemd-sysctl reads /etc/sysctl.d); the live values are
what the kernel uses now. Both are compared and both are converged, so a value an operator
changed by hand (``sysctl -w net.ipv4.ip_forward=0``) is found and put back even though the
file still says 1.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.owned_file import header_lines
from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail

_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./:@-]*$")
SYSCTL = "sysctl"


def normalise_value(value):
    """sysctl prints several numbers separated by tabs; compare them as words."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return " ".join(str(value).split())


def validate(settings, comments):
    """[(key, value, comment or None)] in the given order; ValidationError on a bad entry."""
    if not isinstance(settings, dict):
        fail("settings", settings, "must be a dictionary of key: value")
    entries = []
    for key, value in settings.items():
        if not isinstance(key, str) or not _KEY.match(key):
            fail("settings", key, "is not a sysctl key (like net.ipv4.ip_forward)")
        text = normalise_value(value)
        if value is None or not text or "\n" in str(value):
            fail("settings.%s" % key, value, "must be a one-line value")
        entries.append((key, text, (comments or {}).get(key)))
    for key in comments or {}:
        if key not in settings:
            fail("comments.%s" % key, comments[key], "comments a key that settings does not set")
    return entries


_SETTING = re.compile(r"^([A-Za-z0-9_][A-Za-z0-9_./:@-]*) = (.*)$")
_WAS = re.compile(r"^# was ([A-Za-z0-9_][A-Za-z0-9_./:@-]*) = (.*)$")
WAS_NOTE = ("The values these parameters had before lvs.cluster set them, put back when the "
            "description stops setting one:")


def render_file(entries, header, was=None):
    """The file: each setting under its comment, then what each had before (was: {key:
    value}, the keys this file sets)."""
    lines = header_lines(header)
    for key, value, comment in entries:
        lines.append("")
        lines += ["# %s" % line for line in (comment or "").splitlines()]
        lines.append("%s = %s" % (key, value))
    recorded = [(key, (was or {})[key]) for key, _v, _c in entries if key in (was or {})]
    if recorded:
        lines += ["", "# " + WAS_NOTE] + ["# was %s = %s" % item for item in recorded]
    return "\n".join(lines) + "\n"


def parse_file(text):
    """({key: value} the file sets, {key: value it had before}) of a file render_file wrote."""
    settings, was = {}, {}
    for line in (text or "").splitlines():
        match = _WAS.match(line)
        if match:
            was[match.group(1)] = normalise_value(match.group(2))
            continue
        match = _SETTING.match(line)
        if match:
            settings[match.group(1)] = normalise_value(match.group(2))
    return settings, was


def dropped_keys(entries, settings, was):
    """The keys the file sets that entries no longer set and that it recorded a value before
    for (the ones to put back), in the file's order."""
    wanted = set(key for key, _v, _c in entries)
    return [key for key in settings if key not in wanted and key in was]


def listed_argv(keys, sysctl=SYSCTL):
    """Read keys that may no longer exist (an interface's, gone with it): -e skips those."""
    return [sysctl, "-e"] + list(keys)


def parse_listed(rc, out, err):
    """{key: live value} from ``sysctl -e KEY...`` (KEY = VALUE lines; a missing key absent)."""
    if rc != 0:
        raise CommandError("sysctl -e failed: %s" % err.strip(), rc, err)
    found = {}
    for line in out.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            found[key.strip()] = normalise_value(value)
    return found


def records(entries, settings, was, live):
    """{key: the value it had before the collection set it}: a key the file set keeps its
    record; a key it sets now for the first time records its live value."""
    recorded = {}
    for key, _value, _comment in entries:
        if key in settings:
            if key in was:
                recorded[key] = was[key]
        elif key in live:
            recorded[key] = live[key]
    return recorded


def restores(dropped, settings, was, live):
    """[(key, value before)] to put back: keys no longer set, recorded, still there and still
    at the value this file set (one changed since is someone else's now: left alone)."""
    return [(key, was[key]) for key in dropped
            if key in was and key in live and live[key] == settings[key] and live[key] != was[key]]


def read_argv(entries, sysctl=SYSCTL):
    """sysctl: the program's path (command.find_executable); commands name it SYSCTL."""
    return [sysctl, "-n"] + [key for key, _value, _comment in entries]


def parse_live(entries, rc, out, err):
    """{key: live value} from ``sysctl -n KEY...``; an unknown key is an error naming it."""
    if rc != 0:
        # sysctl names a missing key by its /proc/sys path
        missing = [key for key, _v, _c in entries if key in err or key.replace(".", "/") in err]
        if missing:
            raise CommandError("settings=%r: the kernel has no such parameter (is its module "
                               "loaded?): %s" % (missing[0], err.strip()), rc, err)
        raise CommandError("sysctl -n failed: %s" % err.strip(), rc, err)
    values = out.splitlines()
    if len(values) != len(entries):
        raise CommandError("sysctl -n printed %d values for %d keys" % (len(values), len(entries)), rc, err)
    return dict((key, normalise_value(value)) for (key, _v, _c), value in zip(entries, values))


def changed_live(entries, live):
    """[(key, value)] whose live value differs from the wanted one."""
    return [(key, value) for key, value, _comment in entries if live.get(key) != value]


def write_argv(changes, sysctl=SYSCTL):
    return [sysctl, "-w"] + ["%s=%s" % (key, value) for key, value in changes]
