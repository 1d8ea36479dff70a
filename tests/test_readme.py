"""The README's commands print what the README says they print.

Every ```console block of README.md holds `$ symmat …` commands followed by
their output; each command is run in-process through `symmat.cli.main` and
its standard output (and error) compared line by line with the README (trailing spaces
ignored). A README that drifts from the program fails here.
"""

import re
import shlex
from pathlib import Path

import pytest

from symmat.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def console_examples():
    """(command, expected output) pairs from the README's console blocks."""
    text = README.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        current = None
        for line in block.splitlines():
            if line.startswith("$ symmat "):
                current = [line[2:], []]
                out.append(current)
            elif current is not None:
                current[1].append(line.rstrip())
    return [(cmd, "\n".join(lines).rstrip()) for cmd, lines in out]


EXAMPLES = console_examples()


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command,expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_command_output(command, expected, capsys):
    argv = shlex.split(command)[1:]
    status = main(argv)
    captured = capsys.readouterr()
    shown = captured.out + captured.err     # an error example shows the one-line message
    got = "\n".join(line.rstrip() for line in shown.splitlines()).rstrip()
    assert got == expected
    assert status == (2 if captured.err else status) and status in (0, 1, 2)
