"""A host with keepalived, for the tests of keepalived_checkers.DumpRequest and the
ipvs_keepalived module: its pid file and /proc entry, a fake clock, and a checker process
that writes a dump when signalled - at once, or in parts over the next looks."""

import signal

# docs/examples/ha's web and bundle, as cluster_router gives them to the role (the lab's
# router1 ran them when fixtures/keepalived/check-all-up.txt was recorded)
HA_SERVICES = [
    {"protocol": "tcp", "vip": "192.0.2.10", "port": 80, "scheduler": "wrr", "purge": True,
     "destinations": [{"address": "198.51.100.21", "method": "nat", "weight": 3},
                      {"address": "198.51.100.22", "method": "nat", "weight": 2},
                      {"address": "198.51.100.23", "method": "nat", "weight": 1}]},
    {"fwmark": 80, "family": "ipv4", "scheduler": "rr", "purge": True, "persistence_timeout": 300,
     "destinations": [{"address": "198.51.100.21", "method": "nat"},
                      {"address": "198.51.100.22", "method": "nat"},
                      {"address": "198.51.100.23", "method": "nat"}]},
]


class Stat:
    def __init__(self, ino, mtime, size):
        self.st_ino, self.st_mtime_ns, self.st_size = ino, int(mtime * 1e9), size


class FakeHost:
    """files: {path: bytes}. dumps: the texts the checker writes, one per SIGUSR1 (the last
    repeats). parts: into how many pieces each dump is written, one piece per sleep, as
    stdio flushes a buffer (1: at once). pid: keepalived's main pid (None: not running).
    whole_seconds: mtimes truncated to the second, as on the lab's guests."""

    PID_FILE = "/run/keepalived.pid"
    DUMP = "/tmp/keepalived_check.data"

    def __init__(self, dumps, pid=4242, program=b"/usr/sbin/keepalived", parts=1, writes=True,
                 whole_seconds=False):
        self.clock = 1700000000.0
        self.whole_seconds = whole_seconds
        self.files = {}
        self.inodes = {}
        self.next_inode = 100
        self.dumps = list(dumps)
        self.parts = parts
        self.writes = writes
        self.pending = []
        self.signals = []
        if pid is not None:
            self.files[self.PID_FILE] = b"%d\n" % pid
            self.files["/proc/%d/cmdline" % pid] = program + b"\0--dont-fork\0"

    # --- the System interface ------------------------------------------------------

    def read(self, path):
        if path not in self.files:
            raise IOError(2, "No such file or directory")
        return self.files[path]

    def stat(self, path):
        if path not in self.files:
            return None
        ino, mtime = self.inodes.get(path, (1, 0.0))
        return Stat(ino, mtime, len(self.files[path]))

    def kill(self, pid, number):
        assert number == signal.SIGUSR1
        self.signals.append(pid)
        if not self.writes:
            return
        text = (self.dumps.pop(0) if len(self.dumps) > 1 else self.dumps[0]).encode("utf-8")
        # fopen_safe(): a new file renamed into place before anything is written
        self.next_inode += 1
        self._write(b"", new=True)
        size = -(-len(text) // self.parts)
        self.pending = [text[:size * (index + 1)] for index in range(self.parts)]
        self._flush()

    def now(self):
        return self.clock

    def sleep(self, seconds):
        self.clock += seconds
        self._flush()

    # --- helpers -------------------------------------------------------------------

    def _flush(self):
        if self.pending:
            self._write(self.pending.pop(0))

    def _write(self, data, new=False):
        self.files[self.DUMP] = data
        self.inodes[self.DUMP] = (self.next_inode, int(self.clock) if self.whole_seconds else self.clock)
