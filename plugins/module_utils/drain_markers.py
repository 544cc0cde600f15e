# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain markers: the routers' record of which real servers an operator has drained.

One file per real server address in a directory on every router
(``/var/lib/lvs-cluster/drain/198.51.100.21``), holding ``1`` while the real server is
drained; absent (or ``0``) otherwise. Both owners of the IPVS table read the same file:

- keepalived (``ipvs_owner: keepalived``) through a ``FILE_CHECK`` on each real server
  (keepalived_conf.py): a marker holding 1 times the check's weight -65535 brings the real
  server's weight to 0 while it stays alive - quiesced, never removed, so its established
  connections continue - at once (inotify), or at its next reload where the filesystem
  sends no inotify event (the drain reloads it: the lab's hostfs sends none);
- the ipvs_service module (``ipvs_owner: static``, option ``drain_markers``): a described
  destination whose address has a marker gets weight 0, on every run, so ``site.yml``
  keeps it drained.

The markers are state on the routers, not in the description: a ``site.yml`` re-run, a
keepalived reload or restart and a failover (each router has its own copy) keep a real
server drained until ``playbooks/drain.yml`` restores it.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax (runs on targets).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re

from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError, address as parse_address

DEFAULT_DIRECTORY = "/var/lib/lvs-cluster/drain"
# What a marker of a drained real server holds (keepalived reads it with strtol)
DRAINED = "1\n"
# FILE_CHECK's weight: 1 x -65535 takes any weight (at most 65535) to 0, and stays above
# keepalived's fault value (-65536), which would count as a failed check instead
FILE_CHECK_WEIGHT = -65535


def marker_path(directory, address):
    """The marker file of a real server address (its canonical text: one file per
    address however the inventory wrote it)."""
    canonical, _family = parse_address("address", address)
    return os.path.join(directory, canonical)


def track_file_name(address):
    """keepalived's name of the tracked file of a real server address (a word of letters,
    digits and _)."""
    canonical, _family = parse_address("address", address)
    return "lvs_drain_" + re.sub(r"[^0-9A-Za-z]", "_", canonical)


def quiesce(desired, drained):
    """Weight 0 for the listed real servers of desired ([ipvs_model.DesiredService]) whose
    address is in drained (read())."""
    for service in desired:
        for destination in service.destinations or []:
            if destination.address in drained and destination.state == "present":
                destination.weight = 0


def _drained(text):
    # keepalived's reading: a number (strtol, base 0), 0 when empty or not a number
    match = re.match(r"\s*([-+]?(?:0[xX][0-9a-fA-F]+|\d+))", text)
    if match is None:
        return False
    return int(match.group(1), 0) != 0


def read(directory, reader=None):
    """The set of addresses drained by a marker in directory (canonical text). A missing
    directory drains nothing; a file whose name is no address is not a marker."""
    reader = reader or _read_directory
    return set(name for name, text in reader(directory) if marker(name, text))


def marker(name, text):
    """Whether the file name with text is the marker of a drained real server: True, False
    (a marker holding 0), or None (not a marker: a README, an editor's backup)."""
    try:
        canonical, _family = parse_address("address", name)
    except ValidationError:
        return None
    if canonical != name:
        return None
    return _drained(text)


def _read_directory(directory):
    try:
        names = sorted(os.listdir(directory))
    except OSError as error:
        if error.errno == errno.ENOENT:
            return []
        raise
    entries = []
    for name in names:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        with open(path) as handle:
            entries.append((name, handle.read(64)))
    return entries
