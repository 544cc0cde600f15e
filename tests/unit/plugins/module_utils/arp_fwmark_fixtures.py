"""Sections of the listings tests/unit/fixtures/arp_fwmark/record.sh recorded."""

import pathlib

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "arp_fwmark"


def section(name, title):
    """The text under '### TITLE' in fixture NAME (up to the next '### ')."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    chunks = {}
    current = None
    for line in text.splitlines(keepends=True):
        if line.startswith("### "):
            current = line[4:].strip()
            chunks[current] = ""
        elif current is not None:
            chunks[current] += line
    return chunks[title]
