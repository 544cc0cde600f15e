# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the description's ``routers``: interfaces, NAT address, IPVS owner, VRRP
(routers.vrrp) and connection sync (routers.sync).

Why apart: VRRP and sync depend on the services (the families the VRRP instances advertise
in, whether there is a NAT instance), so cluster_model validates the services between
router_settings() and vrrp() / sync(). Each key is checked on its own and every mistake is
recorded; a value left UNKNOWN by one skips the checks that need it.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from collections import namedtuple
from decimal import Decimal

from ansible_collections.lvs.cluster.plugins.module_utils.cluster_errors import (
    ROOT,
    UNKNOWN,
    known,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_schema import (
    DEFAULT_IPVS_OWNER,
    FIRST_PRIORITY,
    IPVS_OWNERS,
    ROUTER_KEYS,
    SECOND_PRIORITY,
    SECRET_VARIABLE,
    SYNC_KEYS,
    UNICAST_PEER_KEYS,
    VRRP_KEYS,
    VRRP_SECRET_KEYS,
    Sync,
    Vrrp,
)
from ansible_collections.lvs.cluster.plugins.module_utils.cluster_values import (
    FALSE,
    TRUE,
    boolean,
    interface,
    nat_address,
    one_of,
    program,
    seconds,
    value_or,
)
from ansible_collections.lvs.cluster.plugins.module_utils.validation import (
    address as parse_address,
    fail,
    integer,
)

PATH = "%s.routers" % ROOT

# routers before VRRP and sync are validated: vrrp and sync are the dictionaries given
# (UNKNOWN when not one)
RouterSettings = namedtuple("RouterSettings", "public_interface private_interface nat_address "
                                              "ipvs_owner vrrp sync")


def router_settings(mistakes, given):
    """RouterSettings of routers (None or {} is an empty routers)."""
    given = given or {}
    if not mistakes.dictionary(PATH, given, ROUTER_KEYS):
        return RouterSettings(*[UNKNOWN] * len(RouterSettings._fields))
    nat = given.get("nat_address")
    settings = dict(
        public_interface=mistakes.parse(interface, "%s.public_interface" % PATH,
                                        given.get("public_interface"), True),
        private_interface=mistakes.parse(interface, "%s.private_interface" % PATH,
                                         given.get("private_interface"), False),
        nat_address=(mistakes.parse(nat_address, "%s.nat_address" % PATH, nat)
                     if nat is not None else None),
        ipvs_owner=mistakes.parse(one_of, "%s.ipvs_owner" % PATH, given.get("ipvs_owner"),
                                  IPVS_OWNERS, DEFAULT_IPVS_OWNER[bool(given.get("vrrp"))]),
        vrrp=given.get("vrrp") or {},
        sync=given.get("sync") or {})
    if not isinstance(settings["vrrp"], dict):
        mistakes.fail("%s.vrrp" % PATH, settings["vrrp"], "must be a dictionary")
        settings["vrrp"] = UNKNOWN
    return RouterSettings(**settings)


def vrrp_families(settings, services):
    """The family each VRRP instance advertises in: {"public": family, "private": family},
    "private" left out where there is no NAT service; UNKNOWN where mistakes hide it."""
    if services is UNKNOWN:
        return {"public": UNKNOWN, "private": UNKNOWN}
    vips, hidden, nat, maybe_nat = [], False, False, False
    for service in services:
        if service is UNKNOWN:
            hidden = maybe_nat = True
            continue
        if service.vips is UNKNOWN:
            hidden = True
        else:
            vips.extend(vip for vip in service.vips if vip is not UNKNOWN)
            hidden = hidden or not known(*service.vips)
        nat = nat or service.forwarding == "nat"
        maybe_nat = maybe_nat or service.forwarding is UNKNOWN
    # IPv4 if any VIP is IPv4
    if any(":" not in vip for vip in vips):
        families = {"public": "ipv4"}
    else:
        families = {"public": UNKNOWN if hidden else "ipv6"}
    address = settings.nat_address
    if address is UNKNOWN and (nat or maybe_nat):
        families["private"] = UNKNOWN
    elif address is not None and address is not UNKNOWN:
        if nat:
            families["private"] = address.family
        elif maybe_nat:
            families["private"] = UNKNOWN
    return families


def _has(families, instance):
    """The instance is known to be there (True), known not to be (False), or UNKNOWN."""
    if instance not in families:
        return False
    return True if families[instance] is not UNKNOWN else UNKNOWN


def _priorities(path, given, routers):
    if given is None:
        if routers is None:
            return None
        return dict((host, FIRST_PRIORITY if index == 0 else SECOND_PRIORITY - (index - 1))
                    for index, host in enumerate(routers))
    if not isinstance(given, dict) or not given:
        fail(path, given, "must be a dictionary {router host: priority}")
    priorities, owners = {}, {}
    for host in sorted(given, key=str):
        host_path = "%s.%s" % (path, host)
        if routers is not None and host not in routers:
            fail(host_path, given[host], "%s is not a router (lvs_routers: %s)"
                 % (host, ", ".join(routers) or "none"))
        value = given[host]
        if isinstance(value, bool) or not re.match(r"^\d+$", str(value).strip()) \
                or not 1 <= int(str(value).strip()) <= 254:
            fail(host_path, value, "must be an integer between 1 and 254 (VRRP keeps 0 for a "
                 "master giving up and 255 for the address owner)")
        priority = int(str(value).strip())
        if priority in owners:
            fail(host_path, value, "is %s's priority too: equal priorities leave the election to "
                 "the routers' addresses; give each router its own" % owners[priority])
        owners[priority] = host
        priorities[host] = priority
    for host in routers or []:
        if host not in priorities:
            fail(path, given, "has no priority for router %s: give every router one" % host)
    return priorities


def _unicast_peers(path, given, families):
    """False, True (each other router's address from its facts), or the peer addresses
    of each VRRP instance: {public: [...], private: [...]} (a list: public only)."""
    if given is None or isinstance(given, bool) or (isinstance(given, str) and
                                                    given.strip().lower() in TRUE + FALSE):
        return boolean(path, given) if given is not None else False
    private = _has(families, "private")
    if isinstance(given, list):
        if private is UNKNOWN:
            return UNKNOWN
        if private:
            fail(path, given, "a NAT cluster has two VRRP instances: give "
                 "{public: [...], private: [...]} (or true)")
        given = {"public": given}
        path_of = {"public": path}
    else:
        if not isinstance(given, dict):
            fail(path, given, "must be a dictionary")
        for key in given:
            if key not in UNICAST_PEER_KEYS:
                fail("%s.%s" % (path, key), given[key],
                     "is not an option here (known: %s)" % ", ".join(UNICAST_PEER_KEYS))
        path_of = {"public": "%s.public" % path, "private": "%s.private" % path}
    peers = {}
    for instance in sorted(families):
        if families[instance] is UNKNOWN:
            peers[instance] = UNKNOWN
            continue
        addresses = given.get(instance)
        if not isinstance(addresses, list) or not addresses:
            fail(path_of.get(instance, "%s.%s" % (path, instance)), addresses,
                 "must list the %s VRRP instance's peer addresses" % instance)
        parsed = []
        for index, text in enumerate(addresses):
            address, family = parse_address("%s[%d]" % (path_of[instance], index), text)
            if family != families[instance]:
                fail("%s[%d]" % (path_of[instance], index), text,
                     "is %s but the %s VRRP instance advertises over %s"
                     % (family, instance, families[instance]))
            parsed.append(address)
        peers[instance] = parsed
    for instance in given:
        if instance not in families:
            fail(path_of[instance], given[instance], "this cluster has no %s VRRP instance "
                 "(no NAT address)" % instance)
    return peers


def vrrp(mistakes, given, routers, owner, families, interfaces):
    """The Vrrp of routers.vrrp, None where keepalived does not run (no vrrp, one router,
    ipvs_owner static), UNKNOWN where mistakes hide it. routers: lvs_routers' hosts or None;
    interfaces: {"public": name, "private": name or None}."""
    path = "%s.vrrp" % PATH
    if given is UNKNOWN:
        return UNKNOWN
    secrets = [key for key in VRRP_SECRET_KEYS if key in given]
    for key in secrets:
        mistakes.fail("%s.%s" % (path, key), "(hidden)", "a secret does not belong in lvs_cluster, "
                      "which is printed and logged: set the role variable %s (no_log) instead"
                      % SECRET_VARIABLE)
    if not mistakes.dictionary(path, given, VRRP_KEYS, hidden=VRRP_SECRET_KEYS) or secrets:
        return UNKNOWN
    several = routers is not None and len(routers) > 1
    if not given and not several:
        if not known(owner):
            return UNKNOWN
        if owner != "keepalived":
            return None
    vrrp = dict.fromkeys(Vrrp._fields)
    if given.get("virtual_router_id") is None:
        mistakes.fail("%s.virtual_router_id" % path, None, "is required: keepalived runs VRRP on "
                      "the routers (%s)" % ("ipvs_owner: keepalived" if owner == "keepalived"
                                            else "more than one router"))
        vrid = UNKNOWN
    else:
        vrid = mistakes.parse(integer, "%s.virtual_router_id" % path, given["virtual_router_id"],
                              1, 255)
    vrrp["virtual_router_id"] = vrid
    vrrp["private_virtual_router_id"] = _private_id(mistakes, path, given, vrid, families,
                                                    interfaces)
    version = vrrp["version"] = mistakes.parse(integer, "%s.version" % path,
                                               value_or(given, "version", 3), 2, 3)
    if version == 2:
        for instance, family in sorted(families.items()):
            if family == "ipv6":
                mistakes.fail("%s.version" % path, given.get("version"), "the %s VRRP instance "
                              "advertises over IPv6, which is VRRPv3 only" % instance)
                version = UNKNOWN
                break
    # keepalived vrrp.c: VRRPv2 carries whole seconds (1-255), VRRPv3 centiseconds in 12
    # bits (0.01-40.95)
    interval_path, interval = "%s.advert_interval" % path, value_or(given, "advert_interval", 1)
    if version == 2:
        vrrp["advert_interval"] = mistakes.parse(seconds, interval_path, interval, 1, 255, None,
                                                 True)
    elif version == 3:
        vrrp["advert_interval"] = mistakes.parse(seconds, interval_path, interval,
                                                 Decimal("0.01"), Decimal("40.95"), Decimal("0.01"))
    else:
        vrrp["advert_interval"] = UNKNOWN
    vrrp["priorities"] = mistakes.parse(_priorities, "%s.priorities" % path,
                                        given.get("priorities"), routers)
    preempt = vrrp["preempt"] = mistakes.parse(boolean, "%s.preempt" % path,
                                               value_or(given, "preempt", True))
    if given.get("preempt_delay") is not None:
        if preempt is False:
            mistakes.fail("%s.preempt_delay" % path, given["preempt_delay"],
                          "has no effect with preempt: false")
            vrrp["preempt_delay"] = UNKNOWN
        else:
            vrrp["preempt_delay"] = mistakes.parse(seconds, "%s.preempt_delay" % path,
                                                   given["preempt_delay"], 0, 1000)
    vrrp["unicast_peers"] = mistakes.parse(_unicast_peers, "%s.unicast_peers" % path,
                                           given.get("unicast_peers"), families)
    for key, low in (("garp_master_delay", 0), ("garp_master_repeat", 1),
                     ("garp_master_refresh", 0), ("garp_master_refresh_repeat", 1)):
        if given.get(key) is not None:
            vrrp[key] = mistakes.parse(integer, "%s.%s" % (path, key), given[key], low, 86400)
    for key in ("garp_interval", "gna_interval"):
        if given.get(key) is not None:
            vrrp[key] = mistakes.parse(seconds, "%s.%s" % (path, key), given[key], 0, 1)
    if given.get("notify") is not None:
        vrrp["notify"] = mistakes.parse(program, "%s.notify" % path, given["notify"])
    return Vrrp(**vrrp)


def _private_id(mistakes, path, given, vrid, families, interfaces):
    """The private instance's id: its own, else the public one's."""
    key_path = "%s.private_virtual_router_id" % path
    private = _has(families, "private")
    if given.get("private_virtual_router_id") is not None:
        private_id = mistakes.parse(integer, key_path, given["private_virtual_router_id"], 1, 255)
        if known(private_id) and private is False:
            mistakes.fail(key_path, given["private_virtual_router_id"],
                          "this cluster has no private VRRP instance (no NAT service)")
            return UNKNOWN
    else:
        private_id = vrid
    if known(*interfaces.values()) and interfaces["private"] == interfaces["public"] \
            and private is True and known(private_id, vrid) and private_id == vrid:
        mistakes.fail(key_path, given.get("private_virtual_router_id"),
                      "the public and private VRRP instances share one interface: give the "
                      "private one its own id")
        return UNKNOWN
    return private_id


def sync(mistakes, given, routers, vrrp, interfaces):
    """The Sync of routers.sync: on by default with more than one router; it needs VRRP."""
    path = "%s.sync" % PATH
    if given is UNKNOWN or not mistakes.dictionary(path, given, SYNC_KEYS):
        return UNKNOWN
    default = routers is not None and len(routers) > 1
    enabled = mistakes.parse(boolean, "%s.enabled" % path, value_or(given, "enabled", default))
    if enabled is UNKNOWN:
        return UNKNOWN
    if not enabled:
        return Sync(False, None, None)
    if vrrp is None:
        mistakes.fail("%s.enabled" % path, value_or(given, "enabled", default), "connection sync "
                      "follows the VRRP master: set routers.vrrp (virtual_router_id) first")
        return UNKNOWN
    name = mistakes.parse(interface, "%s.interface" % path, given.get("interface"), False)
    if name is None:
        name = interfaces["private"] if interfaces["private"] is not None else interfaces["public"]
    if given.get("sync_id") is not None:
        sync_id = mistakes.parse(integer, "%s.sync_id" % path, given["sync_id"], 0, 255)
    else:
        sync_id = vrrp.virtual_router_id if vrrp is not UNKNOWN else UNKNOWN
    return Sync(True, name, sync_id)
