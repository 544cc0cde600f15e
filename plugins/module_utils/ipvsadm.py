# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ipvsadm as a back end: parse its outputs, render its command lines, run it.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax.

Measured with ipvsadm 1.31 on Linux 6.1 (tests/unit/fixtures/ipvs/record.sh records the
outputs the unit tests use):

- ``-S`` drops the thresholds: they come from ``-L --thresholds``;
- ``-L`` abbreviates counters (K, M) unless ``--exact``; names resolve unless ``-n``;
- IPv6 addresses are bracketed: ``[2001:db8::1]:80``;
- firewall marks of 2^31 and more print as negative numbers (signed 32 bit);
- ``-R`` does not stop at a line the kernel refuses: it prints the error on stderr, goes
  on with the next line, and exits with the status of the *last* line (0 when the last
  line worked). Only a line it cannot parse stops it (status 255). So a batch is checked
  by its stderr and by reading the table again, never by the exit status alone;
- ``-E`` without an option resets it (scheduler to wlc, persistence off, flags off), so
  every edit line carries the service's complete settings;
- ``-M 24`` on an IPv4 service is taken as the netmask 0.0.0.24: always render dotted;
- under dr/tun ipvsadm silently replaces a real server's port by the service's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError, command_text
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import (
    Destination,
    Service,
    desired_service,
    format_hostport,
    resolve_destination,
    resolve_service,
    sorted_destinations,
    sorted_services,
)

IPVSADM = "ipvsadm"
_PROTO_OPTION = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}
_OPTION_PROTO = {"-t": "tcp", "--tcp-service": "tcp", "-u": "udp", "--udp-service": "udp",
                 "--sctp-service": "sctp"}
_LIST_PROTO = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp", "FWM": "fwmark"}
_METHOD_OPTION = {"nat": "-m", "dr": "-g", "tun": "-i"}
_OPTION_METHOD = {"-m": "nat", "--masquerading": "nat", "-g": "dr", "--gatewaying": "dr",
                  "-i": "tun", "--ipip": "tun"}
_LIST_METHOD = {"Masq": "nat", "Route": "dr", "Tunnel": "tun", "Local": "dr"}


class ParseError(CommandError):
    """ipvsadm printed what this parser does not understand."""


def unsigned_mark(text):
    """ipvsadm 1.31 prints marks >= 2^31 as negative numbers: map them back."""
    return int(text) & 0xFFFFFFFF


def split_hostport(text):
    """('2001:db8::1', 80) from '[2001:db8::1]:80'; ('192.0.2.1', 80) from '192.0.2.1:80'."""
    if text.startswith("["):
        end = text.index("]")
        address = text[1:end]
        rest = text[end + 1:]
        port = int(rest[1:]) if rest.startswith(":") else 0
        return address, port
    if text.count(":") == 1:
        address, port = text.split(":")
        return address, int(port)
    return text, 0


def family_of(address):
    return "ipv6" if ":" in address else "ipv4"


# ---------------------------------------------------------------------------------------
# ipvsadm -Sn
# ---------------------------------------------------------------------------------------

def _service_key_from_tokens(tokens, position):
    """(protocol, address, port, fwmark, family, next position)."""
    option = tokens[position]
    value = tokens[position + 1]
    if option in _OPTION_PROTO:
        address, port = split_hostport(value)
        return _OPTION_PROTO[option], address, port, None, family_of(address), position + 2
    if option in ("-f", "--fwmark-service"):
        return "fwmark", None, None, unsigned_mark(value), "ipv4", position + 2
    raise ParseError("no virtual service in %r" % " ".join(tokens))


