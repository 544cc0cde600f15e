# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The router role's metrics: the arguments of Debian's prometheus-node-exporter, in the
file its unit reads them from (/etc/default/prometheus-node-exporter, ``ARGS``).

    exporter_defaults("192.0.2.11:9100", ["conntrack", "netdev"], "/var/lib/prometheus/node-exporter")

The IPVS collector (the table per real server: node_ipvs_backend_*) and the textfile
collector (the VRRP state that vrrp_state_metric.py writes) are always on, by name, in
whatever set the user chooses: collectors None keeps node_exporter's own default set,
a list turns every other one off (--collector.disable-defaults) and names each.

systemd splits ``$ARGS`` at white space and the file is read as an environment file, so
every value is checked to be one plain word. Bad input raises ValidationError
``option=value: why`` with the role's variable names.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail

LISTEN_VARIABLE = "router_metrics_listen_address"
COLLECTORS_VARIABLE = "router_metrics_collectors"
TEXTFILE_VARIABLE = "router_metrics_textfile_directory"
# What the metrics are for: never left out of the set
REQUIRED_COLLECTORS = ("ipvs", "textfile")
HEADER = ("# Written by lvs.cluster (the router role's router_metrics): the arguments of\n"
          "# prometheus-node-exporter, whose unit reads ARGS from this file. Do not edit.\n")
_COLLECTOR = re.compile(r"^[a-z][a-z0-9_]{0,63}\Z")
_PATH = re.compile(r"^/[A-Za-z0-9._+@/-]*\Z")


def listen_address(text):
    """(host, port) of ADDRESS:PORT, [IPV6]:PORT or :PORT (every address)."""
    if not isinstance(text, str):
        fail(LISTEN_VARIABLE, text, "must be ADDRESS:PORT, [IPV6-ADDRESS]:PORT or :PORT")
    match = re.match(r"^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]*)):([0-9]{1,5})\Z", text)
    if match is None:
        fail(LISTEN_VARIABLE, text, "must be ADDRESS:PORT, [IPV6-ADDRESS]:PORT or :PORT "
                                    "(an address, not a host name)")
    host = match.group(1) if match.group(1) is not None else match.group(2)
    port = int(match.group(3))
    if not 1 <= port <= 65535:
        fail(LISTEN_VARIABLE, text, "the port must be 1 to 65535")
    if host:
        try:
            parsed = ipaddress.ip_address(host)
        except ValueError:
            fail(LISTEN_VARIABLE, text, "%r is not an IP address" % host)
        if (parsed.version == 6) != (match.group(1) is not None):
            fail(LISTEN_VARIABLE, text, "an IPv6 address goes in brackets, an IPv4 one does not")
        host = str(parsed)
    return host, port


def collectors(names):
    """The collectors to name, sorted, with the required ones; None for node_exporter's
    default set (where the required ones are on too, and named all the same)."""
    if names is None:
        return None
    if not isinstance(names, (list, tuple)):
        fail(COLLECTORS_VARIABLE, names, "must be a list of collector names, or null for "
                                         "node_exporter's default set")
    for index, name in enumerate(names):
        if not isinstance(name, str) or not _COLLECTOR.match(name):
            fail("%s[%d]" % (COLLECTORS_VARIABLE, index), name,
                 "must be a collector's name (lower case letters, digits, _), e.g. netdev")
    return sorted(set(names) | set(REQUIRED_COLLECTORS))


def textfile_directory(path):
    if not isinstance(path, str) or not _PATH.match(path) or path.rstrip("/") == "":
        fail(TEXTFILE_VARIABLE, path, "must be an absolute path of plain characters "
                                      "(letters, digits, . _ + @ - /)")
    return path.rstrip("/")


def exporter_args(listen, names, directory):
    """The exporter's arguments, as a list of words."""
    host, port = listen_address(listen)
    shown = "[%s]" % host if ":" in host else host
    words = ["--web.listen-address=%s:%d" % (shown, port)]
    chosen = collectors(names)
    if chosen is None:
        chosen = list(REQUIRED_COLLECTORS)
    else:
        words.append("--collector.disable-defaults")
    words += ["--collector.%s" % name for name in chosen]
    words.append("--collector.textfile.directory=%s" % textfile_directory(directory))
    return words


def exporter_defaults(listen, names, directory):
    """/etc/default/prometheus-node-exporter: the header and ARGS."""
    return HEADER + 'ARGS="%s"\n' % " ".join(exporter_args(listen, names, directory))
