"""Outputs recorded from the lab, for the unit tests (tests/unit/fixtures)."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARP_FWMARK = FIXTURES / "arp_fwmark"   # written by arp_fwmark/record.sh, in '### TITLE' sections
IP_ADDRESS = FIXTURES / "ip_address"   # written by ip_address/record.sh, the same way
NAT_MASQUERADE = FIXTURES / "nat_masquerade"   # nat_masquerade/record.sh, on the host's nftables


def section(name, title, directory=ARP_FWMARK):
    """The text under '### TITLE' in DIRECTORY/NAME (up to the next '### ')."""
    chunks, current = {}, None
    for line in (directory / name).read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("### "):
            current = line[4:].strip()
            chunks[current] = ""
        elif current is not None:
            chunks[current] += line
    return chunks[title]


def ipvs_fixture(name):
    return (FIXTURES / "ipvs" / name).read_text(encoding="utf-8")


KEEPALIVED = FIXTURES / "keepalived"   # keepalived 2.2.7 checker dumps, see its README.md


def keepalived_dump(name):
    """A dump of keepalived's checker process, without the '#' header that says where it
    comes from (keepalived writes no such line)."""
    lines = (KEEPALIVED / name).read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def nat_listing(title):
    """A section of nat_masquerade/listings.txt: a JSON listing (its trailing blank line
    dropped), or for a failed read the error it printed (without record.sh's 'rc=N' line)."""
    text = section("listings.txt", title, NAT_MASQUERADE)
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("rc=")]
    return "".join(lines).rstrip("\n") + "\n"
