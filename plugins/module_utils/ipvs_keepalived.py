# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Heal the IPVS table keepalived owns: the description's services with the real servers
keepalived has in the kernel (keepalived_checkers), planned and applied by the same code as
ipvs_service (ipvs_diff, ipvs_apply).

keepalived compares its old configuration with the new one on a reload, never with the
kernel: an entry deleted or edited by hand stays so. This plans the table keepalived
believes it has and puts the kernel back to it:

- each declared service with the description's settings; options the description leaves
  out take a new service's defaults, not the live values (a hand-made -p is drift too);
- its real servers: those the description lists that keepalived has set (its checks
  passed, or failed with inhibit_on_failure), with keepalived's weight (0 while inhibited),
  the description's method and thresholds, plus keepalived's sorry server while it is in
  the kernel; a real server keepalived took out is never added back;
- a declared service keepalived does not know (the description added it, or the table is
  being handed over from the static owner: keepalived is not reloaded yet): with the
  described real servers and weights, what keepalived adds at the reload that follows
  (its real servers start up; 2.2.7's ipvs_talk() takes EEXIST on a service and on a real
  server as done). A real server the static owner had is kept, never deleted and re-added:
  with expire_nodest_conn=1 that would reset each of its connections (measured in the lab:
  20 of 20 held echo connections reset, and a 20 s gap for new ones);
- a service keepalived knows that the description no longer declares: left as the kernel
  has it; the reload that follows removes it (clear_diff_services);
- every other service is removed.

A checker may act between the read of keepalived's view and the change: then the table
applied is one keepalived no longer believes in (a real server it just deleted, re-added).
So after a change keepalived's view is read again; if it changed, the table is planned and
applied again, at most MAX_ROUNDS times.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_apply import converge, summarise
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_diff import (
    apply_operations,
    operations,
    plan_services,
    snapshot,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    DEFAULT_METHOD,
    DEFAULT_SCHEDULER,
    DesiredDestination,
    DesiredService,
    default_netmask,
    desired_destination,
    desired_service,
    format_hostport,
)
from ansible_collections.lvs.cluster.plugins.module_utils.keepalived_checkers import believed_table

MAX_ROUNDS = 3


def desired_services(entries):
    """[DesiredService] from ipvs_service's list form (checked before anything is read)."""
    return [desired_service(entry, "services[%d]." % index) for index, entry in enumerate(entries)]


def _explicit_service(desired):
    """The service with a new service's defaults for what it leaves out, and purged."""
    values = dict(vars(desired))
    if values["scheduler"] is None:
        values["scheduler"] = DEFAULT_SCHEDULER
    if values["scheduler_flags"] is None:
        values["scheduler_flags"] = []
    if values["persistence_timeout"] is None:
        values["persistence_timeout"] = 0
    if values["persistence_timeout"]:
        if values["persistence_netmask"] is None:
            values["persistence_netmask"] = default_netmask(desired.family)
        if values["persistence_engine"] is None:
            values["persistence_engine"] = "none"
    if values["one_packet"] is None:
        values["one_packet"] = False
    values["purge"] = True
    return DesiredService(**values)


def _explicit_destination(desired, weight):
    """A described real server with keepalived's weight and defaults for what it leaves out."""
    values = dict(vars(desired))
    values["weight"] = weight
    if values["method"] is None:
        values["method"] = DEFAULT_METHOD
    for option in ("upper_threshold", "lower_threshold"):
        if values[option] is None:
            values[option] = 0
    if values["method"] == "tun":
        if values["tunnel_type"] is None:
            values["tunnel_type"] = "ipip"
        if values["tunnel_type"] != "ipip" and values["tunnel_checksum"] is None:
            values["tunnel_checksum"] = "nocsum"
    return DesiredDestination(**values)


