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


def render_file(names, header):
    return "\n".join(header_lines(header) + names) + "\n"


def load_argv(names, modprobe=MODPROBE):
    """modprobe: the program's path (command.find_executable); commands name it MODPROBE."""
    return [modprobe, "-a"] + list(names)