def parse_save(text):
    """{service key: Service} from `ipvsadm -Sn` (thresholds are 0: -S does not save them)."""
    table = {}
    order = []
    for number, line in enumerate(text.splitlines(), 1):
        tokens = line.split()
        if not tokens:
            continue
        command = tokens[0]
        if command not in ("-A", "-a"):
            raise ParseError("ipvsadm -Sn line %d: unexpected %r" % (number, line))
        protocol, address, port, fwmark, family, i = _service_key_from_tokens(tokens, 1)
        options = {}
        while i < len(tokens):
            token = tokens[i]
            if token in ("-6", "--ipv6"):
                family = "ipv6"
                i += 1
            elif token in ("-o", "--ops"):
                options["one_packet"] = True
                i += 1
            elif token in _OPTION_METHOD:
                options["method"] = _OPTION_METHOD[token]
                i += 1
            elif token in ("--tun-nocsum", "--tun-csum", "--tun-remcsum"):
                options["tunnel_checksum"] = token[len("--tun-"):]
                i += 1
            elif token in ("-s", "--scheduler", "-p", "--persistent", "-M", "--netmask", "--pe",
                           "-b", "--sched-flags", "-r", "--real-server", "-w", "--weight",
                           "-x", "--u-threshold", "-y", "--l-threshold", "--tun-type", "--tun-port"):
                if i + 1 >= len(tokens):
                    raise ParseError("ipvsadm -Sn line %d: %s without a value" % (number, token))
                options[token.lstrip("-")] = tokens[i + 1]
                i += 2
            else:
                raise ParseError("ipvsadm -Sn line %d: unknown token %r in %r" % (number, token, line))
        if command == "-A":
            service = _service_from_save(protocol, address, port, fwmark, family, options)
            table[service.key] = service
            order.append(service.key)
        else:
            key = ("fwmark", family, fwmark) if protocol == "fwmark" else (protocol, address, port)
            if key not in table:
                raise ParseError("ipvsadm -Sn line %d: real server of an unknown service" % number)
            dest = _destination_from_save(options)
            table[key].destinations[dest.key] = dest
    return table


def _service_from_save(protocol, address, port, fwmark, family, options):
    timeout = int(options.get("p", options.get("persistent", 0)))
    netmask = options.get("M", options.get("netmask"))
    if netmask is not None and family == "ipv6":
        netmask = int(netmask)
    flags = options.get("b", options.get("sched-flags"))
    return Service(protocol=protocol, vip=address, port=port, fwmark=fwmark, family=family,
                   scheduler=options.get("s", options.get("scheduler", "wlc")),
                   scheduler_flags=flags.split(",") if flags else (),
                   persistence_timeout=timeout, persistence_netmask=netmask,
                   persistence_engine=options.get("pe") if timeout else None,
                   one_packet=options.get("one_packet", False))


def _destination_from_save(options):
    address, port = split_hostport(options.get("r", options.get("real-server")))
    tunnel_port = options.get("tun-port")
    return Destination(address=address, port=port, method=options.get("method", "dr"),
                       weight=int(options.get("w", options.get("weight", 1))),
                       upper_threshold=int(options.get("x", options.get("u-threshold", 0))),
                       lower_threshold=int(options.get("y", options.get("l-threshold", 0))),
                       tunnel_type=options.get("tun-type"),
                       tunnel_port=int(tunnel_port) if tunnel_port is not None else None,
                       tunnel_checksum=options.get("tunnel_checksum"))


# ---------------------------------------------------------------------------------------
# ipvsadm -Ln --exact [--thresholds | --stats | --rate ...]
# ---------------------------------------------------------------------------------------

def parse_list(text):
    """[(service key, [service fields]), [(destination key, [destination fields])]] in order.

    Works for every -Ln listing: the columns after the address are returned as strings.
    """
    result = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] in _LIST_PROTO:
            protocol = _LIST_PROTO[tokens[0]]
            if protocol == "fwmark":
                mark = unsigned_mark(tokens[1])
                rest = tokens[2:]
                family = "ipv4"
                if rest and rest[0] == "IPv6":
                    family = "ipv6"
                    rest = rest[1:]
                key = ("fwmark", family, mark)
            else:
                address, port = split_hostport(tokens[1])
                key = (protocol, address, port)
                rest = tokens[2:]
            result.append((key, rest, []))
        elif tokens[0] == "->" and len(tokens) > 1 and tokens[1][:1] in "[0123456789abcdef":
            if not result:
                raise ParseError("real server before any service: %r" % line)
            address, port = split_hostport(tokens[1])
            result[-1][2].append(((address, port), tokens[2:]))
    return result


def apply_thresholds(table, text):
    """Put the thresholds of `ipvsadm -Ln --exact --thresholds` into a parsed -Sn table."""
    for key, _fields, destinations in parse_list(text):
        service = table.get(key)
        if service is None:
            continue  # the table changed between the two reads; the next read settles it
        for dest_key, fields in destinations:
            dest = service.destinations.get(dest_key)
            if dest is not None and len(fields) >= 2:
                dest.upper_threshold = int(fields[0])
                dest.lower_threshold = int(fields[1])
    return table


def parse_counters(text, names):
    """{service key: {"service": {...}, "destinations": {dest key: {...}}}} of numbers."""
    counters = {}
    for key, fields, destinations in parse_list(text):
        entry = {"service": _numbers(names, fields), "destinations": {}}
        for dest_key, dest_fields in destinations:
            entry["destinations"][dest_key] = _numbers(names, dest_fields)
        counters[key] = entry
    return counters


