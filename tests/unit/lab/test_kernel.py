"""The lab kernel's cache key, its config check and its cache housekeeping."""

import fcntl
import os

import pytest

from lvslab import kernel

FRAGMENTS = [("a.fragment", "CONFIG_A=y\n"), ("b.fragment", "CONFIG_B=m\n")]

# A .config as olddefconfig writes it (shortened).
CONFIG = """#
# Automatically generated file; DO NOT EDIT.
# Linux/um 6.1.192 Kernel Configuration
#
CONFIG_LOCALVERSION="-lab"
# CONFIG_LOCALVERSION_AUTO is not set
CONFIG_UML_NET_VECTOR=y
CONFIG_NF_TABLES=m
CONFIG_NF_TABLES_INET=y
CONFIG_NF_TABLES_ARP=y
# CONFIG_NF_TABLES_BRIDGE is not set
CONFIG_IP_VS=m
CONFIG_IP_VS_TAB_BITS=12
"""


def test_key_is_stable_and_short():
    first = kernel.compute_key("6.1.192-2", FRAGMENTS, "gcc 12.2.0")
    assert first == kernel.compute_key("6.1.192-2", list(FRAGMENTS), "gcc 12.2.0")
    assert len(first) == 12 and int(first, 16) >= 0


@pytest.mark.parametrize("change", [
    {"source_version": "6.1.193-1"},
    {"gcc_version": "gcc 12.3.0"},
    {"recipe": "999"},
    {"fragments": [("a.fragment", "CONFIG_A=m\n"), FRAGMENTS[1]]},
    {"fragments": [FRAGMENTS[0], ("b.fragment", "CONFIG_B=m\nCONFIG_C=y\n")]},
    {"fragments": [FRAGMENTS[1], FRAGMENTS[0]]},                  # merge order matters
    {"fragments": [("a.fragment", "CONFIG_A=y\nCONFIG_B=m\n"), ("b.fragment", "")]},
])
def test_key_follows_every_input(change):
    inputs = {"source_version": "6.1.192-2", "fragments": FRAGMENTS, "gcc_version": "gcc 12.2.0",
              "recipe": kernel.RECIPE_VERSION}
    assert kernel.compute_key(**{**inputs, **change}) != kernel.compute_key(**inputs)


@pytest.fixture
def pinned_key(monkeypatch):
    """kernel.key() of this checkout with the machine's inputs pinned; the cache is
    cleared before and after, and `again()` recomputes it after a monkeypatch."""
    monkeypatch.setattr(kernel, "source_version", lambda: "6.1.192-2")
    monkeypatch.setattr(kernel, "gcc_version", lambda: "gcc 12.2.0")

    def again():
        kernel.key.cache_clear()
        return kernel.key()

    yield again
    kernel.key.cache_clear()


def test_key_of_this_checkout_uses_its_fragments(monkeypatch, pinned_key):
    committed = pinned_key()
    assert committed == kernel.compute_key(
        "6.1.192-2", kernel.fragments() + kernel.patches(), "gcc 12.2.0", kernel.RECIPE_VERSION)
    monkeypatch.setattr(kernel, "fragments", lambda: FRAGMENTS)
    assert pinned_key() != committed


def test_key_follows_the_patches(monkeypatch, pinned_key):
    committed = pinned_key()
    edited = [(name, text + "\n") for name, text in kernel.patches()]
    monkeypatch.setattr(kernel, "patches", lambda: edited)
    assert pinned_key() != committed


def test_the_xstate_patch_is_applied_and_applies_in_name_order():
    names = [name for name, _ in kernel.patches()]
    assert "uml-host-xstate-size.patch" in names
    assert names == sorted(names)


def test_fragments_merge_with_the_later_line_winning():
    merged = kernel.wanted([("1", "CONFIG_A=y\n# CONFIG_B is not set\n"),
                            ("2", "# a comment\n\nCONFIG_B=m\n# CONFIG_A is not set\n")])
    assert merged == {"CONFIG_A": None, "CONFIG_B": "m"}


def test_a_fragment_line_that_is_not_a_setting_is_an_error():
    with pytest.raises(ValueError, match=r"trim.fragment: line 2 .*NF_TABLES_INET y"):
        kernel.wanted([("trim.fragment", "CONFIG_A=y\nNF_TABLES_INET y\n")])


