"""The lab's networks: a hub namespace holding one bridge per segment, and a client
namespace on the public segment. Everything lives in namespaces the lab creates, so
no test traffic ever reaches the host's own interfaces."""

from . import topology as topo
from .run import in_netns, ok, run

_OFFLOADS = ("tso", "gso", "gro", "tx", "sg")
_HUB_SYSCTLS = (
    "net.ipv4.ip_forward=1",          # the hub is the direct-routing real servers' gateway
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
)


def netns_exists(name):
    return name in [line.split()[0] for line in run(["ip", "netns", "list"]).stdout.splitlines() if line]


def hub(argv):
    return run(in_netns(topo.HUB_NETNS, argv))


def offloads_off(netns, device):
    # With offloads on, traffic into UML guests crawls (LAB-NOTES: 5.5 s vs 0.23 s).
    argv = ["ethtool", "-K", device]
    for feature in _OFFLOADS:
        argv += [feature, "off"]
    run(in_netns(netns, argv), check=False)


def _add_address(netns, device, nic):
    run(in_netns(netns, ["ip", "addr", "replace", f"{nic.ipv4}/24", "dev", device]))
    if nic.ipv6:
        run(in_netns(netns, ["ip", "-6", "addr", "replace", f"{nic.ipv6}/64", "dev", device, "nodad"]))


def create_hub():
    run(["ip", "netns", "add", topo.HUB_NETNS])
    hub(["ip", "link", "set", "lo", "up"])
    for argv in _HUB_SYSCTLS:
        hub(["sysctl", "-qw", argv])
    for segment, (bridge, _, _) in topo.SEGMENTS.items():
        hub(["ip", "link", "add", bridge, "address", topo.gateway_mac(segment),
             "type", "bridge", "forward_delay", "0"])
        hub(["ip", "link", "set", bridge, "up"])
        offloads_off(topo.HUB_NETNS, bridge)
        _add_address(topo.HUB_NETNS, bridge, topo.gateway(segment))


def create_client():
    """The client host: its own namespace, a veth into the public bridge."""
    run(["ip", "netns", "add", topo.CLIENT_NETNS])
    hub(["ip", "link", "add", "lvsveth-client", "type", "veth", "peer", "name", "eth0",
         "netns", topo.CLIENT_NETNS])
    hub(["ip", "link", "set", "lvsveth-client", "master", topo.SEGMENTS["public"][0], "up"])
    client = ["ip", "netns", "exec", topo.CLIENT_NETNS]
    run([*client, "ip", "link", "set", "lo", "up"])
    run([*client, "ip", "link", "set", "eth0", "up"])
    _add_address(topo.CLIENT_NETNS, "eth0", topo.client())
    run([*client, "ip", "route", "replace", "default", "via", topo.gateway("public").ipv4])
    run([*client, "ip", "-6", "route", "replace", "default", "via", topo.gateway("public").ipv6])


def create_taps(guest):
    for number, nic in enumerate(guest.nics):
        tap = guest.tap(number)
        if not ok(in_netns(topo.HUB_NETNS, ["ip", "link", "show", tap])):
            hub(["ip", "tuntap", "add", "dev", tap, "mode", "tap"])
        hub(["ip", "link", "set", tap, "master", nic.bridge, "up"])
        offloads_off(topo.HUB_NETNS, tap)


def delete_taps(guest):
    for number in range(len(guest.nics)):
        run(in_netns(topo.HUB_NETNS, ["ip", "link", "del", guest.tap(number)]), check=False)


def netns_pids(name):
    done = run(["ip", "netns", "pids", name], check=False)
    return [int(pid) for pid in done.stdout.split()] if done.returncode == 0 else []


def delete_netns(name):
    if netns_exists(name):
        run(["ip", "netns", "del", name])
