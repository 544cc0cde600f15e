"""The base tree's cache key and where its packages come from."""

from lvslab import base, kernel


def test_mirror_from_one_line_sources_with_options():
    text = "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian bookworm main\n"
    assert base.debian_mirror_in(text) == "http://mirror.example/debian"


def test_mirror_from_deb822_skips_security_and_other_archives():
    text = ("Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
            "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\n")
    assert base.debian_mirror_in(text) == "http://mirror.example/debian/"


def test_no_mirror_in_unrelated_sources():
    assert base.debian_mirror_in("deb https://packages.example/node node main\n") is None


def test_cache_key_follows_the_package_list(monkeypatch):
    monkeypatch.setattr(kernel, "key", lambda: "0123456789ab")
    monkeypatch.setattr(base, "packages", lambda: ["ipvsadm", "keepalived"])
    first = base.key()
    assert base.key() == first
    monkeypatch.setattr(base, "packages", lambda: ["ipvsadm", "keepalived", "tcpdump"])
    assert base.key() != first


def test_cache_key_follows_the_kernel(monkeypatch):
    """The tree holds the kernel's modules: another kernel, another tree."""
    monkeypatch.setattr(base, "packages", lambda: ["ipvsadm"])
    monkeypatch.setattr(kernel, "key", lambda: "0123456789ab")
    first = base.key()
    monkeypatch.setattr(kernel, "key", lambda: "ba9876543210")
    assert base.key() != first


def test_package_list_file_has_what_the_lab_relies_on():
    assert {"ipvsadm", "keepalived", "openssh-server", "python3", "kmod", "lighttpd",
            "arptables", "nftables", "iptables"} <= set(base.packages())
