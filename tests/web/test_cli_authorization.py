"""Who may run what on the command line, with ``--as USER``: every command, as each kind of user,
and the same answer as the web app gives for the same operation.

A command that is not in CLI_RULES, or that declares no rule of the access policy, fails the test.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from django.test import Client

from competence.cli import FILE_ONLY, RULE, cli, main
from competence.services.policy import RULES as POLICY_RULES
from tests.web.test_authorization import RULES as WEB_RULES
from tests.web.test_authorization import World, request, world

__all__ = ["world"]

PERSONAS = ("member", "other_member", "other_assessor", "pmo_lead", "admin")
Y, N = True, False
ADMIN_ONLY = [N, N, N, N, Y]
OWN = [Y, N, N, Y, Y]  # the person, a lead of their PMO, an admin (Ada has no assessor)
SELF_OR_ADMIN = [Y, N, N, N, Y]
LEADS = [N, N, N, Y, Y]
EVERYONE = [Y] * 5

# command -> (arguments, whether each persona may run it, in PERSONAS order). Commands that change
# a lot come last: the personas run them in this order on one database.
CLI_RULES: dict[str, tuple[list[str], list[bool]]] = {
    "db upgrade": ([], ADMIN_ONLY),
    "profile list": ([], EVERYONE),
    "profile show": (["pmo-officer", "--version", "1"], EVERYONE),
    "profile diff": (["pmo-officer", "pmo-stored"], EVERYONE),
    "profile export": (["pmo-officer", "--version", "1", "--out", "{tmp}/p.yaml"], EVERYONE),
    "profile import": (["{tmp}/missing.yaml", "--dry-run"], ADMIN_ONLY),
    "import": (["{tmp}/missing.csv", "--dry-run"], ADMIN_ONLY),
    "export": (["--format", "csv", "--out", "{tmp}/export.csv"], ADMIN_ONLY),
    "audit": (["--limit", "1"], LEADS),
    "history": (["ada@example.org"], OWN),
    "backup": (["--out", "{tmp}/backup.json.gz"], ADMIN_ONLY),
    "restore": (["{tmp}/missing.json.gz"], ADMIN_ONLY),
    "framework import": (["{tmp}/missing.json"], ADMIN_ONLY),
    "framework list": ([], EVERYONE),
    "framework export": (
        ["--format", "case", "--profile", "pmo-stored", "--out", "{tmp}/f.json"],
        EVERYONE,
    ),
    "gap": (["{tmp}/missing.csv", "--profile", "pmo-stored", "-c", "project"], EVERYONE),
    "template": (["--profile", "pmo-stored", "--out", "{tmp}/t.xlsx"], EVERYONE),
    "user create": (
        ["carol", "--role", "member", "--email", "c@example.org", "--password-stdin"],
        ADMIN_ONLY,
    ),
    "user set-role": (["alan", "member"], ADMIN_ONLY),
    "user list": (["--json"], ADMIN_ONLY),
    "token create": (["alan", "--name", "sync"], ADMIN_ONLY),
    "token revoke": (["999"], ADMIN_ONLY),
    "token list": ([], ADMIN_ONLY),
    "webhooks list": ([], ADMIN_ONLY),
    "webhooks add": (["https://example.org/hook", "--event", "person.created"], ADMIN_ONLY),
    "webhooks remove": (["999"], ADMIN_ONLY),
    "webhooks deliver": ([], ADMIN_ONLY),
    "raters invite": (["ada@example.org", "alan"], ADMIN_ONLY),
    "raters list": (["ada@example.org"], ADMIN_ONLY),
    "raters views": (["ada@example.org"], ADMIN_ONLY),  # Ada's reviewer: she has no assessor
    "raters remove": (["999"], ADMIN_ONLY),
    "cycle create": (["2031", "--opens", "2031-01-06"], ADMIN_ONLY),
    "cycle list": ([], EVERYONE),
    "cycle update": (["2031", "--closes", "2031-03-31"], ADMIN_ONLY),
    "assessment submit": (["ada@example.org", "--cycle", "2026"], SELF_OR_ADMIN),
    "assessment withdraw": (["ada@example.org", "--cycle", "2026"], SELF_OR_ADMIN),
    # Answering the assessor's ratings is the person's step (refused here: they differ, and
    # nothing is answered).
    "assessment review": (
        ["ada@example.org", "--cycle", "2026", "--kind", "assessor"],
        SELF_OR_ADMIN,
    ),
    "assessment agree": (["ada@example.org", "--cycle", "2026"], ADMIN_ONLY),
    "assessment sign-off": (["ada@example.org", "--cycle", "2026"], ADMIN_ONLY),
    "assessment reopen": (["ada@example.org", "--cycle", "2026", "--reason", "typo"], ADMIN_ONLY),
    "remind": (["--dry-run"], ADMIN_ONLY),
    "person data": (["ada@example.org"], SELF_OR_ADMIN),
    "retention": (["--dry-run"], ADMIN_ONLY),
    "team plan": (["--requirements", "{tmp}/needs.yaml"], LEADS),
    "team calibration": ([], [N, N, Y, Y, Y]),
    "team trend": ([], [N, N, Y, Y, Y]),
    "due": ([], [N, N, Y, Y, Y]),
    "plan": (["ada@example.org"], OWN),
    "report": (["ada@example.org", "--format", "html", "--out", "{tmp}/ada.html"], OWN),
    "jobs list": ([], EVERYONE),
    "jobs show": (["{job}"], SELF_OR_ADMIN),  # Ada's job
    "worker": (["--burst"], ADMIN_ONLY),
    "person erase": (["ada@example.org", "--yes"], ADMIN_ONLY),
}
# Options that change a command's rule, run as well: (command, arguments, expected).
VARIANTS: list[tuple[str, list[str], list[bool]]] = [
    ("plan", ["ada@example.org", "--generate"], SELF_OR_ADMIN),
    ("report", ["--team", "", "--format", "html", "--out", "{tmp}/team.html"], LEADS),
    ("report", ["--all", "--out", "{tmp}/everyone"], ADMIN_ONLY),
    ("assessment submit", ["ada@example.org", "--cycle", "2026", "--kind", "assessor"], ADMIN_ONLY),
]
# The same operation on the command line and on the web: they must agree for every persona.
SAME_AS_WEB: list[tuple[str, list[str], tuple[str, str]]] = [
    ("history", ["ada@example.org"], ("GET", "people/<int:person_id>")),
    ("plan", ["ada@example.org"], ("GET", "people/<int:person_id>")),
    ("plan", ["ada@example.org", "--generate"], ("POST", "people/<int:person_id>/plan")),
    (
        "report",
        ["ada@example.org", "--format", "html", "--out", "{tmp}/ada.html"],
        ("GET", "people/<int:person_id>/report.<str:fmt>"),
    ),
    (
        "report",
        ["--team", "", "--format", "pdf", "--out", "{tmp}/team.pdf"],
        ("GET", "team/report.<str:fmt>"),
    ),
    ("team plan", ["--requirements", "{tmp}/needs.yaml"], ("GET", "team/plan")),
    ("team calibration", [], ("GET", "team/calibration")),
    ("team trend", [], ("GET", "team/trends")),
    ("due", [], ("GET", "due")),
    ("raters list", ["ada@example.org"], ("GET", "people/<int:person_id>/raters")),
    ("raters views", ["ada@example.org"], ("GET", "api/v1/people/<person_id>/second-views")),
    ("export", ["--format", "csv", "--out", "{tmp}/x.csv"], ("GET", "manage/export.<str:fmt>")),
    ("import", ["{tmp}/missing.csv"], ("GET", "manage/import")),
    ("jobs show", ["{job}"], ("GET", "jobs/<int:job_id>")),
]


def commands(group: click.Group = cli, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            if command.invoke_without_command:
                yield path, command
            yield from commands(command, path)
        else:
            yield path, command


def declared(command: click.Command) -> object:
    return getattr(command.callback, RULE, None)


def test_every_command_declares_a_rule_of_the_policy() -> None:
    missing = [path for path, command in commands() if declared(command) is None]
    assert missing == []
    for path, command in commands():
        rule = declared(command)
        if isinstance(rule, str) and rule != FILE_ONLY:
            assert rule in POLICY_RULES, f"{path}: no such rule {rule!r}"


def test_every_command_on_the_database_is_in_the_matrix() -> None:
    on_data = {path for path, command in commands() if declared(command) != FILE_ONLY}
    assert sorted(on_data - set(CLI_RULES)) == []
    assert sorted(set(CLI_RULES) - on_data) == []


def run_as(username: str, command: str, args: list[str], tmp: Path) -> tuple[int, str]:
    argv = ["--as", username, *command.split(), *(a.replace("{tmp}", str(tmp)) for a in args)]
    import sys

    stdin, sys.stdin = sys.stdin, io.StringIO("a long pass phrase\n")
    try:
        from contextlib import redirect_stderr, redirect_stdout

        err, out = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = stdin
    return code, err.getvalue()


def allowed(code: int, err: str) -> bool:
    """Refused is exit 2 with the policy's message; anything else got past the policy."""
    assert code in (0, 2), err
    return not (code == 2 and "not allowed (" in err)


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "needs.yaml").write_text(
        "requirements:\n  - competence: life-cycles\n    at_least: 1\n", "utf-8"
    )
    return tmp_path


