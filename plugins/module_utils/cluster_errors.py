# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every mistake of a cluster description, reported in one run.

Why: a description with several mistakes used to need one run per mistake. Now each part
of it is checked on its own; a part that is wrong is reported (``path=value: why``, the
message validation.fail words) and stands as UNKNOWN for the rest of the run, so that a
check needing it is skipped instead of reporting a consequence of the first mistake as a
second one. A dictionary with a key the model does not know is reported for those keys
alone: what the rest of it means is not guessed.

ClusterError carries the messages, one per line (a value is shown by repr, so a line
break in a value never splits a message), grouped by where they are: lvs_cluster itself,
then routers, then each service in turn; within a group in the order the model checks.
One mistake gives the one message, as it always did.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    ValidationError,
    message,
)

ROOT = "lvs_cluster"
_PLACE = re.compile(r"^lvs_cluster(?:\.(routers)\b|\.services(?:\[(\d+)\])?)?")


class _Unknown(object):
    """A value a reported mistake leaves unknown. It has no truth value: code that would
    decide on it must ask known() first (a TypeError points at the check that did not)."""

    __slots__ = ()

    def __repr__(self):
        return "UNKNOWN"

    def __bool__(self):
        raise TypeError("UNKNOWN has no truth value: check known() first")

    __nonzero__ = __bool__


UNKNOWN = _Unknown()


def known(*values):
    """No value is UNKNOWN."""
    return all(value is not UNKNOWN for value in values)


def complete(value):
    """Nothing in value (a record, a list, a dict, nested) is UNKNOWN."""
    if value is UNKNOWN:
        return False
    if isinstance(value, dict):
        return all(complete(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return all(complete(item) for item in value)
    return True


class ClusterError(ValidationError):
    """A bad cluster description: every mistake found, one message a line, each starting
    with the variable path (``lvs_cluster.services[0].real_servers[1].weight='heavy': must
    be an integer``)."""

    def __init__(self, messages):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = tuple(messages)
        super(ClusterError, self).__init__("\n".join(self.messages))


def _place(text):
    """Sort key of a message: lvs_cluster itself, routers, services (the list, then each
    service by index), anything else."""
    match = _PLACE.match(text)
    if match is None:
        return (3, 0)
    if match.group(1):
        return (1, 0)
    if match.group(0) == ROOT:
        return (0, 0)
    return (2, -1 if match.group(2) is None else int(match.group(2)))


class Mistakes(object):
    """The mistakes found so far (each message once)."""

    def __init__(self):
        self._found = []

    def __len__(self):
        return len(self._found)

    def add(self, error):
        """Record a ValidationError (a ClusterError: each of its messages)."""
        for text in getattr(error, "messages", None) or (str(error),):
            if text not in self._found:
                self._found.append(text)

    def fail(self, path, value, why):
        """Record one mistake: path=value: why."""
        self.add(ValidationError(message(path, value, why)))

    def parse(self, parser, *args):
        """parser(*args), or UNKNOWN with its ValidationError recorded."""
        try:
            return parser(*args)
        except ValidationError as error:
            self.add(error)
            return UNKNOWN

    def dictionary(self, path, entry, keys, not_a_dictionary="must be a dictionary", hidden=()):
        """Whether entry is a dictionary of these keys only; records what is not. hidden:
        keys reported elsewhere (a secret: never shown as a key that is not known)."""
        if not isinstance(entry, dict):
            self.fail(path, entry, not_a_dictionary)
            return False
        unknown = [key for key in entry if key not in keys and key not in hidden]
        for key in unknown:
            self.fail("%s.%s" % (path, key), entry[key],
                      "is not an option here (known: %s)" % ", ".join(keys))
        return not unknown

    def raise_any(self):
        """Raise the ClusterError of everything found, if anything was."""
        if self._found:
            raise ClusterError(sorted(self._found, key=_place))
