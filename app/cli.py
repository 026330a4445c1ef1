"""Flask CLI: serve, create-admin, reset-two-factor, seed-demo, tick, worker, publish."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import click
from flask import Flask, current_app

from app.extensions import db
from app.services import users
from app.services.errors import ServiceError


def register_cli(app: Flask) -> None:
    commands = (
        serve,
        create_admin,
        reset_two_factor,
        seed_demo_command,
        tick_command,
        worker_command,
        publish,
    )
    for command in commands:
        app.cli.add_command(command)
    _register_operator_commands(app)


def _register_operator_commands(app: Flask) -> None:
    """backup, restore, export, import (README, "Operating Herald")."""
    from app.backup.cli import backup_command, restore_command
    from app.portability.cli import export_command, import_command

    for command in (backup_command, restore_command, export_command, import_command):
        app.cli.add_command(command)


def _fail(message: str):
    raise click.ClickException(message)


def _ensure_first_admin() -> None:
    """Create the first admin from HERALD_ADMIN_EMAIL/PASSWORD, or print a generated one."""
    if users.any_users():
        return
    email = os.environ.get("HERALD_ADMIN_EMAIL", "admin@example.com")
    password = os.environ.get("HERALD_ADMIN_PASSWORD")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    try:
        users.create_user(email=email, password=password, role="admin", actor="cli")
    except ServiceError as exc:
        _fail(f"Could not create the first admin: {exc.message} Fix HERALD_ADMIN_EMAIL/PASSWORD.")
    click.secho(f"First admin created: {email}", fg="green")
    if generated:
        click.secho(f"  password (shown once): {password}", fg="yellow")


@click.command("serve")
@click.option(
    "--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1"
)
@click.option(
    "--port", default=lambda: int(os.environ.get("PORT", 5000)), type=int, show_default="5000"
)
@click.option(
    "--demo/--no-demo",
    default=lambda: os.environ.get("HERALD_DEMO", "1") == "1",
    help="Fill an empty site with demo components and incidents.",
)
def serve(host: str, port: int, demo: bool) -> None:
    """Migrate, create the first admin, and serve the whole site (web + worker)."""
    from flask_migrate import upgrade

    from app.serving import EmbeddedServer
    from app.site import derive_from_bind

    click.echo("Applying database migrations…")
    upgrade()
    _ensure_first_admin()
    if demo:
        from app.demo import seed_demo

        seed_demo(if_empty=True, echo=click.echo)
    db.session.remove()
    db.engine.dispose()  # the serving process opens its own connections
    app = current_app._get_current_object()
    derived = derive_from_bind(app, host, port)
    click.secho(f"Herald is running on http://{host}:{port}/  (admin: /admin)", fg="green")
    if derived:
        click.echo(f"Public address: {derived} (set SITE_URL to the address visitors use)")
    else:
        click.echo(f"Public address: {app.config['SITE_URL']} (SITE_URL)")
    EmbeddedServer(app, f"{host}:{port}").run()


@click.command("create-admin")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager"]), default="admin", show_default=True)
def create_admin(email: str, role: str) -> None:
    """Create a user; the password comes from HERALD_ADMIN_PASSWORD or a prompt."""
    password = os.environ.get("HERALD_ADMIN_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = users.create_user(email=email, password=password, role=role, actor="cli")
    except ServiceError as exc:
        _fail(exc.message)
    click.secho(f"Created {user.role} {user.email}.", fg="green")


@click.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Turn off a user's two-factor login (lost phone and recovery codes, and no other
    admin to reset it on the Users page); their sessions end."""
    from app.services import two_factor

    user = users.find_by_email(email)
    if user is None:
        _fail(f"No user has the email {email.strip().lower()}.")
    try:
        two_factor.reset(user, actor="cli")
    except ServiceError as exc:
        _fail(exc.message)
    click.secho(
        f"Two-factor login of {user.email} is off; they log in with their password.", fg="green"
    )


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed even if components already exist.")
def seed_demo_command(force: bool) -> None:
    """Fill the site with demo components, incidents and maintenance."""
    from app.demo import seed_demo

    seed_demo(if_empty=not force, echo=click.echo)


@click.command("tick")
def tick_command() -> None:
    """Start and complete due maintenance (idempotent; the worker runs it every ~30 s)."""
    from app.services.maintenance import tick

    result = tick()
    click.echo(
        f"started {len(result.started)}, completed {len(result.completed)}, "
        f"planned {len(result.planned)}"
    )


@click.command("worker")
def worker_command() -> None:
    """Run the background worker in the foreground (scale-out mode): ticks, and delivers the
    outbox itself, or with REDIS_URL as an RQ worker that any number of hosts can run."""
    from app.delivery.worker import run_forever, run_rq_worker

    app = current_app._get_current_object()
    rq = bool(app.config.get("REDIS_URL"))
    how = "RQ on Redis" if rq else "polling the outbox"
    click.echo(f"Worker running ({how}), tick every {app.config['TICK_SECONDS']} s. Ctrl-C stops.")
    try:
        (run_rq_worker if rq else run_forever)(app, threading.Event())
    except KeyboardInterrupt:
        click.echo("Worker stopped.")


@click.command("publish")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def publish(directory: Path | None) -> None:
    """Write the public side as static files into DIRECTORY (default: HERALD_PUBLISH_DIR)."""
    from app.mirror.publish import publish as publish_mirror
    from app.mirror.publish import report

    directory = directory or current_app.config.get("PUBLISH_DIR")
    if not directory:
        _fail("Give a directory (flask publish DIR) or set HERALD_PUBLISH_DIR.")
    result = publish_mirror(current_app._get_current_object(), Path(directory), progress=True)
    report(result, click.echo)
    click.echo("Serve it with bench/nginx-mirror.conf (see bench/README.md).")
