"""Start-up: the command loads only what a command needs, and the package's own data still
follows its schema (load_catalogue no longer checks it, to start quickly)."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from competence.data import APM_DIR, APM_FILES, checked

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APM_DIR_PATH = Path(str(resources.files("competence.data"))) / APM_DIR
HEAVY = ("django", "jsonschema", "scipy", "sklearn", "weasyprint", "openpyxl")
FILE_ONLY_GAP = (
    "django",
    "jsonschema",
    "scipy",
    "sklearn",
    "weasyprint",
    "openpyxl",
    "rich",
    "yaml",
)
"""What ``--help`` and ``gap`` on a file, written anywhere but a terminal, do without: Rich
draws one person's table on a terminal only, and the APM data is read from its JSON copy."""

LOADED = """
import json, sys
sys.stdout.isatty = lambda: False
{code}
heavy = {heavy!r}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy))), file=sys.stderr)
"""

RUN_CLI = """
from competence.cli import main
sys.argv = ["competence", *{args!r}]
try:
    main()
except SystemExit:
    pass
"""


def heavy_modules_loaded(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(code=code, heavy=heavy)],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_importing_the_command_loads_no_heavy_library() -> None:
    assert heavy_modules_loaded("import competence.cli") == []


def test_importing_the_package_loads_no_heavy_library() -> None:
    assert heavy_modules_loaded("import competence") == []


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["gap", "--help"],
        ["gap", str(EXAMPLES / "ada.csv"), "-p", "pmo-specialist", "-c", "programme"],
        ["gap", str(EXAMPLES / "team.csv"), "-p", "pmo-officer", "-c", "project", "--json"],
    ],
)
def test_help_and_gap_on_a_file_load_no_heavy_library(args: list[str]) -> None:
    assert heavy_modules_loaded(RUN_CLI.format(args=args), FILE_ONLY_GAP) == []


def test_the_web_app_starts_without_the_numerical_and_pdf_libraries() -> None:
    """What `competence serve` loads before its workers fork: Django, every view and the API."""
    start = (
        "from competence.store import setup\nsetup()\n"
        "from django.urls import get_resolver\nget_resolver().resolve('/')"
    )
    assert heavy_modules_loaded(start, ("numpy", "scipy", "sklearn", "weasyprint")) == []


def command_modules_loaded(args: list[str]) -> list[str]:
    """The modules of the ``competence.cli`` package that running ``competence ARGS`` loads."""
    code = RUN_CLI.format(args=args) + (
        'print(json.dumps(sorted(m for m in sys.modules if m.startswith("competence.cli."))),'
        " file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_none_of_the_commands_modules() -> None:
    assert command_modules_loaded(["--help"]) == ["competence.cli.lazy"]


def test_a_command_imports_its_own_module_alone() -> None:
    assert command_modules_loaded(["gap", "--help"]) == [
        "competence.cli.common",
        "competence.cli.gap",
        "competence.cli.lazy",
    ]


def test_the_table_of_commands_is_the_commands_modules() -> None:
    from competence.cli import COMMANDS
    from competence.cli.lazy import table

    assert table() == COMMANDS, (
        "competence.cli.COMMANDS differs from the commands: run "
        "`cog -r src/competence/cli/__init__.py`"
    )


@pytest.mark.parametrize("limit", [20, 45, 62, 200])
def test_help_lists_each_command_with_the_short_help_it_has_when_imported(limit: int) -> None:
    from competence.cli import COMMANDS
    from competence.cli.lazy import LazyCommands

    lazy, loaded = LazyCommands(COMMANDS), LazyCommands(COMMANDS)
    for name in COMMANDS:
        listed, command = lazy.listed(name), loaded[name]
        assert listed is not command
        assert listed.get_short_help_str(limit) == command.get_short_help_str(limit), name
        assert listed.hidden is command.hidden


def test_help_is_the_same_before_and_after_every_command_is_imported() -> None:
    code = """
import sys
from competence.cli import cli
for width in (60, 80, 120):
    ctx = cli.make_context("competence", [], resilient_parsing=True, terminal_width=width)
    before = cli.get_help(ctx)
    assert not cli.commands.loaded, cli.commands.loaded
    dict(cli.commands.items())  # every command imported
    assert cli.get_help(ctx) == before, (before, cli.get_help(ctx))
    cli.commands.loaded.clear()
print("same")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "same", done.stderr


def test_the_apm_data_read_at_start_is_the_yaml_files() -> None:
    from competence.data import APM_JSON, apm_documents

    stored = json.loads((APM_DIR_PATH / APM_JSON).read_text("utf-8"))
    assert stored == apm_documents(), (
        f"{APM_JSON} is out of date: run "
        'python -c "from competence.data import write_apm_json; write_apm_json()"'
    )


def test_the_python_api_names_are_still_importable_from_the_package() -> None:
    import competence

    for name in competence.__all__:
        assert getattr(competence, name) is not None
    with pytest.raises(AttributeError):
        _ = competence.no_such_name


@pytest.mark.parametrize("name", APM_FILES)
def test_the_packaged_apm_files_follow_their_schema(name: str) -> None:
    import yaml

    doc = yaml.safe_load(
        (Path(str(resources.files("competence.data"))) / APM_DIR / name).read_text("utf-8")
    )
    kind = "framework" if name == "framework.yaml" else "profile"
    assert checked(doc, kind, name) is doc
