# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel modules loaded now and listed in one modules-load.d file for the next boot.

A module counts as loaded when /sys/module/NAME exists (that covers modules built into the
kernel too, which /proc/modules does not list). systemd-modules-load reads the file early
at boot, before systemd-sysctl, so parameters such as net.ipv4.vs.* exist when sysctl.d is
applied.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.lvs.cluster.plugins.module_utils.owned_file import header_lines
from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,55}$")
MODPROBE = "modprobe"


def canonical(name):
    """modprobe treats - and _ alike; /sys/module spells the name with _."""
    return name.replace("-", "_")


def validate(names):
    if not isinstance(names, list):
        fail("names", names, "must be a list of module names")
    result = []
    for index, name in enumerate(names):
        if not isinstance(name, str) or not _NAME.match(name):
            fail("names[%d]" % index, name, "is not a kernel module name")
        if canonical(name) in [canonical(seen) for seen in result]:
            fail("names[%d]" % index, name, "is listed twice")
        result.append(name)
    return result


def missing(names, loaded):
    """The names (in order) not in loaded, a set of /sys/module entries."""
    return [name for name in names if canonical(name) not in loaded]


OURS_NOTE = ("Not loaded before lvs.cluster loaded them (unloaded when the description stops "
             "asking for one):")
_OURS = re.compile(r"^# loaded ([A-Za-z0-9_-]{1,55})$")


def render_file(names, header, ours=()):
    """The file: the names, then those this call loaded itself (ours)."""
    lines = header_lines(header) + list(names)
    recorded = [name for name in names if name in ours]
    if recorded:
        lines += ["", "# " + OURS_NOTE] + ["# loaded %s" % name for name in recorded]
    return "\n".join(lines) + "\n"


def parse_file(text):
    """([names the file lists], set of those it records as loaded by the collection)."""
    names, ours = [], set()
    for line in (text or "").splitlines():
        match = _OURS.match(line)
        if match:
            ours.add(match.group(1))
        elif line.strip() and not line.startswith("#"):
            names.append(line.strip())
    return names, ours


def records(names, listed, ours, loaded):
    """The names loaded by the collection: a name the file listed keeps its record; a name
    listed now for the first time is the collection's when it is not loaded yet."""
    return set(name for name in names
               if (name in ours if name in listed else canonical(name) not in loaded))


def unloads(names, listed, ours, loaded):
    """The names to unload: listed before, no longer asked for, loaded by the collection,
    loaded now."""
    wanted = set(canonical(name) for name in names)
    return [name for name in listed
            if canonical(name) not in wanted and name in ours and canonical(name) in loaded]


def unload_argv(names, modprobe=MODPROBE):
    return [modprobe, "-r"] + list(names)


def load_argv(names, modprobe=MODPROBE):
    """modprobe: the program's path (command.find_executable); commands name it MODPROBE."""
    return [modprobe, "-a"] + list(names)
