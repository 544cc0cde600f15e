"""The collection's one file writer (module_utils/atomic_file): content and exact mode
whatever the umask, data fsync'ed before the rename, the temporary in the target's own
directory, a reader of the old file undisturbed, nothing left behind on a failure, links
staged the same way; and no other code in plugins/ writes a file."""

import os
import re
import stat
from pathlib import Path

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import atomic_file

PLUGINS = Path(__file__).resolve().parents[4] / "plugins"


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


def leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.startswith(atomic_file.TEMPORARY_PREFIX))


@pytest.fixture
def umask():
    """Set a umask for the test, restored after it."""
    saved = os.umask(0o022)
    yield os.umask
    os.umask(saved)


@pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize("mode", [0o600, 0o644, 0o755])
def test_content_and_exactly_the_mode_whatever_the_umask(tmp_path, umask, mask, mode):
    umask(mask)
    target = tmp_path / "file.conf"
    atomic_file.write(str(target), "a = 1\n", mode)
    assert target.read_text() == "a = 1\n" and mode_of(target) == mode
    atomic_file.write(str(target), "a = 2\n", mode)   # replacing an existing file too
    assert target.read_text() == "a = 2\n" and mode_of(target) == mode
    assert leftovers(tmp_path) == []


def test_replaced_in_one_step_a_reader_of_the_old_file_keeps_it(tmp_path):
    target = tmp_path / "file.conf"
    target.write_text("old\n")
    before = os.stat(target).st_ino
    with open(target) as reader:
        atomic_file.write(str(target), "new\n")
        assert reader.read() == "old\n"   # the old inode, whole
    assert target.read_text() == "new\n" and os.stat(target).st_ino != before


def test_the_data_is_on_disk_and_the_mode_set_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd):
        events.append(("fsync", os.readlink("/proc/self/fd/%d" % fd)))
        return real_fsync(fd)

    def rename(source, destination):
        events.append(("rename", source, destination, Path(source).read_text(), mode_of(source)))
        return real_rename(source, destination)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    target = str(tmp_path / "keepalived.conf")
    atomic_file.write(target, "secret\n", 0o600)
    (_fsync, synced), (_rename, source, destination, content, mode) = events
    assert synced == source and destination == target
    assert os.path.dirname(source) == str(tmp_path)   # same directory: same filesystem
    assert os.path.basename(source).startswith(atomic_file.TEMPORARY_PREFIX)
    assert content == "secret\n" and mode == 0o600


def test_a_missing_directory_is_made_when_asked_and_an_error_otherwise(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "etc" / "lvs-cluster" / "addresses" / "lo"
    with pytest.raises(OSError):
        atomic_file.write(str(target), "x\n")
    assert not (tmp_path / "etc").exists()
    atomic_file.write(str(target), "x\n", make_directory=True)
    assert target.read_text() == "x\n"
    assert [mode_of(directory) for directory in (tmp_path / "etc", target.parent)] == [0o755, 0o755]


def test_a_failed_rename_leaves_the_target_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "file.conf"
    target.write_text("old\n")

    def refuse(_source, _destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(OSError):
        atomic_file.write(str(target), "new\n")
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_a_failed_write_leaves_no_temporary(tmp_path, monkeypatch):
    def refuse(_fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", refuse)
    with pytest.raises(OSError):
        atomic_file.write(str(tmp_path / "file.conf"), "new\n")
    assert os.listdir(tmp_path) == []
    with pytest.raises(TypeError):
        atomic_file.stage(str(tmp_path / "file.conf"), None)   # content must be text
    assert os.listdir(tmp_path) == []


def test_stage_then_commit_or_discard(tmp_path):
    target = tmp_path / "router.nft"
    target.write_text("old\n")
    staged = atomic_file.stage(str(target), "new\n", 0o640)
    assert Path(staged).read_text() == "new\n" and target.read_text() == "old\n"   # nothing replaced yet
    atomic_file.discard(staged)
    atomic_file.discard(staged)   # twice: nothing
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []
    staged = atomic_file.stage(str(target), "new\n", 0o640)
    atomic_file.commit(staged, str(target))
    assert target.read_text() == "new\n" and mode_of(target) == 0o640 and leftovers(tmp_path) == []
    atomic_file.discard(None)


def test_a_link_is_staged_and_replaces_a_file_or_link(tmp_path):
    target = tmp_path / "wants" / "lvs-cluster-router-nftables.service"
    staged = atomic_file.stage(str(target), link="/etc/systemd/system/a.service", make_directory=True)
    assert os.readlink(staged) == "/etc/systemd/system/a.service"
    atomic_file.commit(staged, str(target))
    assert os.readlink(target) == "/etc/systemd/system/a.service"
    staged = atomic_file.stage(str(target), link="/etc/systemd/system/b.service")
    atomic_file.commit(staged, str(target))
    assert os.readlink(target) == "/etc/systemd/system/b.service" and leftovers(target.parent) == []


# ---- the one writer: nothing else in plugins/ writes, renames or makes temporary files

WRITES = re.compile(r"tempfile|mkstemp|os\.rename|os\.replace|atomic_move|write_text|write_bytes"
                    r"|open\([^)]*['\"][wax]b?\+?['\"]|os\.fdopen\([^)]*['\"][wax]")


def test_no_other_file_writer_in_plugins():
    found = []
    for path in sorted(PLUGINS.rglob("*.py")):
        if path.name == "atomic_file.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WRITES.search(line.split("#", 1)[0]):
                found.append("%s:%d: %s" % (path.relative_to(PLUGINS), number, line.strip()))
    assert found == [], "write files with module_utils/atomic_file:\n" + "\n".join(found)


def test_the_guard_sees_a_writer():
    for line in ('with open(path, "w") as out:', "handle, name = tempfile.mkstemp(dir=d)",
                 "os.rename(a, b)", "os.replace(a, b)", "module.atomic_move(a, b)", "p.write_text(t)",
                 "os.fdopen(handle, 'w')"):
        assert WRITES.search(line), line
    for line in ("with open(path) as handle:", 'with open(path, "rb") as handle:'):
        assert not WRITES.search(line), line
