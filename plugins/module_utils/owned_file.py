# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small configuration file that one module call owns whole (a sysctl.d or
modules-load.d file): read it, and replace it atomically (a reader sees the old file or
the new one, never half of one: module_utils/atomic_file).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.lvs.cluster.plugins.module_utils import atomic_file
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, CommandError, command_text


def read(path):
    """The file's text, or None when it does not exist."""
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def replace(path, text, mode=0o644):
    """Replace the file by text; text None removes it."""
    if text is None:
        if os.path.exists(path):
            os.unlink(path)
        return
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise CommandError("path=%r: its directory does not exist" % path)
    atomic_file.write(path, text, mode)


def header_lines(header):
    return ["# %s" % line for line in header.splitlines()]


def apply(run, argv, path, text, result):
    """The live change (argv, or None for none), then the boot file (text; None removes it):
    the file is written only once the kernel took the change, so a refused change leaves
    the boot state as it was. Raises ApplyError with rc and stderr."""
    if argv:
        rc, _out, err = run(argv)
        if rc != 0:
            raise ApplyError("%s failed (rc=%s): %s" % (command_text(argv), rc, err.strip()),
                             dict(result, changed=False, applied=[], rc=rc, stderr=err))
    if result["file_changed"]:
        replace(path, text)
    return result
