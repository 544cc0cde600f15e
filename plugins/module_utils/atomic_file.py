# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way the collection writes a file on a host (sysctl.d and modules-load.d files,
the address records that are also boot scripts, the router's and real servers' boot
files, keepalived.conf and keepalived's check programs, the enabling links of units).

What the callers need, and how each step gives it:

- **Old or new, never half.** A reader may open the file at any moment: systemd at boot,
  keepalived on a reload, a unit's ExecStart, the next run's read. The content goes to a
  temporary file in the target's own directory, which is then renamed over the target:
  rename(2) within one filesystem replaces the name in one step. (A temporary in /tmp
  could be on another filesystem, where rename fails.)
- **Durable once renamed.** The temporary's data is flushed and fsync'ed before the
  rename: without it, a power cut soon after a run could leave the new name pointing at
  an empty or short file on filesystems that allocate late (XFS, ext4 mounted
  noauto_da_alloc). The directory is not fsync'ed: a crash may then undo the rename, which
  leaves the old file whole; the next run finds the difference and writes it again.
- **The mode, from the first byte.** mkstemp creates the temporary 0600 whatever the
  umask; chmod then sets exactly ``mode`` (the umask does not apply to chmod) before the
  rename, so the file never has another mode at its final name (keepalived.conf, 0600,
  may hold the VRRP password; check programs must be 0755 for keepalived).
- **Owner.** The temporary is the module's user's (root), and so is the file: an existing
  file's owner, ACLs and SELinux label are not copied. Every file the collection writes is
  root's, in directories root owns.
- **Validated before it replaces anything.** ``stage`` and ``commit`` are separate steps:
  config_files stages every changed file of a call, runs each one's check on its staged
  copy (``nft -c``, ``keepalived -t``) and only then renames them all; ``discard`` removes
  a staged copy that was refused. ``write`` is stage and commit in one.
- **Links too.** A symbolic link (how systemd enables a unit) is staged the same way: made
  at a fresh temporary name, then renamed over the target.
- **No litter.** A failure while staging or renaming removes the temporary; a failed
  write leaves the target as it was. Temporaries are named ``.lvs-cluster-*``, so one
  left by a killed process is recognisable.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

TEMPORARY_PREFIX = ".lvs-cluster-"
DIRECTORY_MODE = 0o755


def _directory(path, make_directory):
    directory = os.path.dirname(path) or "."
    if make_directory and not os.path.isdir(directory):
        os.makedirs(directory, DIRECTORY_MODE)
    return directory


def stage(path, content=None, mode=0o644, link=None, make_directory=False):
    """A temporary file beside path holding content (text), with exactly mode, its data on
    disk; or, with link, a symbolic link to link. Returns the temporary's path, for
    commit() or discard(). make_directory: create path's missing directories (0755 less
    the umask, as os.makedirs makes them);
    otherwise a missing directory raises OSError."""
    directory = _directory(path, make_directory)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=TEMPORARY_PREFIX)
    try:
        if link is not None:
            # the fresh name, freed and taken by the link (rename replaces atomically)
            os.close(handle)
            os.unlink(temporary)
            os.symlink(link, temporary)
            return temporary
        with os.fdopen(handle, "w") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        discard(temporary)
        raise
    return temporary


def commit(temporary, path):
    """The staged temporary becomes path, replacing it in one step."""
    os.rename(temporary, path)


def discard(temporary):
    """Remove a staged temporary (nothing when it is gone already)."""
    if temporary and os.path.lexists(temporary):
        os.unlink(temporary)


def write(path, content, mode=0o644, make_directory=False, link=None):
    """Replace path by content with mode (or, with link, by a symbolic link to link),
    atomically (stage, then commit); on a failure path is as it was and no temporary is
    left."""
    temporary = stage(path, content, mode, link=link, make_directory=make_directory)
    try:
        commit(temporary, path)
    except BaseException:
        discard(temporary)
        raise