def plan(live, desired, view):
    """(targets, scope, left_out) for ipvs_diff.operations.

    live: {key: Service}; desired: [DesiredService] (ipvs_service's list form, parsed);
    view: keepalived_checkers.parse() of keepalived's dump. left_out: the described real
    servers the table leaves out ("SERVICE -> ADDRESS:PORT"), because keepalived has them
    out of the kernel (failed checks).
    """
    wanted = []
    left_out = []
    for service in desired:
        if service.state == "absent":
            wanted.append(service)
            continue
        known = view.get(service.key)
        if known is None:
            target = _explicit_service(service)
            target.destinations = [_explicit_destination(dest, 1 if dest.weight is None else dest.weight)
                                   for dest in service.destinations or () if dest.state != "absent"]
            wanted.append(target)
            continue
        in_kernel = known.in_kernel()
        sorry_key = known.sorry.key if known.sorry is not None else None
        service_port = service.port if service.protocol != "fwmark" else 0
        destinations = []
        for dest in service.destinations or ():
            if dest.state == "absent":
                continue
            key = (dest.address, dest.port if dest.port is not None else service_port)
            entry = in_kernel.get(key) if key != sorry_key else None
            if entry is None:
                left_out.append("%s -> %s" % (service.name, format_hostport(*key)))
                continue
            destinations.append(_explicit_destination(dest, entry[1]))
        if sorry_key is not None and sorry_key in in_kernel:
            options = known.sorry.ipvs_options(in_kernel[sorry_key][1])
            destinations.append(desired_destination(
                options, service.family, "keepalived's sorry server of %s: " % service.name))
        target = _explicit_service(service)
        target.destinations = destinations
        wanted.append(target)
    targets, scope = plan_services(live, wanted)
    # purge, except what keepalived knows (its reload removes it; see the docstring)
    for key in live:
        if key not in targets and key not in view:
            targets[key] = None
            scope.insert(0, key)
    return targets, scope, left_out


def heal(backend, read_view, desired, check_mode=False, diff=False, rounds=MAX_ROUNDS, retirement=None):
    """Plan and apply until keepalived's view held still across a change.

    backend: an ipvsadm.Ipvsadm; read_view(): keepalived's view (a fresh dump each call).
    Returns the module's result: changed, commands, summary (as ipvs_service's list form),
    before / after (diff only: the services that changed), rounds, left_out. Raises
    ApplyError (with that result) on a kernel refusal, when the view kept changing, or when
    a read failed after a change (the result then says what was changed).
    """
    healing = _Healing(desired, diff, retirement)
    view = read_view()
    try:
        for _round in range(rounds):
            if not healing.round(backend, view, check_mode):
                return healing.result()  # nothing applied: nothing a checker could have raced
            again = read_view()
            if believed_table(again) == believed_table(view):
                return healing.result()
            view = again
    except CommandError as error:
        if not healing.applied:
            raise
        raise ApplyError("%s (after %d round(s) of changes, listed in commands): run again"
                         % (error, healing.applied), healing.result())
    raise ApplyError("keepalived's view of the table changed during each of %d rounds of healing "
                     "(its checkers keep acting: a flapping real server?); the table applied last "
                     "may hold what a checker changed since: run again" % rounds, healing.result())


class _Healing(object):
    """The rounds so far: the first live table, the last predicted one, every command."""

    def __init__(self, desired, diff, retirement=None):
        self.desired = desired
        self.retirement = retirement
        self.retired = []
        self.diff = diff
        self.first = None
        self.final = None
        self.scope = []
        self.commands = []
        self.applied = 0
        self.left_out = []

    def round(self, backend, view, check_mode):
        """Plan against the live table and apply; True when a change was applied."""
        live = backend.read_table()
        if self.first is None:
            self.first = live
        targets, scope, self.left_out = plan(live, self.desired, view)
        ops = operations(live, targets, scope)
        self.final = apply_operations(live, ops)
        self.scope.extend(key for key in scope if key not in self.scope)
        try:
            result = converge(backend, live, targets, scope, check_mode=check_mode, compact=True,
                              diff=self.diff, retirement=self.retirement)
        except ApplyError as error:
            # the failing round's summary and diff; the commands of the rounds before, too
            error.result["commands"] = self.commands + error.result["commands"]
            error.result["applied"] = self.commands + error.result["applied"]
            error.result["changed"] = bool(self.commands) or error.result["changed"]
            error.result.update(rounds=self.applied + 1, left_out=self.left_out)
            raise
        self.commands.extend(result["commands"])
        self.retired.extend(result.get("retired", []))
        if not ops or check_mode:
            return False
        self.applied += 1
        return True

    def result(self):
        first, final = self.first, self.final
        changed_keys = [key for key in self.scope if first.get(key) != final.get(key)]
        result = {
            "changed": bool(self.commands),
            "commands": self.commands,
            "summary": summarise(first, final, self.scope, changed_keys),
            "rounds": self.applied,
            "left_out": self.left_out,
        }
        if self.retirement is not None:
            result["retired"] = self.retired
        if self.diff:
            result["before"] = snapshot(first, changed_keys)
            result["after"] = snapshot(final, changed_keys)
        return result
