"""The database: `competence db upgrade`, `import`, `export`, `backup` and `restore`."""

from __future__ import annotations

from pathlib import Path

import click

from competence.cli.assessment import KINDS
from competence.cli.common import (
    ProgressBar,
    Session,
    counts_text,
    emit_json,
    json_option,
    needs,
    out,
    out_option,
)


@click.group()
def db() -> None:
    """Manage the database (COMPETENCE_DATABASE_URL, default: a SQLite file)."""


@db.command("upgrade")
@needs("admin", tables=False)
def db_upgrade(session: Session) -> None:
    """Create or upgrade the database tables; running it again changes nothing."""
    from competence.services import database

    version = database.upgrade()
    click.echo(f"Database {database.name()} is up to date (framework {version}).", err=True)


@click.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the whole file and report; write nothing.")
@click.option(
    "--cycle",
    help="Cycle for ratings (default: the file's cycle column, else the open cycle, else a new "
    "one named after today).",
)
@click.option(
    "--kind",
    type=KINDS,
    help="Kind of assessment the ratings form (default: the file's kind column, else self).",
)
@json_option
@needs("admin")
def import_(
    session: Session,
    file: Path,
    dry_run: bool,
    cycle: str | None,
    kind: str | None,
    as_json: bool,
) -> None:
    """Import a people file, a ratings file or a JSON export (the header tells which).

    All or nothing: one bad row anywhere and nothing is written; every bad row is listed.
    """
    from competence.services.imports import import_file

    with session.acting(), ProgressBar() as progress:
        report = import_file(file, cycle=cycle, kind=kind, dry_run=dry_run, progress=progress)
    if as_json:
        emit_json(report.as_dict())
        return
    done = "Checked (dry run, nothing written)" if dry_run else "Imported"
    out.print(f"{done} {report.kind} file {file}: {counts_text(report.counts)}.")


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    required=True,
    help="csv or xlsx: people and ratings; json: everything.",
)
@click.option("--team", help="Only this team and its sub-teams (write Department / Team).")
@click.option("--history", is_flag=True, help="csv, xlsx: every assessment, not only the latest.")
@out_option("File to write (default: standard output; required for xlsx).", required=False)
@needs("admin")
def export(
    session: Session, fmt: str, team: str | None, history: bool, out_file: Path | None
) -> None:
    """Export people and their assessments."""
    from competence.services.export import export_to

    count, what = export_to(fmt, team, history, out_file)
    if out_file is not None:
        click.echo(f"Wrote {out_file} ({count} {what}).", err=True)


@click.command()
@out_option("The backup file to write (gzip-compressed JSON).")
@needs("admin")
def backup(session: Session, out_file: Path) -> None:
    """Write a consistent, compressed snapshot of everything, audit trail included."""
    from competence.services.backup import write_backup

    counts = write_backup(out_file)
    click.echo(f"Wrote {out_file}: {counts_text(counts)}.", err=True)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@needs("admin")
def restore(session: Session, file: Path) -> None:
    """Restore a backup FILE into an empty database (SQLite or PostgreSQL)."""
    from competence.services.backup import restore as restore_backup

    with session.acting():
        counts = restore_backup(file)
    click.echo(f"Restored {file}: {counts_text(counts)}.", err=True)
