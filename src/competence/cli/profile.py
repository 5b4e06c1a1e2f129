"""`competence profiles`, `competence profile ...` and `competence template`: the role profiles
and the self-assessment workbook."""

from __future__ import annotations

from pathlib import Path

import click

from competence.cli.common import (
    Session,
    Table,
    Text,
    context_option,
    emit_json,
    file_only,
    json_option,
    needs,
    out,
    out_option,
    profile_rule,
    stored_profile_rule,
    version_option,
)
from competence.domain.contexts import CONTEXTS
from competence.errors import InputError, writing


@click.command()
@json_option
@file_only
def profiles(as_json: bool) -> None:
    """List the built-in role profiles (APM's); `profile list` lists the stored ones."""
    from competence.services.catalogue import profiles_data

    data = profiles_data()
    if as_json:
        emit_json(data)
        return
    table = Table()
    table.add_column("Profile")
    table.add_column("Name")
    table.add_column("Builds on")
    for p in data:
        table.add_row(p["id"], p["name"], p["builds_on"] or "")
    out.print(table)


@click.group()
def profile() -> None:
    """Show one role profile, or compare two."""


@profile.command("show")
@click.argument("profile_id", metavar="PROFILE")
@version_option
@context_option
@json_option
@needs(profile_rule("profile_id"))
def profile_show(
    session: Session, profile_id: str, number: int | None, context: str | None, as_json: bool
) -> None:
    """Show a PROFILE's target for each competence and where it applies, and its rule.

    PROFILE is a profile's slug (pmo-officer, pmo-specialist, or one of the organisation's
    stored with `competence profile import`) or the path of a profile file.
    """
    from competence.services.catalogue import profile_data

    if session.user is None:
        data = profile_data(profile_id, context)
    else:
        from competence.services import profiles

        cat, chosen = profiles.pinned(profiles.version(profile_id, number))
        data = profile_data(chosen.id, context, cat)
    if as_json:
        emit_json(data)
        return
    where = f" in the {context} context" if context else ""
    title = f"{data['name']} v{data['version']} ({data['owner']}){where}"
    table = Table(title=title, title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    for axis in data["axes"]:
        table.add_column(axis.capitalize(), justify="center")
    table.add_column("Applies in")
    for r in data["requirements"]:
        everywhere = len(r["contexts"]) == len(CONTEXTS)
        applies = r["qualifier"] or ("all contexts" if everywhere else ", ".join(r["contexts"]))
        if not r["applicable"]:
            applies += " (not here)"
        table.add_row(
            str(r["number"]),
            r["name"],
            *(str(r[axis]) for axis in data["axes"]),
            applies,
            style="" if r["applicable"] else "dim",
        )
    out.print(table)
    if data["rule"]:
        rule = data["rule"]
        names = {r["number"]: r["name"] for r in data["requirements"]}
        out.print(Text(rule["statement"], style="italic"))
        out.print(
            f"Rule: the {rule['base_profile']} profile in the same context; "
            + " and ".join(names[n] for n in rule["required"])
            + f" at this profile's rating; and at least {rule['at_least']} of: "
            + ", ".join(names[n] for n in rule["deciding"])
            + "."
        )


@profile.command("diff")
@click.argument("first", metavar="FROM")
@click.argument("second", metavar="TO")
@json_option
@needs(profile_rule("first", "second"))
def profile_diff(session: Session, first: str, second: str, as_json: bool) -> None:
    """Show which requirements rise from profile FROM to profile TO, and by how much.

    Each is a profile's slug (APM's, or one of the organisation's stored ones) or a profile file.
    """
    from competence.services.catalogue import profile_diff_data

    if session.user is None:
        data = profile_diff_data(first, second)
    else:
        from competence.services import profiles

        data = profile_diff_data(first, second, profiles.catalogue())
    if as_json:
        emit_json(data)
        return
    first, second = data["from"], data["to"]
    table = Table(title=f"{first} → {second}", title_justify="left")
    table.add_column("No.", justify="right")
    table.add_column("Competence")
    table.add_column(first, justify="center")
    table.add_column(second, justify="center")
    table.add_column("Rise")
    for ch in data["changes"]:
        a, b = ch[first], ch[second]
        rise = ", ".join(f"{axis} {v:+d}" for axis, v in ch["rise"].items() if v)
        if ch["contexts"][first] != ch["contexts"][second]:
            rise = (rise + "; " if rise else "") + (
                f"applies in {', '.join(ch['contexts'][second]) or 'no context'} "
                f"(was {', '.join(ch['contexts'][first]) or 'none'})"
            )
        table.add_row(
            str(ch["number"]),
            ch["name"],
            "/".join(str(v) for v in a.values()) if a else "-",
            "/".join(str(v) for v in b.values()) if b else "-",
            rise,
        )
    out.print(table)
    out.print(f"{len(data['changes'])} requirements differ.")


@profile.command("list")
@json_option
@needs("signed-in")
def profile_list(session: Session, as_json: bool) -> None:
    """List every profile stored in the database, APM's and the organisation's, latest versions."""
    from competence.services import profiles

    data = profiles.listing()
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Profile", "Name", "Version", "Owner", "Rule", "Builds on"):
        table.add_column(name)
    for p in data:
        table.add_row(
            p["id"], p["name"], str(p["version"]), p["owner"], p["rule"], p["builds_on"] or ""
        )
    out.print(table)


@profile.command("export")
@click.argument("profile_id", metavar="PROFILE")
@version_option
@out_option("The profile file to write (YAML).")
@needs(profile_rule("profile_id"))
def profile_export(session: Session, profile_id: str, number: int | None, out_file: Path) -> None:
    """Write PROFILE (a version of it) as a profile file, to tailor and import as a new profile.

    An APM profile is read-only: change its id (and name) before importing your copy.
    """
    import yaml

    if session.user is None:
        from competence.data import load_catalogue, profile_document

        document = profile_document(load_catalogue().profile(profile_id))
    else:
        from competence.services import profiles

        document = profiles.export(profile_id, number)
    with writing(out_file, "--out"):
        out_file.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), "utf-8"
        )
    click.echo(f"Wrote {out_file} ({document['id']} v{document['version']}).", err=True)


