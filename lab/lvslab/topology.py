"""The lab's address plan: pure data, no side effects.

Three segments live on bridges inside the lab's own network namespace:
- mgmt    203.0.113.0/24   SSH from the controller only (never carries test traffic)
- public  192.0.2.0/24     client, VIPs, the routers' public NICs
- private 198.51.100.0/24  the routers' private NICs and the real servers
The hub namespace owns the bridges and is also the "upstream gateway" (.254 on the
public and private segments), which direct-routing real servers answer clients through.
"""

import os
import re
from dataclasses import dataclass, field

# Namespace names are global; everything else (bridges, taps) lives inside them. A second
# lab (another checkout, a CI run, a helper) picks another instance name.
INSTANCE = os.environ.get("LVS_LAB_INSTANCE", "lvslab")
if not re.fullmatch(r"[a-z][a-z0-9-]{0,11}", INSTANCE):
    raise ValueError(f"LVS_LAB_INSTANCE={INSTANCE!r}: use 1-12 of a-z, 0-9, '-', starting with a letter")
HUB_NETNS = INSTANCE
CLIENT_NETNS = f"{INSTANCE}-client"

SEGMENTS = {
    # name: (bridge, IPv4 prefix, IPv6 prefix)
    "mgmt": ("lvsbr-mgmt", "203.0.113", None),
    "public": ("lvsbr-pub", "192.0.2", "2001:db8:2:"),
    "private": ("lvsbr-priv", "198.51.100", "2001:db8:51:"),
}
GATEWAY_HOST = 254          # the hub's address on every segment
CLIENT_HOST = 100           # the client's address on the public segment


@dataclass(frozen=True)
class Nic:
    segment: str
    host: int               # last octet / IPv6 interface id on that segment

    @property
    def bridge(self):
        return SEGMENTS[self.segment][0]

    @property
    def ipv4(self):
        return f"{SEGMENTS[self.segment][1]}.{self.host}"

    @property
    def ipv6(self):
        prefix = SEGMENTS[self.segment][2]
        return f"{prefix}:{self.host}" if prefix else None


@dataclass(frozen=True)
class Guest:
    name: str
    group: str
    index: int              # unique small number: taps, MACs
    nics: tuple = field(default_factory=tuple)   # vec0, vec1, ... in this order
    mem_mb: int = 384

    @property
    def mgmt_ip(self):
        return self.nics[0].ipv4

    def nic(self, segment):
        """This guest's Nic on `segment`, or None."""
        return next((nic for nic in self.nics if nic.segment == segment), None)

    def nic_name(self, segment):
        """The guest's interface name on `segment` (vec0, vec1, ...), or None."""
        nic = self.nic(segment)
        return f"vec{self.nics.index(nic)}" if nic else None

    def tap(self, number):
        return f"lvst{self.index}n{number}"

    def mac(self, number):
        return f"02:4c:56:00:{self.index:02x}:{number:02x}"


def _router(name, index, host):
    return Guest(name, "lab_routers", index,
                 (Nic("mgmt", host), Nic("public", host), Nic("private", host)))


def _real_server(name, index, host):
    return Guest(name, "lab_real_servers", index,
                 (Nic("mgmt", host), Nic("private", host)), mem_mb=256)


GUESTS = (
    _router("router1", 1, 11),
    _router("router2", 2, 12),
    _real_server("rs1", 3, 21),
    _real_server("rs2", 4, 22),
    _real_server("rs3", 5, 23),
)


def guest(name):
    for candidate in GUESTS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no lab guest named {name!r}; the lab has {', '.join(g.name for g in GUESTS)}")


def gateway(segment):
    return Nic(segment, GATEWAY_HOST)


def gateway_mac(segment):
    """The hub's fixed MAC on `segment` (its bridge's). A bridge without one takes the
    lowest MAC of its ports, so a guest's reboot (its taps leave and come back) could change
    the gateway's MAC under the other guests, whose neighbour entries then send replies to
    the old one for several seconds: seen as a few lost requests after a reboot."""
    return f"02:4c:56:fe:00:{list(SEGMENTS).index(segment):02x}"


def client():
    return Nic("public", CLIENT_HOST)
