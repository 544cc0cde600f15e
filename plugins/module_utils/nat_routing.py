# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of the nat_routing module: how a NAT real server's replies reach the routers.

A NAT reply leaves with the real server's own address as its source and must go back
through the routers' floating NAT address (they rewrite it again); a direct-routing or
tunnelling reply leaves with the VIP as its source and must NOT (the routers hold the VIP
and drop it as a martian): it leaves by the host's own default gateway. So the main table's
default route is never touched; source policy routing sends only the NAT replies to the
routers (the wg-quick pattern):

    PRIORITY_SUPPRESS: from all lookup main suppress_prefixlength 0
        main still decides whatever it has a more specific route for (the LAN, the routers'
        health checks, any route the host's administrator added); only its default is
        skipped here
    PRIORITY_FROM:     from <each NAT real-server address of the host> lookup TABLE
    TABLE:             default via <NAT address>

Everything the collection sets is recognisable by those numbers: a rule at one of the two
priorities and any route in TABLE are the collection's (and removed when not wanted);
nothing else is ever changed. The same state is restored at boot by UNIT_NAME, whose text
unit_text() renders (the real_server role writes it with its other boot files).

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax. Commands go through
run(argv) -> (rc, out, err).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json

from ansible_collections.lvs.cluster.plugins.module_utils.command import ApplyError, CommandError, command_text
from ansible_collections.lvs.cluster.plugins.module_utils.validation import address as parse_address
from ansible_collections.lvs.cluster.plugins.module_utils.validation import address_sort_key
from ansible_collections.lvs.cluster.plugins.module_utils.validation import fail

# One number for the table and the rule that uses it, one below for the suppressor: just
# before main's own rule (32766), after any rule of the host's administrator.
TABLE = 32701
PRIORITY_SUPPRESS = 32700
PRIORITY_FROM = 32701
PRIORITIES = (PRIORITY_SUPPRESS, PRIORITY_FROM)
UNIT_NAME = "lvs-cluster-nat-route.service"
FAMILIES = ("ipv4", "ipv6")
_FLAG = {"ipv4": "-4", "ipv6": "-6"}
# the program the commands name; the module runs the path command.find_executable found
IP = "ip"


def validate(gateway, sources):
    """(family, gateway, [sources]) from the module's options; (None, None, []) for no NAT."""
    if not gateway:
        if sources:
            fail("sources", sources, "needs a gateway (without one no NAT reply is routed)")
        return None, None, []
    gateway, family = parse_address("gateway", gateway)
    parsed = []
    for index, text in enumerate(sources or []):
        source, source_family = parse_address("sources[%d]" % index, text)
        if source_family != family:
            fail("sources[%d]" % index, text, "is %s but the gateway %s is %s" % (source_family, gateway, family))
        if source not in parsed:
            parsed.append(source)
    if not parsed:
        fail("sources", sources, "at least one NAT real-server address is needed with a gateway")
    return family, gateway, sorted(parsed, key=address_sort_key)


def wanted_rules(family, gateway, sources, of_family):
    """The collection's rules of one family, as `ip -j rule` prints them."""
    if gateway is None or family != of_family:
        return []
    return ([{"priority": PRIORITY_SUPPRESS, "src": "all", "table": "main", "suppress_prefixlen": 0}]
            + [{"priority": PRIORITY_FROM, "src": source, "table": str(TABLE)} for source in sources])


def _canonical_rule(rule):
    """A rule as comparable data: addresses in one spelling, the table as text."""
    rule = dict(rule)
    if rule.get("src") not in (None, "all"):
        rule["src"] = ipaddress.ip_address(u"%s" % rule["src"]).compressed
    if "table" in rule:
        rule["table"] = str(rule["table"])
    return rule


def parse_rules(rc, out, err, of_family):
    """The collection's rules (those at its priorities) from `ip -j -4|-6 rule`."""
    if rc != 0:
        raise CommandError("ip -j %s rule: %s" % (_FLAG[of_family], (err or out).strip()), rc=rc, stderr=err)
    try:
        rules = json.loads(out or "[]")
    except ValueError:
        raise CommandError("ip -j %s rule printed what is not JSON: %r" % (_FLAG[of_family], out[:200]))
    return [_canonical_rule(rule) for rule in rules if rule.get("priority") in PRIORITIES]


def parse_routes(rc, out, err, of_family):
    """The routes of TABLE from `ip -j -4|-6 route show table TABLE` (a table the kernel has
    never had answers rc 2 'FIB table does not exist': no routes)."""
    if rc != 0:
        if "does not exist" in (err or ""):
            return []
        raise CommandError("ip -j %s route show table %d: %s" % (_FLAG[of_family], TABLE, (err or out).strip()),
                           rc=rc, stderr=err)
    try:
        return json.loads(out or "[]")
    except ValueError:
        raise CommandError("ip -j %s route show table %d printed what is not JSON: %r"
                           % (_FLAG[of_family], TABLE, out[:200]))


def _route_is(route, gateway):
    return (route.get("dst") == "default" and "type" not in route and route.get("gateway") is not None
            and ipaddress.ip_address(u"%s" % route["gateway"]) == ipaddress.ip_address(u"%s" % gateway))


def _rule_argv(flag, verb, rule):
    argv = [IP, flag, "rule", verb, "priority", str(rule["priority"])]
    if rule.get("src", "all") != "all":
        argv += ["from", "%s/%s" % (rule["src"], rule["srclen"]) if "srclen" in rule else rule["src"]]
    if "table" in rule:
        argv += ["table", rule["table"]]
    if "suppress_prefixlen" in rule:
        argv += ["suppress_prefixlength", str(rule["suppress_prefixlen"])]
    return argv


def plan(family, gateway, sources, live_rules, live_routes):
    """The commands (argument lists) that make the live state the wanted one: per family
    the table, then the missing rules before the stale ones are deleted (a NAT reply
    always finds a rule). live_rules / live_routes: {family: [...]} as parsed."""
    commands = []
    for of_family in FAMILIES:
        flag = _FLAG[of_family]
        rules = list(live_rules.get(of_family, []))
        routes = list(live_routes.get(of_family, []))
        wanted = wanted_rules(family, gateway, sources, of_family)
        # the table is used by NAT replies alone: what is stale in it goes first (a
        # replace could otherwise rewrite a stale default the next command deletes)
        kept = False
        for route in routes:
            if wanted and not kept and _route_is(route, gateway):
                kept = True
            else:
                commands.append(_route_del(flag, route))
        if wanted and not kept:
            commands.append([IP, flag, "route", "replace", "default", "via", gateway, "table", str(TABLE)])
        remaining = list(rules)
        for rule in wanted:
            if rule in remaining:
                remaining.remove(rule)
            else:
                commands.append(_rule_argv(flag, "add", rule))
        commands.extend(_rule_argv(flag, "del", rule) for rule in remaining)
    return commands


def _route_del(flag, route):
    argv = [IP, flag, "route", "del"]
    if "type" in route:
        argv.append(route["type"])
    argv.append(route.get("dst", "default"))
    if route.get("gateway"):
        argv += ["via", route["gateway"]]
    if route.get("metric") is not None:
        argv += ["metric", str(route["metric"])]
    return argv + ["table", str(TABLE)]


def read(run, ip=IP):
    """({family: rules}, {family: routes}) of the collection, read from the host (ip: the
    program's path)."""
    rules, routes = {}, {}
    for of_family in FAMILIES:
        flag = _FLAG[of_family]
        rules[of_family] = parse_rules(*(run([ip, "-j", flag, "rule"]) + (of_family,)))
        routes[of_family] = parse_routes(*(run([ip, "-j", flag, "route", "show", "table", str(TABLE)])
                                           + (of_family,)))
    return rules, routes


def describe(rules, routes):
    """The collection's state as text lines (for diff): rules, then the table."""
    lines = []
    for of_family in FAMILIES:
        for rule in rules.get(of_family, []):
            lines.append(" ".join(_rule_argv(_FLAG[of_family], "", rule)[4:]))
        for route in routes.get(of_family, []):
            lines.append(" ".join(_route_del(_FLAG[of_family], route)[4:]))
    return "".join(line + "\n" for line in lines)


def wanted_state(family, gateway, sources):
    rules = dict((of_family, wanted_rules(family, gateway, sources, of_family)) for of_family in FAMILIES)
    routes = dict((of_family, [{"dst": "default", "gateway": gateway}] if rules[of_family] else [])
                  for of_family in FAMILIES)
    return rules, routes


def converge(run, gateway, sources, check_mode=False, diff=False, ip=IP):
    """Read, plan, and (unless check_mode) apply and read again; the module's result. ip:
    the path of the program the plan's commands name."""
    family, gateway, sources = validate(gateway, sources)
    live_rules, live_routes = read(run, ip)
    commands = plan(family, gateway, sources, live_rules, live_routes)
    result = dict(changed=bool(commands), commands=[command_text(argv) for argv in commands],
                  table=TABLE, priorities=list(PRIORITIES))
    if diff:
        want_rules, want_routes = wanted_state(family, gateway, sources)
        result["diff"] = {"before": describe(live_rules, live_routes), "after": describe(want_rules, want_routes)}
    if check_mode or not commands:
        return result
    for done, argv in enumerate(commands):
        rc, out, err = run([ip] + argv[1:])
        if rc != 0:
            raise ApplyError("%s: rc=%d: %s" % (command_text(argv), rc, (err or out).strip()),
                             dict(result, rc=rc, stderr=err, applied=result["commands"][:done]))
    after_rules, after_routes = read(run, ip)
    if plan(family, gateway, sources, after_rules, after_routes):
        raise ApplyError("after %s the collection's rules and table %d are still not as wanted: %s"
                         % ("; ".join(result["commands"]), TABLE, describe(after_rules, after_routes).strip()),
                         result)
    return result


def unit_text(gateway, sources):
    """The boot unit that sets the same state (nothing of it exists at boot); stopping it
    (also the first half of a restart) removes it again. '' when there is no NAT."""
    family, gateway, sources = validate(gateway, sources)
    if gateway is None:
        return ""
    flag = _FLAG[family]
    rules = wanted_rules(family, gateway, sources, family)
    # a rule that exists already makes `ip rule add` fail (a start by hand after the module
    # set them): each is deleted first, which may fail when it is not there
    start = ([" ".join([IP, flag, "route", "replace", "default", "via", gateway, "table", str(TABLE)])]
             + [line for rule in rules
                for line in ("-" + " ".join(_rule_argv(flag, "del", rule)), " ".join(_rule_argv(flag, "add", rule)))])
    stop = ([" ".join(_rule_argv(flag, "del", rule)) for rule in reversed(rules)]
            + [" ".join([IP, flag, "route", "del", "default", "via", gateway, "table", str(TABLE)])])
    return (
        "# Written by lvs.cluster (the real_server role); changes here are overwritten.\n"
        "# NAT real server: replies sourced from its NAT address(es) go back through the LVS\n"
        "# routers' floating NAT address (routing table %d, rules at priorities %d and %d);\n"
        "# every other reply, and the main table's default route, is left to the host.\n"
        "[Unit]\n"
        "Description=lvs.cluster source routing of NAT replies through the routers\n"
        "After=network.target\n"
        "Wants=network.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "RemainAfterExit=yes\n"
        "%s"
        "%s"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
        % (TABLE, PRIORITY_SUPPRESS, PRIORITY_FROM,
           "".join(("ExecStart=%s\n" % line) for line in start),
           "".join("ExecStop=-%s\n" % line for line in stop)))
