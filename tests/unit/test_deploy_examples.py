"""The deployment examples in deploy/ (docs/admin.md "Deployment at scale") stay true: every
command they run is a real `competence` command whose --help works with the options given, and
every variable they set is one docs/configuration.md documents."""

from __future__ import annotations

import configparser
import io
import re
import shlex
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from competence.cli import main
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
COMPOSE = DEPLOY / "compose.yaml"
BINARY = "/opt/competence/bin/competence"


def unit_commands(path: Path) -> list[list[str]]:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(path)
    found = []
    for key in ("ExecStartPre", "ExecStart"):
        line = unit["Service"].get(key)
        if line:
            words = shlex.split(line)
            assert words[0] == BINARY, f"{path.name}: {key} runs {words[0]}"
            found.append(words[1:])
    return found


def compose_commands() -> list[list[str]]:
    services = yaml.safe_load(COMPOSE.read_text("utf-8"))["services"]
    found = []
    for service in services.values():
        command = service.get("command")
        if command:
            assert command[0] == "competence"
            found.append(command[1:])
    return found


def all_commands() -> list[list[str]]:
    return [c for unit in UNITS for c in unit_commands(unit)] + compose_commands()


def test_the_examples_are_there() -> None:
    assert {u.name for u in UNITS} == {"competence.service", "competence-worker@.service"}
    commands = [c[0] for c in all_commands()]
    assert {"serve", "worker", "db"} <= set(commands)


@pytest.mark.parametrize("args", all_commands(), ids=lambda a: " ".join(a[:2]))
def test_each_command_is_a_real_competence_command(args: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*args, "--help"])  # unknown options fail here, before --help
    assert code == 0, err.getvalue()
    assert "Usage: competence" in out.getvalue()


def test_every_variable_they_set_is_documented() -> None:
    documented = set(
        re.findall(r"`(COMPETENCE_[A-Z_]+)`", (ROOT / "docs" / "configuration.md").read_text())
    )
    env_file = (DEPLOY / "systemd" / "competence.env").read_text("utf-8")
    names = set(re.findall(r"^(COMPETENCE_[A-Z_]+)=", env_file, re.M))
    services = yaml.safe_load(COMPOSE.read_text("utf-8"))
    names |= set(services["x-competence"]["environment"])
    assert names
    assert all(n.startswith("COMPETENCE_") for n in names)
    assert sorted(names - documented) == []
