# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived's VRRP state of each instance as a Prometheus metric, for the node
exporter's textfile collector: keepalived's vrrp_notify_fifo_script.

    vrrp-state-metric OUTPUT [GROUP=INSTANCE,INSTANCE...] FIFO

keepalived starts it (as its script_user) with the FIFO's name as the last argument and
writes a line per event to the FIFO, in order (a notify script per transition would run
concurrently and could finish out of order):

    INSTANCE "lvs_public" MASTER 100
    GROUP "lvs_cluster" MASTER 0

After every line that changes an instance's state, OUTPUT is written again whole and
atomically (a temporary file in its directory, then a rename: the exporter never reads a
part), one sample per instance:

    lvs_cluster_vrrp_state{vrrp_instance="lvs_public"} 2

Values: 0 init, 1 backup, 2 master, 3 fault, 4 stopped (keepalived stopping, or gone).
A GROUP line sets the state of every instance of a sync group named in the arguments
(keepalived moves them together): after a reload keepalived 2.2.7 writes only the group's
state for instances in a sync group (recorded: tests/unit/fixtures/keepalived). A DELETED
instance (removed by a reload) leaves the file. MASTER_RX_LOWER_PRI and priority changes
are not states: ignored.

Ends (keepalived_conf.py renders fifo_write_vrrp_states_on_reload):
- keepalived stops: SIGTERM, then every instance's STOP line, then the FIFO closes;
- keepalived reloads: SIGTERM, then the FIFO closes with no STOP line; the file is left
  as it is for the program keepalived starts next, which gets the states again;
- the FIFO closes without SIGTERM (keepalived died): every instance written as stopped.

The router role installs this file as a program (python3, standard library only), with
atomic_file.py beside it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import signal
import sys

try:
    from ansible_collections.lvs.cluster.plugins.module_utils.atomic_file import write
except ImportError:     # run as the router's program: atomic_file.py is installed beside it
    from atomic_file import write

METRIC = "lvs_cluster_vrrp_state"
STATES = {"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3, "STOP": 4}
HELP = ("keepalived's VRRP state of this router's instance: 0 init, 1 backup, 2 master, "
        "3 fault, 4 stopped")
USAGE = "usage: vrrp-state-metric OUTPUT [GROUP=INSTANCE,INSTANCE...] FIFO"
# keepalived's instance names as the router role renders them, and what a label can carry
# without escaping
_NAME = re.compile(r'^"?([A-Za-z0-9_.:-]{1,64})"?\Z')


def parse_line(line, groups=None):
    """[(instance, state)] of a line: an INSTANCE line with a state in STATES, a GROUP line
    of a group in groups ({group: [instances]}) for each of its instances; state None for
    a DELETED instance; [] for every other line."""
    words = line.split()
    if len(words) < 3 or words[0] not in ("INSTANCE", "GROUP"):
        return []
    name = _NAME.match(words[1])
    if name is None or (words[2] not in STATES and words[2] != "DELETED"):
        return []
    state = None if words[2] == "DELETED" else words[2]
    if words[0] == "GROUP":
        if state is None:
            return []
        return [(member, state) for member in (groups or {}).get(name.group(1), [])]
    return [(name.group(1), state)]


def parse_groups(words):
    """{group: [instances]} of the GROUP=INSTANCE,INSTANCE arguments; ValueError if one is not."""
    groups = {}
    for word in words:
        group, sep, members = word.partition("=")
        names = members.split(",")
        if not sep or not _NAME.match(group) or not all(_NAME.match(member) for member in names):
            raise ValueError("not GROUP=INSTANCE,INSTANCE...: %r" % word)
        groups[group] = names
    return groups


def render(states):
    """The textfile: HELP, TYPE and one sample per instance, sorted by name."""
    lines = ["# HELP %s %s" % (METRIC, HELP), "# TYPE %s gauge" % METRIC]
    for name in sorted(states):
        lines.append('%s{vrrp_instance="%s"} %d' % (METRIC, name, STATES[states[name]]))
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    """path replaced whole by text, 0644 (the collection's one writer, atomic_file: a
    temporary beside it, flushed, renamed over it)."""
    write(path, text, 0o644)


class Follower(object):
    """The states read so far, and the file written after each change."""

    def __init__(self, output, groups=None):
        self.output = output
        self.groups = groups or {}
        self.states = {}
        self.written = None         # the states in the file this program wrote last
        self.terminating = False    # SIGTERM came: keepalived is stopping or reloading
        self.stopped = False        # a STOP line came: keepalived is stopping

    def line(self, line):
        """Take one FIFO line; True if the file was written (when the states differ from
        the ones last written: after a failed write, the next line tries again)."""
        for name, state in parse_line(line, self.groups):
            if state is None:
                self.states.pop(name, None)
            else:
                self.stopped = self.stopped or state == "STOP"
                self.states[name] = state
        if self.states == self.written:
            return False
        return self._write()

    def _write(self):
        """Write the file; on a failure say so and carry on reading (keepalived must never
        find its FIFO without a reader), True if written."""
        try:
            write_atomically(self.output, render(self.states))
        except OSError as error:
            sys.stderr.write("vrrp-state-metric: %s: %s\n" % (self.output, error))
            return False
        self.written = dict(self.states)
        return True

    def closed(self):
        """The FIFO closed. Without SIGTERM keepalived died: every instance is stopped.
        With SIGTERM and no STOP line it reloads: the next program writes the states."""
        if self.terminating or not self.states:
            return False
        self.states = dict((name, "STOP") for name in self.states)
        return self._write()


def follow(output, stream, follower=None):
    """Read stream (the FIFO) to its end, writing output after each change."""
    follower = follower or Follower(output)
    for line in stream:
        follower.line(line)
    follower.closed()
    return follower


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        if len(argv) < 2 or not os.path.isabs(argv[0]):
            raise ValueError(USAGE)
        groups = parse_groups(argv[1:-1])
    except ValueError as error:
        sys.stderr.write("%s\n" % error)
        return 2
    output, fifo = argv[0], argv[-1]
    follower = Follower(output, groups)

    def terminate(_signum, _frame):
        # keepalived's SIGTERM comes before its STOP lines: keep reading to the end
        follower.terminating = True

    signal.signal(signal.SIGTERM, terminate)
    with open(fifo, "r") as stream:
        follow(output, stream, follower)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