@profile.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report; store nothing.")
@json_option
@needs("profile.edit")
def profile_import(session: Session, file: Path, dry_run: bool, as_json: bool) -> None:
    """Check a profile FILE and store it as the profile's next version (version 1 when new).

    Every bad field is named; nothing is stored unless the whole file is right.
    """
    from competence.services import profiles

    with session.acting():
        data = profiles.import_file(file, dry_run=dry_run)
    if as_json:
        emit_json(data)
        return
    done = "Checked (dry run, nothing stored)" if dry_run else "Stored"
    out.print(
        f"{done}: {data['id']} ({data['name']}) version {data['version']}, "
        f"{data['requirements']} requirements, rule {data['rule']}."
    )


@click.command()
@out_option("Where to write the .xlsx file.")
@click.option(
    "--profile",
    "-p",
    "profile_id",
    default="pmo-officer",
    show_default=True,
    help="Profile the targets come from.",
)
@context_option
@needs(stored_profile_rule("profile_id"))
def template(session: Session, out_file: Path, profile_id: str, context: str | None) -> None:
    """Write the self-assessment workbook to fill in and give to `competence gap`.

    With --context it lists the competences that apply there; without, every competence of the
    profile's framework and where each applies. The profile is one of APM's, a profile file, or
    a stored profile's slug (give `gap` the same --profile).
    """
    from competence.api import write_template

    if out_file.suffix.lower() != ".xlsx":
        raise InputError(f"--out: {out_file}: the template is a workbook; name it *.xlsx")
    if session.user is None:
        with writing(out_file, "--out"):
            rows = write_template(out_file, profile_id, context)
    else:
        from competence.formats.template import write_template as write
        from competence.services import profiles

        catalogue, chosen = profiles.resolve(profile_id)
        with writing(out_file, "--out"):
            rows = write(catalogue, chosen or profile_id, context, out_file)
    click.echo(f"Wrote {out_file} ({rows} competences to rate).", err=True)
