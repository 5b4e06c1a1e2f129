"""The `competence` command end to end: output, --json shapes and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from openpyxl import load_workbook

from competence.cli import cli, main
from competence.formats.template import HEADER_ROW
from tests.conftest import EXAMPLES


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


@pytest.mark.parametrize("path", all_commands(cli), ids=lambda p: " ".join(p) or "competence")
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    assert command.help, f"{' '.join(path)} has no help text"
    assert command.help.strip()
    code, out, _ = run(capsys, *path, "--help")
    assert code == 0
    assert out.startswith("Usage: competence")
    assert command.help.split("\n")[0].strip()[:30] in " ".join(out.split())


def test_framework_lists_the_29_competences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "framework", "--json")
    assert code == 0
    data = json.loads(out)
    assert [c["number"] for c in data["competences"]] == list(range(1, 30))
    assert data["competences"][17]["slug"] == "ethics-compliance-and-professionalism"
    code, out, _ = run(capsys, "framework")
    assert "Ethics, compliance and" in out
    assert "Association for Project Management" in out


def test_profiles_and_profile_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profiles", "--json")
    assert [p["id"] for p in json.loads(out)] == ["pmo-officer", "pmo-specialist"]
    code, out, _ = run(capsys, "profile", "show", "pmo-officer", "--context", "project", "--json")
    data = json.loads(out)
    applicable = {r["number"] for r in data["requirements"] if r["applicable"]}
    assert applicable == set(range(1, 30)) - {6, 11, 25}
    code, out, _ = run(capsys, "profile", "show", "pmo-specialist")
    assert code == 0
    assert "at least three of the competence requirements" in " ".join(out.split())


def test_profile_diff_says_which_requirements_rise(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profile", "diff", "pmo-officer", "pmo-specialist", "--json")
    assert code == 0
    changes = {c["number"]: c for c in json.loads(out)["changes"]}
    assert changes[2]["rise"] == {"knowledge": 1, "application": 2}
    assert changes[15]["rise"] == {"knowledge": 1, "application": 0}
    assert changes[6]["rise"] == {"knowledge": 0, "application": 0}
    assert changes[6]["contexts"]["pmo-officer"] == ["portfolio"]
    assert set(changes) == {1, 2, 5, 6, 8, 9, 10, 12, 15, 16, 22, 23, 26, 28, 29}


def test_gap_json_for_the_example_person(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "gap",
        str(EXAMPLES / "ada.csv"),
        "--profile",
        "pmo-specialist",
        "--context",
        "programme",
        "--json",
    )
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert isinstance(data, dict)
    assert data["meets_profile"] is False
    assert data["missing"] == [
        {
            "number": 2,
            "slug": "governance-arrangements",
            "axis": "application",
            "target": 4,
            "actual": 3,
        }
    ]
    assert data["specialisms_met"] == [23]
    assert len(data["competences"]) == 29


def test_gap_table_shows_verdict_and_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-officer", "-c", "programme"
    )
    assert code == 0
    assert "Meets the PMO officer profile in the programme context" in out


def test_gap_with_a_person_column_gives_a_list_in_file_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "gap",
        str(EXAMPLES / "team.csv"),
        "--profile",
        "pmo-officer",
        "--context",
        "project",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert [d["person"] for d in data] == ["ada@example.org", "grace@example.org"]


def test_template_fill_in_and_gap_takes_profile_and_context_from_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "self-assessment.xlsx"
    code, _, err = run(
        capsys,
        "template",
        "--profile",
        "pmo-specialist",
        "--context",
        "portfolio",
        "--out",
        str(path),
    )
    assert code == 0
    assert "27 competences to rate" in err  # 11 and 25 are programme only
    book = load_workbook(path)
    ws = book["Self-assessment"]
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        ws.cell(row, 4).value = ws.cell(row, 7).value  # knowledge = target
        ws.cell(row, 5).value = ws.cell(row, 8).value  # application = target
    ws["B4"] = "ada@example.org"
    book.save(path)
    code, out, _ = run(capsys, "gap", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    assert (data["person"], data["profile"], data["context"]) == (
        "ada@example.org",
        "pmo-specialist",
        "portfolio",
    )
    assert data["meets_profile"] is True
    # The command line wins over the workbook.
    code, out, _ = run(capsys, "gap", str(path), "--profile", "pmo-officer", "--json")
    assert json.loads(out)["profile"] == "pmo-officer"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gap", "missing.csv", "-p", "pmo-officer", "-c", "project"], "missing.csv: no such file"),
        (["gap", str(EXAMPLES / "ada.csv"), "-c", "project"], "no profile given"),
        (["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-officer"], "no context given"),
        (
            ["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-boss", "-c", "project"],
            "unknown profile 'pmo-boss'",
        ),
        (
            ["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-officer", "-c", "team"],
            "Invalid value for '--context'",
        ),
        (["profile", "show", "nobody.yaml"], "nobody.yaml: no such profile file"),
        (["template", "--out", "x.csv"], "name it *.xlsx"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_bad_rows_exit_2_and_list_every_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("competence,knowledge,application\n1,6,1\n2,1,1\nplanning,1,1\n")
    code, out, err = run(capsys, "gap", str(path), "-p", "pmo-officer", "-c", "project", "--json")
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert lines[0] == f'{path}, line 2: knowledge: must be a whole number from 0 to 5, got "6"'
    assert lines[1].startswith(f'{path}, line 4: competence: unknown competence "planning"')


def test_an_internal_error_is_one_line_exit_1_and_traceback_only_with_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import competence.services.catalogue as catalogue

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalogue, "profiles_data", broken)
    code, _, err = run(capsys, "profiles")
    assert code == 1
    assert err.strip() == "competence: internal error: RuntimeError: boom (run with --debug)"
    code, _out, err = run(capsys, "--debug", "profiles")
    assert code == 1
    assert "Traceback" in err


def test_the_installed_command_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "competence"
    result = subprocess.run(
        [
            str(script),
            "gap",
            str(EXAMPLES / "ada.csv"),
            "-p",
            "pmo-officer",
            "-c",
            "project",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meets_profile"] is True
    result = subprocess.run(
        [str(script), "gap", "nope.csv"], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0] == "nope.csv: no such file"


def test_a_workbook_with_an_unknown_profile_or_context_says_where(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "self.xlsx"
    assert run(capsys, "template", "--out", str(path))[0] == 0
    book = load_workbook(path)
    ws = book["Self-assessment"]
    ws["B2"], ws["B3"] = "pmo-boss", "team"
    book.save(path)
    code, out, err = run(capsys, "gap", str(path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{path}, sheet Self-assessment, row 2: Profile: unknown profile 'pmo-boss': "
        "choose one of pmo-officer, pmo-specialist",
        f"{path}, sheet Self-assessment, row 3: Context: unknown context 'team': "
        "choose one of project, programme, portfolio",
    ]


def test_person_names_are_shown_as_text_not_markup(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "m.csv"
    path.write_text("person,competence,knowledge,application\n[/oops],1,3,3\n[red]x[/red],1,1,1\n")
    code, out, _ = run(capsys, "gap", str(path), "-p", "pmo-officer", "-c", "project")
    assert code == 0
    assert "[/oops]: PMO officer" in out
    assert "[red]x[/red]: PMO officer" in out
