# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Several whole files of one role converged in one module call (a call costs a round trip
and a Python start on the target; the router's four boot files cost seven calls with
copy/template/file): compare, then validate every changed file, then replace them all.

An entry may instead be a symbolic link (``link``: its target), which is how a systemd
unit is enabled (``systemctl enable`` makes the same link in a .wants directory).

A file is replaced only after every changed file of the call has passed its validation,
so a refused file leaves all of them as they were (nothing half-applied). Each file is
replaced atomically (a reader sees the old or the new file): module_utils/atomic_file
stages it, the validation runs on the staged copy, and only then is it committed.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible_collections.lvs.cluster.plugins.module_utils import atomic_file
from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, command_text
from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail

_KEYS = ("path", "content", "link", "mode", "validate")


def validate(files):
    """[{path, content (None: absent), link (None or the link's target), mode (int),
    validate (argv with one '%s' or None)}]."""
    if not isinstance(files, list):
        fail("files", files, "must be a list of {path, content, mode, validate}")
    entries, seen = [], set()
    for index, entry in enumerate(files):
        where = "files[%d]" % index
        if not isinstance(entry, dict):
            fail(where, entry, "must be a dictionary with path and content")
        for key in entry:
            if key not in _KEYS:
                fail("%s.%s" % (where, key), entry[key], "unknown key (known: %s)" % ", ".join(_KEYS))
        path = entry.get("path")
        if not isinstance(path, str) or not os.path.isabs(path) or path.endswith("/"):
            fail("%s.path" % where, path, "must be an absolute file path")
        path = os.path.normpath(path)
        if path in seen:
            fail("%s.path" % where, path, "is listed twice")
        seen.add(path)
        content = entry.get("content")
        if content is not None and not isinstance(content, str):
            fail("%s.content" % where, content, "must be text, or null for no file")
        link = entry.get("link")
        if link is not None and (not isinstance(link, str) or not os.path.isabs(link)):
            fail("%s.link" % where, link, "must be the absolute path the link points to")
        if link is not None and content is not None:
            fail("%s.link" % where, link, "a link has no content (content is set too)")
        mode = entry.get("mode", "0644")
        try:
            mode = int(mode, 8) if isinstance(mode, str) else int(mode)
        except ValueError:
            mode = -1
        if not 0 <= mode <= 0o7777:
            fail("%s.mode" % where, entry.get("mode"), "must be an octal mode such as '0644'")
        check = entry.get("validate")
        if check is not None and (not isinstance(check, list) or not check
                                  or not all(isinstance(arg, str) for arg in check)
                                  or sum(arg.count("%s") for arg in check) != 1):
            fail("%s.validate" % where, check, "must be a command as a list, one argument holding %s")
        if check is not None and link is not None:
            fail("%s.validate" % where, check, "a link is not validated")
        entries.append({"path": path, "content": content, "link": link, "mode": mode, "validate": check})
    return entries


def read(path):
    """(text or None when absent, permission bits or None); a link: ("-> target", None)."""
    if os.path.islink(path):
        return "-> %s" % os.readlink(path), None
    try:
        with open(path) as handle:
            text = handle.read()
        return text, stat.S_IMODE(os.stat(path).st_mode)
    except (IOError, OSError):
        return None, None


def plan(entries, current):
    """The entries whose file differs; current: {path: (text, mode)}."""
    changes = []
    for entry in entries:
        text, mode = current[entry["path"]]
        if entry["link"] is not None:
            if text != "-> %s" % entry["link"]:
                changes.append(entry)
        elif text != entry["content"] or (text is not None and mode != entry["mode"]):
            changes.append(entry)
    return changes


def diff(changes, current):
    return [{"before_header": entry["path"], "after_header": entry["path"],
             "before": current[entry["path"]][0] or "",
             "after": "-> %s" % entry["link"] if entry["link"] else entry["content"] or ""}
            for entry in changes]


# Where systemd reads units from (man 5 systemd.unit, the system unit search path).
UNIT_DIRECTORIES = ("/etc/systemd/system/", "/run/systemd/system/", "/usr/local/lib/systemd/system/",
                    "/usr/lib/systemd/system/", "/lib/systemd/system/")


def reload_needed(changes, current):
    """Whether systemd must be told (daemon-reload) about these changes: a unit, drop-in or
    link in a unit directory that was there before was changed or removed. systemd reads a
    new unit file when it first needs it, and a new link in a .wants directory at the next
    boot (as `systemctl enable` makes it, without the manager reload that costs seconds on a
    slow host); one it may have loaded already it reads again only when told."""
    return any(entry["path"].startswith(UNIT_DIRECTORIES) and current[entry["path"]][0] is not None
               for entry in changes)


def daemon_reload(run, systemctl, result):
    """systemd reads the unit files again. A failure is an ApplyError with the result so far:
    the files are written (changed), and a later run finds them in place and does not
    reload, so the message says to run it by hand."""
    argv = [systemctl, "daemon-reload"]
    rc, out, err = run(argv)
    if rc != 0:
        raise ApplyError("daemon_reload: %s failed (rc=%s): %s; the unit files are written, run it by hand"
                         % (command_text(argv), rc, (err or out).strip()), dict(result, rc=rc, stderr=err))


def apply(run, changes, result):
    """Stage every changed file beside its target, validate each staged copy, then rename
    them all into place (or remove the absent ones). A refused validation removes what was
    staged and raises ApplyError naming the file; no target has changed then."""
    staged, validated = [], []
    try:
        for entry in changes:
            if entry["content"] is None and entry["link"] is None:
                staged.append((entry, None))
                continue
            temporary = atomic_file.stage(entry["path"], entry["content"], entry["mode"], link=entry["link"],
                                          make_directory=True)
            staged.append((entry, temporary))
            if entry["validate"]:
                argv = [arg.replace("%s", temporary) for arg in entry["validate"]]
                rc, out, err = run(argv)
                validated.append(command_text(argv))
                if rc != 0:
                    raise ApplyError("files: %s refused (validated with %s, rc=%s): %s"
                                     % (entry["path"], command_text(entry["validate"]), rc,
                                        (err or out).strip()),
                                     dict(result, changed=False, changed_files=[], rc=rc, stderr=err))
    except BaseException:
        for _entry, temporary in staged:
            atomic_file.discard(temporary)
        raise
    for entry, temporary in staged:
        if temporary is None:
            if os.path.lexists(entry["path"]):
                os.unlink(entry["path"])
        else:
            atomic_file.commit(temporary, entry["path"])
    return dict(result, validated=validated)