def _numbers(names, fields):
    numbers = [f for f in fields if f.lstrip("-").isdigit()]
    return dict(zip(names, (int(f) for f in numbers[-len(names):])))


STATS = ("connections", "packets_in", "packets_out", "bytes_in", "bytes_out")
RATES = ("cps", "packets_in_per_second", "packets_out_per_second", "bytes_in_per_second",
         "bytes_out_per_second")
CONNECTIONS = ("upper_threshold", "lower_threshold", "active_connections", "inactive_connections")


def parse_timeout(text):
    """{'tcp': 900, 'tcpfin': 120, 'udp': 300} from `ipvsadm -Ln --timeout`."""
    for line in text.splitlines():
        if line.startswith("Timeout (tcp tcpfin udp):"):
            values = line.split(":", 1)[1].split()
            return dict(zip(("tcp", "tcpfin", "udp"), (int(v) for v in values)))
    raise ParseError("no timeouts in %r" % text)


def parse_daemon(text):
    """[{state, mcast_interface, syncid, ...}] from `ipvsadm -Ln --daemon`."""
    daemons = []
    for line in text.splitlines():
        line = line.strip()
        if not line.endswith(")") or " sync daemon (" not in line:
            continue
        state, rest = line.split(" sync daemon (", 1)
        entry = {"state": state}
        for item in rest[:-1].split(","):
            if "=" in item:
                name, value = item.strip().split("=", 1)
                name = {"mcast": "mcast_interface"}.get(name, name)
                entry[name] = int(value) if value.isdigit() else value
        daemons.append(entry)
    return daemons


# ---------------------------------------------------------------------------------------
# Rendering command lines (for ipvsadm -R, or as argv)
# ---------------------------------------------------------------------------------------

def service_id_args(service):
    if service.protocol == "fwmark":
        args = ["-f", str(service.fwmark)]
        if service.family == "ipv6":
            args.append("-6")
        return args
    return [_PROTO_OPTION[service.protocol], format_hostport(service.vip, service.port)]


def service_option_args(service):
    args = ["-s", service.scheduler]
    if service.scheduler_flags:
        args += ["-b", ",".join(service.scheduler_flags)]
    if service.persistence_timeout:
        args += ["-p", str(service.persistence_timeout)]
        args += ["-M", str(service.persistence_netmask)]
        if service.persistence_engine:
            args += ["--pe", service.persistence_engine]
    if service.one_packet:
        args.append("-o")
    return args


def destination_args(dest):
    args = ["-r", format_hostport(dest.address, dest.port), _METHOD_OPTION[dest.method],
            "-w", str(dest.weight), "-x", str(dest.upper_threshold), "-y", str(dest.lower_threshold)]
    if dest.method == "tun":
        args += ["--tun-type", dest.tunnel_type]
        if dest.tunnel_port is not None:
            args += ["--tun-port", str(dest.tunnel_port)]
        if dest.tunnel_checksum:
            args.append("--tun-" + dest.tunnel_checksum)
    return args


def render_operation(operation):
    """argv (without "ipvsadm") of one operation of ipvs_diff."""
    kind, service, dest = operation
    if kind == "add_service":
        return ["-A"] + service_id_args(service) + service_option_args(service)
    if kind == "edit_service":
        return ["-E"] + service_id_args(service) + service_option_args(service)
    if kind == "delete_service":
        return ["-D"] + service_id_args(service)
    if kind == "add_destination":
        return ["-a"] + service_id_args(service) + destination_args(dest)
    if kind == "edit_destination":
        return ["-e"] + service_id_args(service) + destination_args(dest)
    if kind == "delete_destination":
        return ["-d"] + service_id_args(service) + ["-r", format_hostport(dest.address, dest.port)]
    raise ValueError("unknown operation %r" % (kind,))


def render_restore(operations):
    """The stdin of `ipvsadm -R` for a list of operations."""
    return "".join(" ".join(render_operation(op)) + "\n" for op in operations)


def render_save(table):
    """The table as `ipvsadm -Sn` would print it plus thresholds (for reports and tests)."""
    lines = []
    for service in sorted_services(table.values()):
        lines.append(" ".join(["-A"] + service_id_args(service) + service_option_args(service)))
        for dest in sorted_destinations(service.destinations.values()):
            lines.append(" ".join(["-a"] + service_id_args(service) + destination_args(dest)))
    return "\n".join(lines) + ("\n" if lines else "")


