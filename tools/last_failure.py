#!/usr/bin/env python3
"""Print the failure that stopped a Molecule scenario, from its log, in a few lines.

CI shows only the last lines of a long run; tools/molecule-test-all prints this last so
that the failed task's name and message are among them. A failure the play ignored
("...ignoring") is skipped. Without any task failure (create or destroy failed, say),
the last ERROR lines are printed instead.

Usage: tools/last_failure.py LOG [MAX_LINES]
"""
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# tools/molecule-test-all stamps each line with the time; molecule frames Ansible's lines with
# "│" (only the frame's indent is removed: a failure's own lines are indented)
PREFIX = re.compile(r"^(\d\d:\d\d:\d\d )?(\s*│ ?)?")
LINE_WIDTH = 600


def clean(line):
    return PREFIX.sub("", ANSI.sub("", line.rstrip("\n")), count=1)


def blocks(lines):
    """(task name, failure block) for each task failure in the log, in order."""
    task = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("TASK ["):
            task = line
            # a long task name wraps onto the next line, which ends with the stars
            if "]" not in line and index + 1 < len(lines):
                task += " " + lines[index + 1].strip()
            task = task.rstrip("* ")
        if line.startswith(("fatal: ", "failed: ")):
            block = [line]
            index += 1
            while index < len(lines) and lines[index].startswith(" "):
                block.append(lines[index])
                index += 1
            ignored = index < len(lines) and lines[index].startswith("...ignoring")
            if not ignored:
                yield task, block
            continue
        index += 1


def main():
    log = sys.argv[1]
    max_lines = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    with open(log, encoding="utf-8", errors="replace") as handle:
        lines = [clean(line) for line in handle]
    found = list(blocks(lines))
    if found:
        task, block = found[-1]
        shown = [task] + block
    else:
        shown = [line for line in lines if "ERROR" in line][-max_lines:]
    for line in shown[:max_lines]:
        print(line[:LINE_WIDTH])
    if len(shown) > max_lines:
        print(f"... {len(shown) - max_lines} more lines in {log}")


if __name__ == "__main__":
    main()
