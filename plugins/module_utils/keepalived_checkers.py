# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived's own view of the IPVS table, from its checker process's dump file.

On SIGUSR1 to keepalived's main process, the checker process writes
``/tmp/keepalived_check.data`` (``check_print_data`` in ``keepalived/check/check_print.c``;
the format is ``dump_vs`` / ``dump_rs`` of ``keepalived/check/check_data.c``). This module
reads the format of keepalived **2.2.7** (Debian 12's) and nothing else: a line it does not
know inside a virtual or real server is an error, never skipped, so that another version's
format cannot be misread as a table. The global definitions and the health checkers'
sections are not read (keepalived's table is all in the LVS topology).

What is in the kernel, by ``keepalived/check/ipwrapper.c`` and ``ipvswrapper.c`` (v2.2.7):

- ``RS set`` is keepalived's own record of the real server being in the kernel:
  ``ipvs_cmd()`` sets it on the add and clears it on the delete, except with
  ``inhibit_on_failure``, where a delete becomes an edit to weight 0 and ``set`` stays;
- the kernel weight of a real server that is set is ``WEIGHT`` (``real_weight()`` of its
  effective weight, what ``ipvs_set_drule()`` sends) while ``alive = 1``, and 0 while
  ``alive = 0`` (only an inhibited one stays set when it fails);
- while the quorum is down and a sorry server is configured (``quorum_state_up = 0``;
  ``update_quorum_state()``), the sorry server is in the table with weight 1
  (``alloc_ssvr()``'s effective weight) and ``perform_quorum_state()`` has taken the alive
  real servers out: deleted, or with inhibit_on_failure edited to weight 0 (``set`` stays 1);
- a sorry server with ``sorry_server_inhibit`` is in the table all the time:
  ``init_service_vs()`` adds it with weight 0 while the quorum is up.

Pure logic: standard library only, no AnsibleModule, Python 3.8 syntax (runs on targets).
The signal and the wait for the file are in DumpRequest, on an injectable system.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re
import signal
import time

from ansible_collections.lvs.cluster.plugins.module_utils.command import CommandError
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_model import format_hostport, service_name
from ansible_collections.lvs.cluster.plugins.module_utils.validation import ValidationError, address as parse_address

DEFAULT_DUMP_FILE = "/tmp/keepalived_check.data"
DEFAULT_PID_FILE = "/run/keepalived.pid"

# keepalived's sorry server weight: alloc_ssvr() sets effective_weight = 1 and nothing
# changes it (clear_diff_s_srv() resets it to iweight = 1 on a reload).
SORRY_WEIGHT = 1


class DumpError(CommandError):
    """keepalived's dump file is missing, stale, or not in the format this module knows."""


class KeepalivedServer(object):
    """A real server or a sorry server as keepalived records it.

    port is the port the kernel entry has: keepalived sends the service's port (0 for a
    firewall mark) for every method but NAT (ipvs_cmd() in ipvswrapper.c).
    """

    def __init__(self, address, port, method, tunnel_type=None, tunnel_port=None,
                 tunnel_checksum=None, weight=SORRY_WEIGHT, alive=None, set_=None, inhibit=False):
        self.address = address
        self.port = port
        self.method = method
        self.tunnel_type = tunnel_type
        self.tunnel_port = tunnel_port
        self.tunnel_checksum = tunnel_checksum
        self.weight = weight
        self.alive = alive
        self.set = set_
        self.inhibit = inhibit

    @property
    def key(self):
        return (self.address, self.port)

    def ipvs_options(self, weight):
        """The entry as an ipvs_service destination (options of its list form)."""
        return dict(address=self.address, port=self.port, method=self.method, weight=weight,
                    upper_threshold=0, lower_threshold=0, tunnel_type=self.tunnel_type,
                    tunnel_port=self.tunnel_port, tunnel_checksum=self.tunnel_checksum)

    def __repr__(self):
        return "KeepalivedServer(%r)" % (self.__dict__,)


class VirtualServer(object):
    """One virtual_server of keepalived: its identity (an ipvs_model service key), the state
    of its quorum and sorry server, and its real servers by kernel key."""

    def __init__(self, key, family):
        self.key = key
        self.family = family
        self.inhibit = None
        self.alive = None
        self.quorum_up = None
        self.sorry = None
        self.real_servers = {}

    @property
    def name(self):
        return service_name(self.key)

    @property
    def sorry_active(self):
        """The sorry server serves (the quorum is down)."""
        return self.sorry is not None and not self.quorum_up

    def in_kernel(self):
        """{(address, port): (KeepalivedServer, weight)}: what keepalived believes the kernel
        holds for this service (the rules of the module's docstring)."""
        entries = {}
        for server in self.real_servers.values():
            if not server.set:
                continue
            weight = server.weight if server.alive else 0
            if self.sorry_active and server.inhibit:
                weight = 0  # perform_quorum_state(): an inhibited one is edited to 0, not deleted
            entries[server.key] = (server, weight)
        if self.sorry is not None and (self.sorry_active or self.sorry.inhibit):
            entries[self.sorry.key] = (self.sorry, SORRY_WEIGHT if self.sorry_active else 0)
        return entries


def believed_table(view):
    """{service key: {destination key: (method, tunnel..., weight)}}: what two reads of
    keepalived's view are compared by (a change in it is a checker having acted)."""
    table = {}
    for key, server in view.items():
        table[key] = dict((dest_key, (entry.method, entry.tunnel_type, entry.tunnel_port,
                                      entry.tunnel_checksum, weight))
                          for dest_key, (entry, weight) in server.in_kernel().items())
    return table


# ---------------------------------------------------------------------------------------
# The dump file
# ---------------------------------------------------------------------------------------

# Top-level sections (dump_global_data, dump_check_data, dump_checkers_queue).
_SECTION = re.compile(r"^------< (.+) >------$")
_SECTIONS = ("Global definitions", "SSL definitions", "LVS Topology", "Health checkers",
             "Checker track files", "Checker track BFDs")
_VS_START = "------< Virtual server >------"
_RS_START = "------< Real server >------"
_VSG_START = "------< Virtual server group >------"

_VS_VIP = re.compile(r"^VS VIP = (\S+), VPORT = (\d+)$")
_VS_FWMARK = re.compile(r"^VS FWMARK = (\d+)$")
_FAMILY = re.compile(r"^Address family = (.*)$")
_PROTOCOL = re.compile(r"^protocol = (.*)$")
_INHIBIT = re.compile(r"^Inhibit on failure is (ON|OFF)$")
_FLAG = re.compile(r"^(alive|quorum_state_up|RS set|reloaded) = (\d+)$")
_RIP = re.compile(r"^RIP = (\S+), RPORT = (\d+), WEIGHT = (\d+) EFF WEIGHT = (-?\d+)$")
# dump_track_file_monitor(), below "Tracked Files": the track_file's name and the weight
_TRACKED_FILE = re.compile(r"^(\S+), weight -?\d+( reverse)?$")
# FMT_RS: inet_sockaddrtotrio_r() always brackets the address, IPv4 too
_SORRY = re.compile(r"^sorry server (\(duplicates rs\) )?= \[([^\]]+)\]:(tcp|udp|sctp|none|\?):(\d+)$")
# dump_forwarding_method(); its GUE line leaves out the "default " prefix, so a forwarding
# line is told apart by where it stands, not by its prefix
_FORWARDING = re.compile(r"^(?:default )?forwarding method = (.*)$")
_TUNNEL = re.compile(r"^TUN, type = (IPIP|GRE|GUE, port = (\d+))(, no checksum|, checksum|, remote checksum)?$")
_CHECKSUMS = {None: None, ", no checksum": "nocsum", ", checksum": "csum", ", remote checksum": "remcsum"}

# Lines of dump_vs / dump_rs this module knows and does not need (by their start).
_VS_OTHER = ("VirtualHost = ", "SNMP name = ", "connection timeout = ", "delay_loop = ",
             "lvs_sched = ", "Hashed = ", "sh-port = ", "sh-fallback = ", "mh-port = ",
             "mh-fallback = ", "flag-1 = ", "flag-2 = ", "flag-3 = ", "One packet scheduling = ",
             "persistence timeout = ", "persistence granularity = ", "alpha is ", "omega is ",
             "Retry count = ", "Retry delay = ", "Warmup = ", "quorum = ",
             "Quorum up notify script = ", "Quorum down notify script = ", "Using HA suspend",
             "Using smtp notification = ")
_RS_OTHER = ("Alpha is ", "connection timeout = ", "connection limit range = ", "Delay loop = ",
             "Retry count = ", "Retry delay = ", "Warmup = ", "RS up notify script = ",
             "RS down notify script = ", "VirtualHost = ", "SNMP name = ",
             "Using smtp notification = ", "initial weight = ", "effective weight = ",
             "previous effective_weight = ", "num failed checkers = ")


def _method(text, where):
    """(method, tunnel_type, tunnel_port, tunnel_checksum) of a forwarding method line."""
    if text == "NAT":
        return "nat", None, None, None
    if text == "DR":
        return "dr", None, None, None
    if text == "TUN":  # a keepalived built without tunnel types: IPIP
        return "tun", "ipip", None, None
    match = _TUNNEL.match(text)
    if match is None:
        raise DumpError("%s: unknown forwarding method %r" % (where, text))
    kind = match.group(1).split(",")[0].lower()
    port = int(match.group(2)) if match.group(2) else None
    return "tun", kind, port, _CHECKSUMS[match.group(3)]


def _address(text, where):
    try:
        return parse_address("address", text)
    except ValidationError:
        raise DumpError("%s: %r is not an IP address" % (where, text))


class _Parser(object):
    def __init__(self, text):
        self.lines = text.splitlines()
        self.view = {}
        self.service = None
        self.server = None
        self.context = None     # "vs", "sorry" or "rs": whose lines come now
        self.number = 0

    def where(self):
        return "line %d" % self.number

    def fail(self, why):
        raise DumpError("keepalived's dump, %s (%r): %s" % (
            self.where(), self.lines[self.number - 1] if self.number else "", why))

    def parse(self):
        if not self.lines or self.lines[0] != "------< Global definitions >------":
            raise DumpError("keepalived's dump does not start with its global definitions: "
                            "not a keepalived 2.2.7 checker dump (%r)" % (self.lines[:1],))
        section = None
        for self.number, raw in enumerate(self.lines, 1):
            match = _SECTION.match(raw)
            if match:
                if match.group(1) not in _SECTIONS:
                    self.fail("unknown section")
                self._close()
                section = match.group(1)
                continue
            if section == "LVS Topology":
                self._topology(raw.strip())
        self._close()
        return self.view

    def _topology(self, line):
        if line.startswith("System is compiled with LVS ") and self.service is None:
            return
        if line == _VSG_START:
            self.fail("virtual_server_group is not supported (the collection never writes one)")
        if line == _VS_START:
            self._close()
            self.context = "vs-start"
            return
        if line == _RS_START:
            if self.service is None:
                self.fail("a real server outside a virtual server")
            self._close_server()
            self.server = {"number": self.number}
            self.context = "rs"
            return
        if self.context == "vs-start":
            self._open_service(line)
        elif self.context in ("vs", "sorry"):
            self._service_line(line)
        elif self.context == "rs":
            self._server_line(line)
        else:
            self.fail("a line outside any virtual server")

    # --- a virtual server ------------------------------------------------------------

    def _open_service(self, line):
        vip = _VS_VIP.match(line)
        mark = _VS_FWMARK.match(line)
        if vip:
            address, family = _address(vip.group(1), self.where())
            self.service = {"vip": address, "port": int(vip.group(2)), "family": family,
                            "number": self.number}
        elif mark:
            self.service = {"fwmark": int(mark.group(1)), "number": self.number}
        elif line.startswith("VS GROUP = "):
            self.fail("virtual_server_group is not supported (the collection never writes one)")
        else:
            self.fail("a virtual server without VS VIP/VPORT or VS FWMARK")
        self.service["servers"] = []
        self.context = "vs"

    def _service_line(self, line):
        service = self.service
        flag = _FLAG.match(line)
        if line.startswith("sorry server "):
            sorry = _SORRY.match(line)
            if sorry is None:
                self.fail("a sorry server line this module does not know")
            if sorry.group(1):
                self.fail("the sorry server is also one of the real servers: keepalived then "
                          "shares one kernel entry between them, which this module does not model")
            address, _family = _address(sorry.group(2), self.where())
            service["sorry"] = {"address": address, "port": int(sorry.group(4))}
            self.context = "sorry"
        elif _FORWARDING.match(line):
            method = _method(_FORWARDING.match(line).group(1), self.where())
            target = service["sorry"] if self.context == "sorry" else service
            if "method" in target:
                self.fail("a second forwarding method")
            target["method"] = method
        elif _INHIBIT.match(line):
            target = service["sorry"] if self.context == "sorry" else service
            if "inhibit" in target:
                self.fail("a second 'Inhibit on failure'")
            target["inhibit"] = _INHIBIT.match(line).group(1) == "ON"
        elif _FAMILY.match(line):
            text = _FAMILY.match(line).group(1)
            if text not in ("inet", "inet6"):
                self.fail("address family %r: only inet and inet6 virtual servers are known" % text)
            service["ip_family"] = "ipv6" if text == "inet6" else "ipv4"
        elif _PROTOCOL.match(line):
            service["protocol"] = _PROTOCOL.match(line).group(1)
        elif flag and flag.group(1) in ("alive", "quorum_state_up", "reloaded"):
            self.context = "vs"  # the sorry server's lines end before these
            service[flag.group(1)] = int(flag.group(2))
        elif not line.startswith(_VS_OTHER):
            self.fail("a virtual server line this module does not know (not keepalived 2.2.7's format?)")

    # --- a real server ---------------------------------------------------------------

    def _server_line(self, line):
        server = self.server
        flag = _FLAG.match(line)
        rip = _RIP.match(line)
        if rip:
            if "address" in server:
                self.fail("a second RIP line")
            server["address"], server["family"] = _address(rip.group(1), self.where())
            server["port"], server["weight"] = int(rip.group(2)), int(rip.group(3))
        elif _FORWARDING.match(line):
            if "method" in server:
                self.fail("a second forwarding method")
            server["method"] = _method(_FORWARDING.match(line).group(1), self.where())
        elif _INHIBIT.match(line):
            server["inhibit"] = _INHIBIT.match(line).group(1) == "ON"
        elif flag:
            server[flag.group(1)] = int(flag.group(2))
        elif line == "Tracked Files":
            server["tracked_files"] = []    # the drain marker's FILE_CHECK (keepalived_conf.py)
        elif "tracked_files" in server and _TRACKED_FILE.match(line):
            server["tracked_files"].append(_TRACKED_FILE.match(line).group(1))
        elif line == "Tracked BFDs":
            self.fail("BFD on real servers is not supported (the collection never writes it)")
        elif not line.startswith(_RS_OTHER):
            self.fail("a real server line this module does not know (not keepalived 2.2.7's format?)")

    # --- closing a block: every line it must have ---------------------------------------

    def _require(self, block, keys, what):
        missing = [key for key in keys if key not in block]
        if missing:
            raise DumpError("keepalived's dump, %s starting at line %d: no %s (a truncated or "
                            "unknown format)" % (what, block["number"], ", ".join(missing)))

    def _close_server(self):
        if self.server is None:
            return
        self._require(self.server, ("address", "method", "inhibit", "alive", "RS set"), "the real server")
        self.service["servers"].append(self.server)
        self.server = None

    def _close(self):
        if self.context == "vs-start":
            raise DumpError("keepalived's dump, line %d: a virtual server without its lines" % self.number)
        self._close_server()
        service, self.service, self.context = self.service, None, None
        if service is None:
            return
        self._require(service, ("ip_family", "protocol", "method", "inhibit", "alive", "quorum_state_up"),
                      "the virtual server")
        if service.get("sorry") is not None:
            self._require(dict(service["sorry"], number=service["number"]), ("method", "inhibit"),
                          "the sorry server of the virtual server")
        built = _build(service)
        if built.key in self.view:
            raise DumpError("keepalived's dump: the virtual server %s is listed twice" % built.name)
        self.view[built.key] = built


def _build(block):
    """A VirtualServer from a parsed block (checks what the kernel could not hold)."""
    family = block["ip_family"]
    at = "keepalived's dump, the virtual server at line %d" % block["number"]
    if "fwmark" in block:
        key = ("fwmark", family, block["fwmark"])
        service_port = 0
    else:
        protocol = block["protocol"].lower()
        if protocol not in ("tcp", "udp", "sctp"):
            raise DumpError("%s: protocol %r (only TCP, UDP and SCTP are known)" % (at, block["protocol"]))
        if block["family"] != family:
            raise DumpError("%s: the VIP %s is not of its address family %s" % (at, block["vip"], family))
        key = (protocol, block["vip"], block["port"])
        service_port = block["port"]
    if block["alive"] != 1:
        # init_service_vs() adds every virtual server and sets it alive; only a stopping
        # keepalived (clear_service_vs) clears it: no table to heal against
        raise DumpError("%s: keepalived has it out of the kernel (alive = %d): keepalived is stopping "
                        "or in a state this module does not know" % (at, block["alive"]))
    service = VirtualServer(key, family)
    service.inhibit = block["inhibit"]
    service.alive = True
    service.quorum_up = bool(block["quorum_state_up"])

    def kernel_port(port, method):
        return port if method == "nat" else service_port

    for entry in block["servers"]:
        if entry["family"] != family:
            raise DumpError("%s: the real server %s is not of the service's family %s (tunnelling "
                            "across families is not supported)" % (at, entry["address"], family))
        method = entry["method"]
        server = KeepalivedServer(entry["address"], kernel_port(entry["port"], method[0]), *method,
                                  weight=entry["weight"], alive=bool(entry["alive"]),
                                  set_=bool(entry["RS set"]), inhibit=entry["inhibit"])
        if server.key in service.real_servers:
            raise DumpError("%s: the real server %s is listed twice" % (at, format_hostport(*server.key)))
        service.real_servers[server.key] = server
    sorry = block.get("sorry")
    if sorry is not None:
        if _address(sorry["address"], at)[1] != family:
            raise DumpError("%s: the sorry server %s is not of the service's family %s"
                            % (at, sorry["address"], family))
        method = sorry["method"]
        service.sorry = KeepalivedServer(sorry["address"], kernel_port(sorry["port"], method[0]), *method,
                                         inhibit=sorry["inhibit"])
        if service.sorry.key in service.real_servers:
            raise DumpError("%s: the sorry server %s is also a real server" % (at, format_hostport(*service.sorry.key)))
    return service


def parse(text):
    """{service key: VirtualServer} from the text of keepalived 2.2.7's checker dump.

    Raises DumpError on anything it does not know (a format of another version, a
    virtual_server_group, a truncated block).
    """
    return _Parser(text).parse()


# ---------------------------------------------------------------------------------------
# Asking keepalived for a dump
# ---------------------------------------------------------------------------------------

class System(object):
    """What DumpRequest does to the host (replaced in the unit tests)."""

    def read(self, path):
        with open(path, "rb") as handle:
            return handle.read()

    def stat(self, path):
        try:
            return os.stat(path)
        except OSError as error:
            if error.errno == errno.ENOENT:
                return None
            raise

    def kill(self, pid, number):
        os.kill(pid, number)

    def now(self):
        return time.time()

    def sleep(self, seconds):
        time.sleep(seconds)


# How often the file is looked at; how many looks in a row must see it unchanged (the
# checker writes the whole dump in one go, through a 4 KiB stdio buffer: 100 ms without a
# write is a closed file unless the process was held off the CPU that long - and a view
# read short would differ from the next, which the re-read after a change catches).
POLL_SECONDS = 0.05
STABLE_LOOKS = 3


def _signature(st):
    return None if st is None else (st.st_ino, st.st_mtime_ns, st.st_size)


class DumpRequest(object):
    """Signal keepalived, wait for its checker's fresh dump, return its text.

    keepalived's fopen_safe() creates the file under a temporary name and renames it to
    the dump file's name *before* writing (lib/utils.c), then writes it through stdio and
    closes it: a reader can find it empty or half written. So a dump is taken once the
    file is another one than before the signal, modified after the signal, and the same
    (inode, mtime, size) over STABLE_LOOKS looks and across the read.
    """

    def __init__(self, pid_file=DEFAULT_PID_FILE, dump_file=DEFAULT_DUMP_FILE, timeout=10,
                 system=None, signal_number=signal.SIGUSR1, writer="checker process"):
        self.pid_file = pid_file
        self.dump_file = dump_file
        self.timeout = timeout
        self.system = system or System()
        # another dump of keepalived's (its VRRP process's JSON: keepalived --signum=JSON)
        self.signal_number = signal_number
        self.writer = writer

    def pid(self):
        """keepalived's main pid, checked to be keepalived (a stale pid file may name any process,
        and SIGUSR1 terminates most)."""
        system = self.system
        try:
            text = system.read(self.pid_file).decode("ascii", "replace").strip()
        except (IOError, OSError) as error:
            raise DumpError("keepalived is not running: cannot read its pid file %s (%s)"
                            % (self.pid_file, getattr(error, "strerror", None) or error))
        if not text.isdigit() or int(text) < 2:
            raise DumpError("keepalived's pid file %s holds %r, not a process id" % (self.pid_file, text))
        pid = int(text)
        try:
            cmdline = system.read("/proc/%d/cmdline" % pid)
        except (IOError, OSError):
            raise DumpError("keepalived is not running: the process %d of %s does not exist "
                            "(a stale pid file)" % (pid, self.pid_file))
        program = os.path.basename(cmdline.split(b"\0", 1)[0].decode("utf-8", "replace"))
        if program != "keepalived":
            raise DumpError("the process %d of %s is %r, not keepalived (a stale pid file): not "
                            "signalling it" % (pid, self.pid_file, program))
        return pid

    def __call__(self):
        return self.wait(self.pid())

    def wait(self, pid):
        """Signal keepalived's process pid (checked by pid()) and return the fresh dump's text."""
        try:
            return self._wait(pid)
        except (IOError, OSError) as error:
            raise DumpError("cannot read keepalived's dump %s: %s"
                            % (self.dump_file, getattr(error, "strerror", None) or error))

    def _wait(self, pid):
        system = self.system
        before = _signature(system.stat(self.dump_file))
        started = system.now()
        try:
            system.kill(pid, self.signal_number)
        except OSError as error:
            raise DumpError("cannot signal keepalived (pid %d): %s" % (pid, error.strerror or error))
        deadline = started + self.timeout
        last, looks = None, 0
        while True:
            st = system.stat(self.dump_file)
            now = _signature(st)
            fresh = (st is not None and st.st_size > 0
                     and (before is None or st.st_ino != before[0]))
            looks = looks + 1 if fresh and now == last else (1 if fresh else 0)
            last = now
            if looks >= STABLE_LOOKS:
                data = system.read(self.dump_file)
                if _signature(system.stat(self.dump_file)) == now and len(data) == st.st_size:
                    return data.decode("utf-8", "replace")
                last, looks = None, 0  # it changed while read: look again
            if system.now() > deadline:
                raise DumpError(
                    "keepalived (pid %d) wrote no complete new %s within %s s of %s (its %s "
                    "writes it; keepalived runs one only when it has %s)"
                    % (pid, self.dump_file, self.timeout,
                       "SIGUSR1" if self.signal_number == signal.SIGUSR1 else "signal %d" % self.signal_number,
                       self.writer,
                       "virtual servers" if self.writer == "checker process" else "VRRP instances"))
            system.sleep(POLL_SECONDS)
