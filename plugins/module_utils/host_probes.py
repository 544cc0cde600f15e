# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the roles read from a host besides their module calls, returned as data: which
packages are missing, the state of units, the running IPVS sync daemons, a user's login
shell, whether keepalived.conf is the collection's. (Interfaces, addresses and default
routes: host_read.py, read without Python on the host.) Each probe parses its command's output here (JSON where the tool has it), so
the roles decide on data and never parse host output in Jinja.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax. ``run(argv)`` returns
(rc, out, err); ``which(name)`` a path or None (``command.executable_finder(module,
required=False)``: a tool the host lacks is an answer here, such as no sync daemons).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import pwd

from ansible_collections.lvs.cluster.plugins.module_utils.ipvsadm import parse_daemon


def missing_packages(run, which, names):
    """The names of the packages that are not installed (dpkg, else rpm)."""
    if not names:
        return []
    if which("dpkg-query"):
        _rc, out, _err = run([which("dpkg-query"), "-W", "-f", "${db:Status-Abbrev};${Package}\n"] + list(names))
        installed = set(line.split(";", 1)[1] for line in out.splitlines()
                        if line.startswith("ii ") and ";" in line)
    elif which("rpm"):
        _rc, out, _err = run([which("rpm"), "-q", "--qf", "%{NAME}\n"] + list(names))
        installed = set(line.strip() for line in out.splitlines())
    else:
        installed = set()
    return [name for name in names if name not in installed]


UNIT_PROPERTIES = "Id,ActiveState,UnitFileState,SourcePath"


def unit_states(run, which, units, rc_links=None):
    """{unit: {"active": what ``systemctl is-active`` says, "enabled": what ``systemctl
    is-enabled`` says}} ("" for a unit systemd does not know), all units in one ``systemctl
    show`` (each systemctl costs 0.2-0.7 s on a slow host). A SysV script's unit (Debian's
    ipvsadm: UnitFileState "generated") is enabled the way is-enabled decides it,
    by its start links (rc_links(name): /etc/rc[S5].d/S??name, systemd-sysv-install)."""
    systemctl = which("systemctl")
    states = dict((unit, dict(active="", enabled="")) for unit in units)
    if not systemctl or not units:
        return states
    _rc, out, _err = run([systemctl, "show", "--property=" + UNIT_PROPERTIES] + list(units))
    shown = [dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
             for block in out.strip().split("\n\n")] if out.strip() else []
    # systemctl show answers in the order asked, one block per unit
    for unit, props in zip(units, shown):
        enabled = props.get("UnitFileState", "")
        if enabled == "generated" and props.get("SourcePath", "").startswith("/etc/init.d/"):
            links = (rc_links or _rc_links)(props["SourcePath"][len("/etc/init.d/"):])
            enabled = "enabled" if links else "disabled"
        states[unit] = dict(active=props.get("ActiveState", ""), enabled=enabled)
    return states


def _rc_links(name):
    return glob.glob("/etc/rc[S5].d/S??" + glob.escape(name))


def sync_daemons(run, which):
    """The states (master, backup) of the IPVS sync daemons running; [] without ipvsadm."""
    ipvsadm = which("ipvsadm")
    if ipvsadm is None:
        return []
    rc, out, _err = run([ipvsadm, "-Ln", "--daemon"])
    return [daemon["state"] for daemon in parse_daemon(out)] if rc == 0 else []


def login_shells(names):
    """{user: login shell, or None when there is no such user}."""
    shells = {}
    for name in names:
        try:
            shells[name] = pwd.getpwnam(name).pw_shell
        except KeyError:
            shells[name] = None
    return shells


def keepalived_conf(path, header):
    """Whether the file exists, was written by the collection (its first line is header) and
    how many virtual_server blocks it holds."""
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except (IOError, OSError):
        return dict(exists=False, ours=False, virtual_servers=0)
    return dict(exists=True, ours=bool(lines) and lines[0].startswith(header),
                virtual_servers=sum(1 for line in lines if line.startswith("virtual_server")))


def probe(run, which, wanted):
    """The probes asked for in wanted (the drift module's ``probes`` option), by name."""
    found = {}
    if wanted.get("packages") is not None:
        found["missing_packages"] = missing_packages(run, which, wanted["packages"])
    if wanted.get("units"):
        found["units"] = unit_states(run, which, wanted["units"])
    if wanted.get("sync_daemons"):
        found["sync_daemons"] = sync_daemons(run, which)
    if wanted.get("login_shells"):
        found["login_shells"] = login_shells(wanted["login_shells"])
    if wanted.get("keepalived_conf"):
        conf = wanted["keepalived_conf"]
        found["keepalived_conf"] = keepalived_conf(conf["path"], conf["header"])
    return found
