# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived's VRRP state of each instance as a Prometheus metric, for the node
exporter's textfile collector: keepalived's vrrp_notify_fifo_script.

    vrrp-state-metric OUTPUT FIFO

keepalived starts it (as its script_user) with the FIFO's name as the last argument and
writes a line per event to the FIFO, in order (a notify script per transition would run
concurrently and could finish out of order):

    INSTANCE "lvs_public" MASTER 100
    GROUP "lvs_cluster" MASTER 100

After every INSTANCE line whose state it knows, OUTPUT is written again whole and
atomically (a temporary file in its directory, then a rename: the exporter never reads a
part), one sample per instance:

    lvs_cluster_vrrp_state{vrrp_instance="lvs_public"} 2

Values: 0 init, 1 backup, 2 master, 3 fault, 4 stopped (keepalived stopping, or gone).
A DELETED instance (removed by a reload) leaves the file. GROUP lines, MASTER_RX_LOWER_PRI
and priority changes are not states of an instance: ignored.

Ends (keepalived_conf.py renders fifo_write_vrrp_states_on_reload):
- keepalived stops: SIGTERM, then every instance's STOP line, then the FIFO closes;
- keepalived reloads: SIGTERM, then the FIFO closes with no STOP line; the file is left
  as it is for the program keepalived starts next, which gets every state again;
- the FIFO closes without SIGTERM (keepalived died): every instance written as stopped.

The router role installs this file as a program (python3, standard library only).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import signal
import sys
import tempfile

METRIC = "lvs_cluster_vrrp_state"
STATES = {"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3, "STOP": 4}
HELP = ("keepalived's VRRP state of this router's instance: 0 init, 1 backup, 2 master, "
        "3 fault, 4 stopped")
USAGE = "usage: vrrp-state-metric OUTPUT FIFO"
# keepalived's instance names as the router role renders them, and what a label can carry
# without escaping
_NAME = re.compile(r'^"?([A-Za-z0-9_.:-]{1,64})"?\Z')


def parse_line(line):
    """(instance, state) of an INSTANCE line with a state in STATES, (instance, None) of a
    DELETED instance, or None for every other line."""
    words = line.split()
    if len(words) < 3 or words[0] != "INSTANCE":
        return None
    name = _NAME.match(words[1])
    if name is None:
        return None
    if words[2] == "DELETED":
        return name.group(1), None
    if words[2] not in STATES:
        return None
    return name.group(1), words[2]


def render(states):
    """The textfile: HELP, TYPE and one sample per instance, sorted by name."""
    lines = ["# HELP %s %s" % (METRIC, HELP), "# TYPE %s gauge" % METRIC]
    for name in sorted(states):
        lines.append('%s{vrrp_instance="%s"} %d' % (METRIC, name, STATES[states[name]]))
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    """path replaced whole by text: written beside it, flushed, renamed over it."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, staged = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(handle, "w") as staged_file:
            staged_file.write(text)
            staged_file.flush()
            os.fsync(staged_file.fileno())
        os.chmod(staged, 0o644)
        os.rename(staged, path)
    except BaseException:
        if os.path.exists(staged):
            os.unlink(staged)
        raise


class Follower(object):
    """The states read so far, and the file written after each change."""

    def __init__(self, output):
        self.output = output
        self.states = {}
        self.terminating = False    # SIGTERM came: keepalived is stopping or reloading
        self.stopped = False        # a STOP line came: keepalived is stopping

    def line(self, line):
        """Take one FIFO line; True if the file was written."""
        parsed = parse_line(line)
        if parsed is None:
            return False
        name, state = parsed
        if state is None:
            if name not in self.states:
                return False
            del self.states[name]
        else:
            if state == "STOP":
                self.stopped = True
            if self.states.get(name) == state:
                return False
            self.states[name] = state
        write_atomically(self.output, render(self.states))
        return True

    def closed(self):
        """The FIFO closed. Without SIGTERM keepalived died: every instance is stopped.
        With SIGTERM and no STOP line it reloads: the next program writes the states."""
        if self.terminating or not self.states:
            return False
        self.states = dict((name, "STOP") for name in self.states)
        write_atomically(self.output, render(self.states))
        return True


def follow(output, stream, follower=None):
    """Read stream (the FIFO) to its end, writing output after each change."""
    follower = follower or Follower(output)
    for line in stream:
        follower.line(line)
    follower.closed()
    return follower


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or not os.path.isabs(argv[0]):
        sys.stderr.write("%s\n" % USAGE)
        return 2
    output, fifo = argv
    follower = Follower(output)

    def terminate(_signum, _frame):
        # keepalived's SIGTERM comes before its STOP lines: keep reading to the end
        follower.terminating = True

    signal.signal(signal.SIGTERM, terminate)
    with open(fifo, "r") as stream:
        follow(output, stream, follower)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
