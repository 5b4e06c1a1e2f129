"""`competence framework`: APM's framework and its scale, and the imported frameworks."""

from __future__ import annotations

from pathlib import Path

import click

from competence.cli.common import (
    Session,
    Table,
    emit_json,
    file_only,
    json_option,
    needs,
    out,
    out_option,
    stored_profile_rule,
)
from competence.errors import writing


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
@file_only
def framework(ctx: click.Context, as_json: bool) -> None:
    """List the competences of APM's framework and its rating scale (`framework list`: every
    framework, imported ones too)."""
    if ctx.invoked_subcommand is not None:
        return
    from competence.services.catalogue import framework_data

    data = framework_data()
    if as_json:
        emit_json(data)
        return
    table = Table(title=data["title"], title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column("Slug", style="dim")
    for c in data["competences"]:
        table.add_row(str(c["number"]), c["name"], c["slug"])
    out.print(table)
    levels = Table(title="Rating scale", title_justify="left")
    for name in ("Level", "Knowledge", "Application"):
        levels.add_column(name)
    for lv in data["levels"]:
        mark = "" if lv["from_source"] else " *"
        levels.add_row(f"{lv['level']} {lv['name']}{mark}", lv["knowledge"], lv["application"])
    out.print(levels)
    out.print("* not in the role profile: our own wording for level 0.", style="dim")
    out.print(f"Source: {data['attribution']['source']}. {data['attribution']['notice']}")


@framework.command("list")
@json_option
@needs("signed-in")
def framework_list(session: Session, as_json: bool) -> None:
    """List every framework to assess against, APM's and each imported one, with its items.

    A profile over an imported framework names it by its id (`framework: ID` in the profile
    file) and its competences by the numbers shown here.
    """
    from competence.services.frameworks import listing

    data = listing()
    if as_json:
        emit_json(data)
        return
    for fw in data:
        table = Table(
            title=f"{fw['title']} ({fw['id']}; rated on {' and '.join(fw['axes'])}; "
            f"levels {', '.join(str(lv['level']) for lv in fw['levels'])})",
            title_justify="left",
        )
        table.add_column("No.", justify="right")
        table.add_column("Competence")
        for c in fw["competences"]:
            table.add_row(str(c["number"]), c["name"])
        out.print(table)


@framework.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["case", "moodle"]),
    required=True,
    help="case: a CASE 1.1 package (JSON); moodle: Moodle's competency framework CSV.",
)
@out_option("The file to write.")
@click.option(
    "--profile",
    "-p",
    "profile_id",
    help="Export this profile's framework with it: a stored profile's slug or a profile file.",
)
@needs(stored_profile_rule("profile_id"))
def framework_export(session: Session, fmt: str, out_file: Path, profile_id: str | None) -> None:
    """Export the framework and its profiles for other systems.

    Without --profile, APM's framework and profiles. With it, the framework the profile is over
    (APM's or an imported one), with its profiles and that one.
    """
    from competence.services.catalogue import export_framework, resolve

    if session.user is None:
        catalogue, _ = resolve(profile_id)
    else:
        from competence.services import profiles

        catalogue, _ = profiles.resolve(profile_id)
    with writing(out_file, "--out"):
        what = export_framework(fmt, out_file, catalogue)
    click.echo(f"Wrote {out_file} ({what}).", err=True)


@framework.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@json_option
@needs("admin")
def framework_import(session: Session, file: Path, as_json: bool) -> None:
    """Import a CASE 1.1 package (JSON) as an additional framework, and say what was skipped."""
    from competence.services.frameworks import import_case_framework

    with session.acting():
        data = import_case_framework(file)
    if as_json:
        emit_json(data)
        return
    out.print(
        f"Imported {data['title']!r} as framework {data['framework']} "
        f"{data['version']}: {data['items']} items."
    )
    if data["skipped"]:
        out.print(f"Skipped {len(data['skipped'])}:")
        for line in data["skipped"]:
            out.print(f"  • {line}")
