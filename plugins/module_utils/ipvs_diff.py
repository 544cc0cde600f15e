# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Desired IPVS state vs the live table: the target table, ordered operations, before/after.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.

Operations are (kind, service, destination) tuples; ipvsadm.render_operation turns them into
command lines. A change of settings is an edit ("edit_service" = ipvsadm -E,
"edit_destination" = ipvsadm -e), never delete + add: established connections survive it.
Only an entry whose identity changes (another address, port, protocol or mark) is a
different entry: the new one is added, the old one goes only when purged or absent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    resolve_destination,
    resolve_service,
    service_identity,
    desired_destination,
    service_name,
    sorted_destinations,
)


def plan_services(live, desired_services, purge=False):
    """(targets, scope) for ipvs_service.

    live: {key: Service}; desired_services: [DesiredService].
    targets: {key: Service or None (absent)} for every key the call is about (scope order).
    Raises validation.ValidationError before anything is done.
    """
    targets = {}
    scope = []
    seen = {}
    for desired in desired_services:
        key = desired.key
        if key in seen:
            fail(desired.prefix.rstrip(".") or "services", desired.name,
                 "the service is listed twice (also at %s)" % (seen[key] or "the top level"))
        seen[key] = desired.prefix.rstrip(".")
        current = live.get(key)
        scope.append(key)
        if desired.state == "absent":
            targets[key] = None
            continue
        target = resolve_service(desired, current)
        if desired.destinations is None:
            if current is not None:
                for dest in current.destinations.values():
                    target.destinations[dest.key] = dest.copy()
        else:
            if current is not None and not desired.purge:
                for dest in current.destinations.values():
                    target.destinations[dest.key] = dest.copy()
            for wanted in desired.destinations:
                port = wanted.port
                if port is None:
                    port = target.port if target.protocol != "fwmark" else 0
                live_dest = current.destinations.get((wanted.address, port)) if current else None
                if wanted.state == "absent":
                    target.destinations.pop((wanted.address, port), None)
                    continue
                dest = resolve_destination(wanted, target, live_dest)
                target.destinations[dest.key] = dest
        targets[key] = target
    if purge:
        for key in live:
            if key not in targets:
                targets[key] = None
                scope.insert(0, key)
    return targets, scope


def plan_destination(live, params):
    """(targets, scope, destination key) for ipvs_destination.

    params: the service's identity (protocol, vip, port or fwmark, family) and
    destination, a dict of the options of one entry of ipvs_service's destinations.
    """
    protocol, vip, port, fwmark, family = service_identity(params)
    key = ("fwmark", family, fwmark) if protocol == "fwmark" else (protocol, vip, port)
    wanted = desired_destination(params.get("destination") or {}, family, "destination.")
    service = live.get(key)
    if service is None:
        option = "fwmark" if protocol == "fwmark" else "vip"
        fail(option, fwmark if protocol == "fwmark" else vip,
             "the service %s does not exist: create it with ipvs_service first" % service_name(key))
    dest_port = wanted.port
    if dest_port is None:
        dest_port = service.port if service.protocol != "fwmark" else 0
    dest_key = (wanted.address, dest_port)
    target = service.copy()
    if wanted.state == "absent":
        target.destinations.pop(dest_key, None)
    else:
        dest = resolve_destination(wanted, service, service.destinations.get(dest_key))
        target.destinations[dest.key] = dest
    return {key: target}, [key], dest_key


def operations(current, targets, scope):
    """Ordered operations that turn `current` into `targets` for the keys in scope."""
    ops = []
    # Services to remove first (a purge never leaves two generations side by side).
    for key in scope:
        if targets[key] is None and key in current:
            ops.append(("delete_service", current[key], None))
    for key in scope:
        target = targets[key]
        if target is None:
            continue
        live = current.get(key)
        if live is None:
            ops.append(("add_service", target, None))
            for dest in sorted_destinations(target.destinations.values()):
                ops.append(("add_destination", target, dest))
            continue
        if live == target:
            continue  # nothing to do: no need to sort its pool
        if live.settings_tuple() != target.settings_tuple():
            ops.append(("edit_service", target, None))
        for dest in sorted_destinations(live.destinations.values()):
            if dest.key not in target.destinations:
                ops.append(("delete_destination", target, dest))
        for dest in sorted_destinations(target.destinations.values()):
            old = live.destinations.get(dest.key)
            if old is None:
                ops.append(("add_destination", target, dest))
            elif old.as_tuple() != dest.as_tuple():
                ops.append(("edit_destination", target, dest))
    return ops


def apply_operations(table, ops):
    """The table after ops, predicted (check mode uses it; tests compare it to the kernel).

    Only the services the operations touch are copied; the others are the same objects as in
    `table` (neither is changed afterwards).
    """
    result = dict(table)
    copied = set()
    for kind, service, dest in ops:
        key = service.key
        if key not in copied:
            copied.add(key)
            if key in result:
                result[key] = result[key].copy()
        if kind == "delete_service":
            result.pop(key, None)
        elif kind == "add_service":
            result[key] = service.copy(destinations=[])
        elif kind == "edit_service":
            result[key] = service.copy(destinations=list(result[key].destinations.values()))
        elif kind in ("add_destination", "edit_destination"):
            result[key].destinations[dest.key] = dest.copy()
        elif kind == "delete_destination":
            result[key].destinations.pop(dest.key, None)
    return result


def snapshot(table, scope):
    """The services in scope as a list of dicts (absent ones left out), for diff and results."""
    return [table[key].to_dict() for key in scope if table.get(key) is not None]


def classify(before, targets, now, scope):
    """After a failed batch: which services are applied, untouched, or half applied."""
    applied, untouched, partial = [], [], []
    for key in scope:
        if now.get(key) == targets[key]:
            (untouched if before.get(key) == targets[key] else applied).append(key)
        elif now.get(key) == before.get(key):
            untouched.append(key)
        else:
            partial.append(key)
    return applied, untouched, partial