def render_rules_file(entries):
    """The file ``ipvsadm-restore`` reads at boot (Debian's /etc/ipvsadm.rules, EL's
    /etc/sysconfig/ipvsadm) for ipvs_service's ``services`` list: the table exactly as the
    module would build it on an empty kernel, in ``ipvsadm-save -n`` form."""
    table = {}
    for entry in entries:
        desired = desired_service(entry)
        service = resolve_service(desired, None)
        for dest in desired.destinations or ():
            if dest.state != "absent":
                resolved = resolve_destination(dest, service, None)
                service.destinations[resolved.key] = resolved
        table[service.key] = service
    return render_save(table)


# ---------------------------------------------------------------------------------------
# Running ipvsadm through a callable run(argv, data=None) -> (rc, stdout, stderr)
# ---------------------------------------------------------------------------------------

class Ipvsadm(object):
    def __init__(self, run, binary=IPVSADM):
        self._run = run
        self.binary = binary

    def _call(self, args, data=None):
        rc, out, err = self._run([self.binary] + list(args), data)
        if rc != 0:
            raise CommandError("%s failed (rc=%s): %s" % (command_text([self.binary] + list(args)), rc,
                                                          (err or out).strip()), rc=rc, stderr=err)
        return out

    def read_table(self, thresholds=True):
        """{key: Service}: -Sn for everything, -Ln --exact --thresholds for the thresholds."""
        table = parse_save(self._call(["-Sn"]))
        if thresholds and any(s.destinations for s in table.values()):
            apply_thresholds(table, self._call(["-Ln", "--exact", "--thresholds"]))
        return table

    def active_connections(self):
        """{(service key, destination key): active connections} of the live table."""
        return dict((pair, active) for pair, (active, _inactive) in self.connections().items())

    def connections(self):
        """{(service key, destination key): (active, inactive connections)} of the live table."""
        counters = parse_counters(self._call(["-Ln", "--exact", "--thresholds"]), CONNECTIONS)
        return dict(((key, dest_key), (numbers.get("active_connections", 0), numbers.get("inactive_connections", 0)))
                    for key, entry in counters.items()
                    for dest_key, numbers in entry["destinations"].items())

    def commands(self, operations):
        """The operations as a result's commands (each line of the -R batch as its own command)."""
        return [command_text([self.binary] + render_operation(op)) for op in operations]

    def restore(self, operations):
        """Apply operations in one `ipvsadm -R`; returns (rc, stdout, stderr) untouched."""
        return self._run([self.binary, "-R"], render_restore(operations))

    def info(self):
        table = self.read_table(thresholds=False)
        connections = parse_counters(self._call(["-Ln", "--exact", "--thresholds"]), CONNECTIONS)
        stats = parse_counters(self._call(["-Ln", "--exact", "--stats"]), STATS)
        rates = parse_counters(self._call(["-Ln", "--exact", "--rate"]), RATES)
        timeouts = parse_timeout(self._call(["-Ln", "--timeout"]))
        daemons = parse_daemon(self._call(["-Ln", "--daemon"]))
        return build_info(table, connections, stats, rates, timeouts, daemons)


def build_info(table, connections, stats, rates, timeouts, daemons):
    services = []
    for service in sorted_services(table.values()):
        entry = service.settings()
        entry["stats"] = stats.get(service.key, {}).get("service", {})
        entry["rates"] = rates.get(service.key, {}).get("service", {})
        entry["destinations"] = []
        for dest in sorted_destinations(service.destinations.values()):
            item = dest.to_dict()
            conns = connections.get(service.key, {}).get("destinations", {}).get(dest.key, {})
            item["upper_threshold"] = conns.get("upper_threshold", 0)
            item["lower_threshold"] = conns.get("lower_threshold", 0)
            item["active_connections"] = conns.get("active_connections", 0)
            item["inactive_connections"] = conns.get("inactive_connections", 0)
            item["stats"] = stats.get(service.key, {}).get("destinations", {}).get(dest.key, {})
            item["rates"] = rates.get(service.key, {}).get("destinations", {}).get(dest.key, {})
            entry["destinations"].append(item)
        entry["active_connections"] = sum(d["active_connections"] for d in entry["destinations"])
        entry["inactive_connections"] = sum(d["inactive_connections"] for d in entry["destinations"])
        services.append(entry)
    return {"services": services, "timeouts": timeouts, "daemons": daemons}
