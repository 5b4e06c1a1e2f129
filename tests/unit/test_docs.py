"""The docs keep up with the command.

The "Command reference" at the end of docs/cli.md is generated from each command's ``--help`` by
cog. After changing a command or its help, regenerate it with ``cog -r docs/cli.md``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import click
from cogapp import Cog

from competence.cli import cli
from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "cli.md"
REGENERATE = "run `cog -r docs/cli.md` to regenerate it"


def commands(
    command: click.Command, path: str = "competence"
) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path} {name}")


def cog_check(guide: Path = GUIDE) -> tuple[int, str]:
    """Run ``cog --check`` on the guide: its exit status and what it printed."""
    cog = Cog()
    output = io.StringIO()
    cog.set_output(stdout=output, stderr=output)
    status = cog.main(["cog", "--check", "--diff", "--check-fail-msg", REGENERATE, str(guide)])
    return status, output.getvalue()


def test_the_command_reference_is_what_help_prints() -> None:
    status, output = cog_check()
    assert status == 0, (
        f"the command reference in docs/cli.md differs from --help; {REGENERATE}\n{output}"
    )


def test_the_access_table_in_the_admin_guide_is_what_the_code_says() -> None:
    """docs/admin.md's table of rules is made from the policy and the commands' rules."""
    status, output = cog_check(ROOT / "docs" / "admin.md")
    assert status == 0, (
        "the access table in docs/admin.md differs from the code; run `cog -r docs/admin.md`\n"
        + output
    )


def test_the_command_reference_has_every_command() -> None:
    guide = GUIDE.read_text("utf-8")
    reference = guide.split("\n## Command reference\n", 1)[1]
    missing = [path for path, _ in commands(cli) if f"\n### {path}\n" not in reference]
    assert missing == []


def test_a_reference_that_differs_from_help_fails_the_check(tmp_path: Path) -> None:
    code = GUIDE.read_text("utf-8").split("[[[cog\n", 1)[1].split("]]] -->", 1)[0]
    stale = tmp_path / "cli.md"
    stale.write_text(f"<!--\n[[[cog\n{code}]]] -->\nOld words.\n<!-- [[[end]]] -->\n", "utf-8")
    status, output = cog_check(stale)
    assert status != 0
    assert REGENERATE in output
    assert "-Old words." in output
    assert "+### competence profiles" in output


def test_every_command_and_option_has_a_help_text() -> None:
    missing = []
    for path, command in commands(cli):
        if not (command.help or "").strip():
            missing.append(path)
        for param in command.params:
            if isinstance(param, click.Option) and not (param.help or "").strip():
                missing.append(f"{path} {param.opts[0]}")
    assert missing == []
