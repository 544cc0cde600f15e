# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real server's health check: the service's ``health_check`` merged with the real
server's own, validated key by key into a HealthCheck.

Why apart: it is the largest dictionary of the description (five check types, each with
its own keys) and keepalived_conf renders it; every key is checked on its own, so a check
with several wrong keys reports each of them.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import UNKNOWN, known
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import (
    HEALTH_CHECK_DEFAULTS,
    HEALTH_CHECK_KEYS,
    HEALTH_CHECK_TYPE_KEYS,
    HEALTH_CHECK_TYPES,
    ON_FAILURE,
    TYPE_SPECIFIC_KEYS,
    HealthCheck,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_values import (
    one_of,
    program,
    seconds,
    value_or,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    fail,
    integer,
    keepalived_string,
    port as parse_port,
)

_DIGEST = re.compile(r"^[0-9a-fA-F]{32}\Z")
_VIRTUAL_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}\Z")
MAX_TEXT = 4096


def health_check(mistakes, sources, where, protocols, port):
    """The HealthCheck of sources: [(path, the dictionary given or None)], later ones win
    and a later one naming a type starts afresh (the service's, then a real server's).
    where: the path named for a key no source gives (the service's health_check). port:
    the port checked unless the check names one.

    None when there is none and the service has no TCP to connect to; UNKNOWN where a
    mistake (recorded in mistakes) leaves it unknown."""
    merged, path_of, usable = {}, {}, True
    for path, given in sources:
        if given is None:
            continue
        if given is UNKNOWN or not mistakes.dictionary(path, given, HEALTH_CHECK_KEYS):
            usable = False
            continue
        if "type" in given:
            merged, path_of = {}, {}
        for key in given:
            merged[key] = given[key]
            path_of[key] = "%s.%s" % (path, key)
    if not usable:
        return UNKNOWN

    def at(key):
        return path_of.get(key, "%s.%s" % (where, key))

    if not merged:
        if not known(protocols):
            return UNKNOWN
        if "tcp" not in protocols:
            return None
    check = dict.fromkeys(HealthCheck._fields)
    kind = check["type"] = mistakes.parse(one_of, at("type"), merged.get("type"),
                                          HEALTH_CHECK_TYPES, "tcp")
    allowed = HEALTH_CHECK_TYPE_KEYS[kind] if known(kind) else ()
    if known(kind):
        for key in sorted(merged):
            if key in TYPE_SPECIFIC_KEYS and key not in allowed:
                mistakes.fail(at(key), merged[key], "is not an option of a %s check (it takes %s)"
                              % (kind, ", ".join(allowed) or "only the common options"))
        if kind != "program" and known(protocols) and "tcp" not in protocols:
            mistakes.fail(at("type"), value_or(merged, "type", "tcp"), "a %s check needs TCP "
                          "and this service is %s: use a program check"
                          % (kind, "/".join(protocols)))
    check["port"] = (mistakes.parse(parse_port, at("port"), merged["port"], 1)
                     if merged.get("port") is not None else port)
    for key, parser, low, high in (("interval", seconds, Decimal("0.01"), 86400),
                                   ("timeout", seconds, Decimal("0.01"), 3600),
                                   ("retry", integer, 0, 100),
                                   ("delay_before_retry", seconds, 0, 3600)):
        check[key] = mistakes.parse(parser, at(key),
                                    value_or(merged, key, HEALTH_CHECK_DEFAULTS[key]), low, high)
    check["on_failure"] = mistakes.parse(one_of, at("on_failure"), merged.get("on_failure"),
                                         ON_FAILURE, HEALTH_CHECK_DEFAULTS["on_failure"])
    if kind in ("http", "https"):
        _http(mistakes, check, merged, at)
    elif kind == "send_expect":
        check["send"] = mistakes.parse(_text, at("send"), value_or(merged, "send", ""), True)
        check["expect"] = mistakes.parse(_text, at("expect"), merged.get("expect"), False)
    elif kind == "program":
        check["program"] = mistakes.parse(program, at("program"), merged.get("program"))
    # where the free-form values came from: keepalived_conf names them when a line they make
    # is longer than keepalived reads
    check["paths"] = dict((key, at(key)) for key in allowed)
    return HealthCheck(**check)


def _http(mistakes, check, merged, at):
    check["path"] = mistakes.parse(_url_path, at("path"), merged.get("path"), check["type"])
    codes = value_or(merged, "status_codes", [200])
    if not isinstance(codes, list) or not codes:
        mistakes.fail(at("status_codes"), codes, "must be a list of HTTP status codes, e.g. [200]")
        check["status_codes"] = UNKNOWN
    else:
        parsed = [mistakes.parse(integer, "%s[%d]" % (at("status_codes"), index), code, 100, 599)
                  for index, code in enumerate(codes)]
        check["status_codes"] = sorted(set(parsed)) if known(*parsed) else UNKNOWN
    digest = merged.get("digest")
    if digest is not None and (not isinstance(digest, str) or not _DIGEST.match(digest)):
        mistakes.fail(at("digest"), digest, "must be an MD5 digest: 32 hexadecimal digits "
                      "(keepalived's genhash prints it)")
        digest = UNKNOWN
    check["digest"] = digest.lower() if isinstance(digest, str) else digest
    host = merged.get("virtual_host")
    if host is not None and (not isinstance(host, str) or not _VIRTUAL_HOST.match(host)):
        mistakes.fail(at("virtual_host"), host, "must be a host name (the HTTP Host header)")
        host = UNKNOWN
    check["virtual_host"] = host


def _url_path(path, value, kind):
    if value is None:
        fail(path, None, "is required by a %s check: the URL path to GET, e.g. /" % kind)
    keepalived_string(path, value, "a URL path")
    if not value.startswith("/") or re.search(r"\s", value):
        fail(path, value, "must start with / and have no spaces (percent-encode them)")
    return value


def _text(path, value, may_be_empty):
    """send (may be empty) or expect of a send_expect check."""
    if may_be_empty:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            fail(path, value, "must be a string of at most %d characters (empty: send nothing "
                 "and read the server's greeting)" % MAX_TEXT)
    elif not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        fail(path, value, "must be a non-empty string of at most %d characters: what the reply "
             "must contain" % MAX_TEXT)
    return value