def test_config_with_every_wanted_setting_passes():
    wanted = {"CONFIG_LOCALVERSION": '"-lab"', "CONFIG_LOCALVERSION_AUTO": None,
              "CONFIG_NF_TABLES_INET": "y", "CONFIG_IP_VS": "m", "CONFIG_IP_VS_TAB_BITS": "12",
              "CONFIG_NF_TABLES_BRIDGE": None, "CONFIG_REISERFS_FS": None}
    assert kernel.config_problems(wanted, CONFIG) == []


def test_config_check_names_each_dropped_or_changed_line():
    wanted = {"CONFIG_NF_TABLES_INET": "y",          # kept
              "CONFIG_NF_TABLES_IPV4": "y",          # dropped: no line at all
              "CONFIG_NF_TABLES_BRIDGE": "y",        # left off: "is not set"
              "CONFIG_IP_VS": "y",                   # a module instead
              "CONFIG_UML_NET_VECTOR": None}         # wanted off, is on
    assert kernel.config_problems(wanted, CONFIG) == [
        "CONFIG_NF_TABLES_IPV4=y was asked for, the .config has no such line",
        "CONFIG_NF_TABLES_BRIDGE=y was asked for, the .config has it not set",
        "CONFIG_IP_VS=y was asked for, the .config has CONFIG_IP_VS=m",
        "CONFIG_UML_NET_VECTOR should not be set, the .config has CONFIG_UML_NET_VECTOR=y",
    ]


def test_committed_fragments_ask_for_what_the_lab_needs_and_never_contradict():
    texts = kernel.fragments()
    assert [name for name, _ in texts] == list(kernel.FRAGMENTS)
    seen = {}
    for name, text in texts:
        for symbol in kernel.parse_config(text, strict=True):
            assert symbol not in seen, f"{symbol} in both {seen[symbol]} and {name}"
            seen[symbol] = name
    merged = kernel.wanted(texts)
    for symbol in ("NF_TABLES_INET", "NF_TABLES_IPV4", "NF_TABLES_IPV6", "NF_TABLES_ARP",
                   "UML_NET_VECTOR", "HOSTFS", "DEVTMPFS", "CGROUPS"):
        assert merged[f"CONFIG_{symbol}"] == "y", symbol
    for symbol in ("IP_VS", "IP_VS_RR", "IP_VS_MH", "NF_TABLES", "IP_NF_ARPTABLES",
                   "IP_NF_ARPFILTER", "NETFILTER_XT_MARK", "IP_NF_MANGLE"):
        assert merged[f"CONFIG_{symbol}"] == "m", symbol


def test_links_into_the_scratch_tree_and_dangling_links_are_dropped(tmp_path):
    scratch, modules = tmp_path / "work", tmp_path / "modules" / "6.1.192-lab"
    (scratch / "src").mkdir(parents=True)
    (modules / "kernel").mkdir(parents=True)
    (modules / "kernel" / "ip_vs.ko").write_text("")
    os.symlink(scratch / "src", modules / "source")
    os.symlink(tmp_path / "gone", modules / "build")
    os.symlink("kernel/ip_vs.ko", modules / "kept.ko")
    kernel._drop_links_out_of(str(tmp_path / "modules"), str(scratch))
    assert sorted(os.listdir(modules)) == ["kept.ko", "kernel"]


def test_prune_keeps_the_current_kernel_one_in_use_and_other_files(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel, "CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(kernel, "key", lambda: "aaaaaaaaaaaa")
    names = ["kernel-aaaaaaaaaaaa", "kernel-bbbbbbbbbbbb", "kernel-cccccccccccc",
             "kernel-dddddddddddd.partial", "kernel-work", "base-eeeeeeeeeeee"]
    for name in names:
        (tmp_path / name).mkdir()
    (tmp_path / "kernel.lock").write_text("")
    running = str(tmp_path / "kernel-cccccccccccc" / "linux")
    monkeypatch.setattr(kernel, "_binaries_in_use", lambda: {"/usr/bin/python3", running})
    kernel._prune_old_kernels()
    assert sorted(os.listdir(tmp_path)) == ["base-eeeeeeeeeeee", "kernel-aaaaaaaaaaaa",
                                            "kernel-cccccccccccc", "kernel-work", "kernel.lock"]


def test_the_cache_lock_excludes_a_second_holder(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel, "CACHE_DIR", str(tmp_path))
    with kernel.cache_lock("kernel.lock", "test"):
        with open(tmp_path / "kernel.lock", encoding="utf-8") as other:
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "kernel.lock", encoding="utf-8") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
