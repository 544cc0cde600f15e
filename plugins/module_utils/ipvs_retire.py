# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real servers a change removes are drained before they go, not cut.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.

Deleting a real server (or its service) ends its connections: with
net.ipv4.vs.expire_nodest_conn=1 at their next packet, without it they hang until they time
out. So before the batch that deletes them, the ones that hold any connection (active, or
inactive: IPVS counts a connection still in SYN_RECV as inactive) get weight 0 (quiesced:
no new connection, the established ones continue), and the batch waits, a bounded time,
until they hold no active one - after one interval at least once it quiesced, so that a
connection the scheduler gave one just before the quiesce is established (and waited for)
or done. A real server with only inactive connections used to be deleted at once, without
a quiesce: under a steady client loop the one connection being opened at that moment was
reset (the lab's cluster_nat, changes while serving: 1 of 2543 requests).
What the wait ended with is reported per real server.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    format_hostport,
    service_name,
    sorted_destinations,
)


class Retirement(object):
    """How long a change waits for the connections of the real servers it removes.

    timeout: seconds (0: delete at once, as before this existed); interval: between reads.
    sleep and clock are injected for tests.
    """

    def __init__(self, timeout, interval=1.0, sleep=time.sleep, clock=time.monotonic):
        self.timeout = timeout
        self.interval = interval
        self.sleep = sleep
        self.clock = clock


def leaving(live, ops):
    """[(service, destination)] the operations delete from the live table: the real servers
    removed from a service that stays, and every real server of a service removed."""
    found = []
    for kind, service, dest in ops:
        if kind == "delete_destination":
            found.append((live[service.key], live[service.key].destinations[dest.key]))
        elif kind == "delete_service":
            found.extend((service, each) for each in sorted_destinations(service.destinations.values()))
    return found


def drain_first(backend, live, ops, retirement):
    """Quiesce the leaving real servers that hold active connections and wait for them.

    backend: ipvsadm.Ipvsadm (connections, active_connections, restore, commands). Returns
    (commands, retired): the quiesce commands applied, and per real server waited for a
    dict - service, destination, active_connections (at the start), left (at the end: 0, or
    what the timeout cut), waited_s. Raises ApplyError when the kernel refused the quiesce
    (the table is then as before, nothing deleted).
    """
    if retirement is None or retirement.timeout <= 0:
        return [], []
    pairs = leaving(live, ops)
    if not pairs:
        return [], []
    found = backend.connections()
    counts = dict((pair, active) for pair, (active, _inactive) in found.items())
    busy = [(service, dest) for service, dest in pairs if sum(found.get((service.key, dest.key), (0, 0))) > 0]
    if not busy:
        return [], []
    quiesce = [("edit_destination", service, dest.copy(weight=0)) for service, dest in busy if dest.weight != 0]
    if quiesce:
        rc, _out, err = backend.restore(quiesce)
        if rc != 0 or (err or "").strip():
            raise ApplyError("ipvsadm -R refused to quiesce the real servers the change removes (rc=%s): %s; "
                             "nothing was deleted" % (rc, (err or "").strip() or "no message"),
                             {"changed": True, "commands": backend.commands(quiesce)})
    start = retirement.clock()
    if quiesce:
        # connections the scheduler gave them just before the quiesce: established by now
        retirement.sleep(retirement.interval)
    while True:
        waited = retirement.clock() - start
        now = backend.active_connections()
        left = dict(((service.key, dest.key), now.get((service.key, dest.key), 0)) for service, dest in busy)
        if not any(left.values()) or waited >= retirement.timeout:
            break
        retirement.sleep(retirement.interval)
    retired = [{
        "service": service_name(service.key),
        "destination": format_hostport(*dest.key),
        "active_connections": counts.get((service.key, dest.key), 0),
        "left": left[(service.key, dest.key)],
        "waited_s": round(waited, 1),
    } for service, dest in busy]
    return backend.commands(quiesce), retired