@pytest.mark.parametrize("persona", PERSONAS)
def test_cli_authorization_matrix(world: World, tmp: Path, persona: str) -> None:
    who = world.users[persona]
    assert who is not None
    i = PERSONAS.index(persona)
    wrong = {}
    runs = [(c, a, e) for c, (a, e) in CLI_RULES.items() if c != "person erase"]
    runs += [*VARIANTS, ("person erase", *CLI_RULES["person erase"])]
    for command, args, expected in runs:
        args = [a.replace("{job}", str(world.job)) for a in args]
        code, err = run_as(who.get_username(), command, args, tmp)
        if allowed(code, err) != expected[i]:
            wrong[f"{command} {' '.join(args)}"] = (code, err.strip()[:200])
    assert wrong == {}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_command_line_and_the_web_agree(world: World, tmp: Path, persona: str) -> None:
    who = world.users[persona]
    assert who is not None
    client = Client()
    client.force_login(who)
    disagree = {}
    for command, args, (method, pattern) in SAME_AS_WEB:
        on_web = request(client, method, pattern, world) not in (401, 403)
        assert WEB_RULES[(method, pattern)][PERSONAS.index(persona) + 1] not in (401, 403) or (
            not on_web
        )
        args = [a.replace("{job}", str(world.job)) for a in args]
        code, err = run_as(who.get_username(), command, args, tmp)
        if allowed(code, err) != on_web:
            disagree[command + " " + " ".join(args)] = (on_web, code, err.strip()[:200])
    assert disagree == {}
