"""``competence gap`` over a file of many people: checked in full, then read, analysed and
written one person at a time, in bounded memory, with the same output as before."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from competence import gap_file
from competence.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gap"
MB = 1 << 20
MEMORY = 300 * MB
PROGRAMME = ("-p", "pmo-specialist", "-c", "programme", "--json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main([*args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("profile", "context"), [("pmo-specialist", "programme"), ("pmo-officer", "portfolio")]
)
def test_gap_json_over_many_people_is_byte_identical_to_before(
    capsys: pytest.CaptureFixture[str], profile: str, context: str
) -> None:
    ratings = FIXTURES / "ratings-12.csv"
    code, out, err = run(capsys, "gap", str(ratings), "-p", profile, "-c", context, "--json")
    assert (code, err) == (0, "")
    assert out == (FIXTURES / f"ratings-12.{profile}.{context}.json").read_text("utf-8")


@pytest.mark.parametrize("from_the_end", [1, 2])
def test_a_bad_row_late_in_the_file_rejects_it_with_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, from_the_end: int
) -> None:
    lines = (FIXTURES / "ratings-12.csv").read_text("utf-8").splitlines()
    number = lines[-from_the_end].split(",", 2)[1]
    lines[-from_the_end] = lines[-from_the_end].split(",", 1)[0] + f",{number},7,1,"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", "utf-8")
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, "gap", str(bad), "-p", "pmo-officer", "-c", "project", *extra)
        assert code == 2
        assert out == ""
        line = len(lines) + 1 - from_the_end
        assert f"{bad}, line {line}: knowledge: must be a whole number" in err
        assert "Traceback" not in err


def test_the_table_of_many_people_is_plain_text_with_every_row_and_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ratings = FIXTURES / "ratings-12.csv"
    code, out, err = run(capsys, "gap", str(ratings), "-p", "pmo-specialist", "-c", "programme")
    assert (code, err) == (0, "")
    expected = json.loads((FIXTURES / "ratings-12.pmo-specialist.programme.json").read_text())
    people = out.split("\n\n")
    assert len(people) == len(expected) == 12
    for text, person in zip(people, expected, strict=True):
        lines = text.splitlines()
        assert lines[0] == f"{person['person']}: PMO specialist, programme context"
        assert lines[1].split() == ["No.", "Competence", "Knowledge", "Application", "Result"]
        for line, c in zip(lines[2:31], person["competences"], strict=True):
            cells = [
                f"{'–' if (c['actual'] or {}).get(axis) is None else c['actual'][axis]}"
                f" / {c['target'][axis]}"
                for axis in ("knowledge", "application")
            ]
            short = max(c["gap"].values()) if c["gap"] else 0
            result = (
                "does not apply"
                if not c["applicable"]
                else c["label"]
                if c["met"]
                else f"{c['label']} ({short} short)"
            )
            assert [part.strip() for part in line.split("  ") if part.strip()] == [
                str(c["number"]),
                c["name"],
                *cells,
                result,
            ]
        assert lines[31] == "Actual / target; – is not rated (counts as 0)."
        mark = "✔" if person["meets_profile"] else "✘"
        assert lines[32] == f"{mark} {person['reasons'][0]}"
        assert lines[33 : 33 + len(person["reasons"]) - 1] == [
            f"  • {reason}" for reason in person["reasons"][1:]
        ]
        closest = person["closest_specialisms"]
        assert (lines[-1].startswith("Closest specialisms: ")) == bool(closest)


def test_the_streamed_list_is_the_standard_encoders_text_of_the_whole_analysis(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ratings = tmp_path / "many.csv"
    evidence = ["", "Ran the stage-gate review", '"Built the RAID log, kept it current"']
    evidence += ["'=SUM(A1)", "Écrit le rapport ✓", "'tis documented"]
    with ratings.open("w", encoding="utf-8") as f:
        f.write("person,competence,knowledge,application,evidence\n")
        for i in range(300):
            for c in range(1, 30):
                k, a = (i * 7 + c) % 7, (i + c * 3) % 7  # 6 is left empty: not rated
                f.write(
                    f"p{i}@example.org,{c},{'' if k == 6 else k},{'' if a == 6 else a},"
                    f"{evidence[(i + c) % len(evidence)]}\n"
                )
    for profile, context in (("pmo-specialist", "programme"), ("pmo-officer", "portfolio")):
        code, out, err = run(capsys, "gap", str(ratings), "-p", profile, "-c", context, "--json")
        assert (code, err) == (0, "")
        whole = gap_file(ratings, profile, context)
        assert out == json.dumps(whole, indent=2, ensure_ascii=False) + "\n"


def test_a_person_seen_again_after_another_gives_the_same_as_the_python_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "person,competence,knowledge,application\n"
        "ada@example.org,1,4,4\nbob@example.org,1,2,2\nada@example.org,2,3,3\n",
        "utf-8",
    )
    code, out, _ = run(capsys, "gap", str(mixed), "-p", "pmo-officer", "-c", "project", "--json")
    assert code == 0
    assert json.loads(out) == gap_file(mixed, "pmo-officer", "project")
    duplicate = tmp_path / "twice.csv"
    duplicate.write_text(
        "person,competence,knowledge,application\nada@example.org,1,4,4\nada@example.org,1,2,2\n",
        "utf-8",
    )
    code, out, err = run(capsys, "gap", str(duplicate), "-p", "pmo-officer", "-c", "project")
    assert (code, out) == (2, "")
    assert (
        "line 3: competence: Life cycles (1) appears twice for ada@example.org (first at line 2)"
        in err
    )


def test_gap_over_many_people_runs_in_bounded_memory(tmp_path: Path) -> None:
    people = 4_000  # 116,000 rows: held whole, the analysis needed well over the limit
    ratings = tmp_path / "many.csv"
    with ratings.open("w", encoding="utf-8") as f:
        f.write("person,competence,knowledge,application,evidence\n")
        for i in range(people):
            for c in range(1, 30):
                f.write(f"p{i}@example.org,{c},{(i + c) % 6},{(i * c) % 6},seen at work\n")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    done = subprocess.run(
        [str(Path(sys.executable).parent / "competence"), "gap", str(ratings), *PROGRAMME],
        capture_output=True,
        preexec_fn=limit,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-500:]
    assert done.stdout.count(b'\n    "person": ') == people
    assert done.stdout.endswith(b"}\n]\n")
