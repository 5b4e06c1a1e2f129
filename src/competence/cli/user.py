"""`competence user ...` and `competence token ...`: the users who sign in and the API tokens."""

from __future__ import annotations

import sys

import click

from competence.cli.common import Session, Table, emit_json, json_option, needs, out
from competence.domain.roles import ROLES
from competence.errors import InputError


@click.group()
def user() -> None:
    """Manage the users who sign in, and their roles."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    required=True,
    help="What the user may see beyond their own data.",
)
@click.option("--email", required=True, help="The user's email address.")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="Read the password from standard input (never from the command line).",
)
@click.option("--person", help="Link to this person (email or employee id).")
@needs("admin")
def user_create(
    session: Session,
    username: str,
    role: str,
    email: str,
    password_stdin: bool,
    person: str | None,
) -> None:
    """Create USERNAME with a role and a password read from standard input."""
    password = sys.stdin.readline().rstrip("\n")
    if not password:
        raise InputError("--password-stdin: no password on standard input")
    from competence.services.accounts import create_user

    with session.acting():
        create_user(username, role=role, email=email, password=password, person=person)
    click.echo(f"Created {username} ({role}).", err=True)


@user.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@needs("admin")
def user_set_role(session: Session, username: str, role: str) -> None:
    """Give USERNAME the ROLE (member, assessor, pmo-lead or admin)."""
    from competence.services.accounts import find_user, set_role

    with session.acting():
        set_role(find_user(username), role)
    click.echo(f"{username} is now {role}.", err=True)


@user.command("list")
@click.option("--search", default="", help="Only users whose name or email contains this.")
@click.option("--role", type=click.Choice(ROLES), help="Only users with this role.")
@click.option(
    "--active/--deactivated", default=None, help="Only active, or only deactivated, users."
)
@json_option
@needs("admin")
def user_list(
    session: Session, search: str, role: str | None, active: bool | None, as_json: bool
) -> None:
    """List the users, their roles and the person each is linked to."""
    from competence.services.accounts import users

    data = users(search, role, active)
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("User", "Email", "Role", "Person", "Status"):
        table.add_column(name)
    for u in data:
        status = "active" if u["active"] else "deactivated"
        if u["active"] and not u["has_password"]:
            status += ", invited"
        table.add_row(u["username"], u["email"], u["role"], u["person"] or "", status)
    out.print(table)


@click.group()
def token() -> None:
    """Manage API tokens for integrations."""


@token.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for.")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: GET only; write: everything the user may do.",
)
@needs("admin")
def token_create(session: Session, username: str, name: str, scope: str) -> None:
    """Create an API token for USERNAME; it is shown once, and stored only hashed."""
    from competence.services.accounts import create_token, find_user

    with session.acting():
        made, secret = create_token(find_user(username), name, scope)
    click.echo(
        f"Token {made.pk} for {username} ({scope}); keep it secret, it is shown once:", err=True
    )
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id", type=int)
@needs("admin")
def token_revoke(session: Session, token_id: int) -> None:
    """Revoke the token TOKEN_ID: it stops working at once."""
    from competence.services.accounts import revoke_token

    with session.acting():
        revoked = revoke_token(token_id)
    click.echo(f"Token {revoked.pk} ({revoked.name}) is revoked.", err=True)


@token.command("list")
@json_option
@needs("admin")
def token_list(session: Session, as_json: bool) -> None:
    """List the API tokens (never their secrets)."""
    from competence.services.accounts import tokens

    data = tokens()
    if as_json:
        emit_json(data)
        return
    table = Table()
    for name in ("Id", "User", "Name", "Scope", "Starts", "Last used", "Revoked"):
        table.add_column(name)
    for t in data:
        table.add_row(
            str(t["id"]),
            t["user"],
            t["name"],
            t["scope"],
            t["prefix"],
            t["last_used_at"] or "never",
            "yes" if t["revoked"] else "no",
        )
    out.print(table)
