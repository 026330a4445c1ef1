"""Settings from the environment: what a deployer sets, and what Herald makes of it."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError, load_config, normalise_database_url

# The environment variables these tests set; each test starts with none of them, and an
# empty value (rather than none) also keeps a developer's .env from filling them in.
SETTINGS = ("HERALD_ENV", "SECRET_KEY", "SITE_URL", "DATABASE_URL", "REDIS_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in SETTINGS:
        monkeypatch.setenv(name, "")


@pytest.fixture
def production(monkeypatch, tmp_path):
    monkeypatch.setenv("HERALD_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'herald.db'}")


def test_production_without_a_secret_key_refuses_to_start(production):
    """In production without SECRET_KEY, does Herald refuse to start and say what to set?"""
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    assert "SECRET_KEY is not set" in message
    assert "secrets.token_hex(32)" in message  # how to make one


def test_production_with_a_secret_key_starts_and_uses_it(production, monkeypatch):
    """With SECRET_KEY set, does production start, signing with exactly that key?"""
    monkeypatch.setenv("SECRET_KEY", "a-key-from-the-deployer")
    assert create_app().config["SECRET_KEY"] == "a-key-from-the-deployer"


def test_development_without_a_secret_key_keeps_one_random_key(monkeypatch, tmp_path):
    """Outside production, does a missing SECRET_KEY give a random key of this install's own
    (never a fixed fallback anyone could read in the source), kept readable by its owner only,
    and the same after a restart, so mailed unsubscribe links and sessions keep working?"""
    import app.config

    monkeypatch.setattr(app.config, "home", lambda: tmp_path / "one")
    first, again = load_config()["SECRET_KEY"], load_config()["SECRET_KEY"]
    assert first == again
    assert len(first) >= 64
    kept = tmp_path / "one" / "instance" / "secret_key"
    assert kept.read_text().strip() == first
    assert kept.stat().st_mode & 0o777 == 0o600
    monkeypatch.setattr(app.config, "home", lambda: tmp_path / "other")
    assert load_config()["SECRET_KEY"] != first


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db:5432/herald", "postgresql+psycopg://u:p@db:5432/herald"),
        ("postgresql://u:p@db/herald", "postgresql+psycopg://u:p@db/herald"),
        ("postgresql+psycopg://u@db/herald", "postgresql+psycopg://u@db/herald"),
        ("sqlite:////srv/herald/herald.db", "sqlite:////srv/herald/herald.db"),
    ],
    ids=["heroku-postgres", "postgresql", "explicit-driver", "sqlite"],
)
def test_database_url_spellings(monkeypatch, given, used):
    """Do the usual spellings of a PostgreSQL URL all reach psycopg 3, and does a SQLite
    URL stay as it is?"""
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_config()["SQLALCHEMY_DATABASE_URI"] == used
    assert normalise_database_url(given) == used


def test_without_database_url_sqlite_lives_in_instance():
    """Without DATABASE_URL, is the database a SQLite file in an instance/ folder?"""
    url = load_config()["SQLALCHEMY_DATABASE_URI"]
    assert url.startswith("sqlite:///") and url.endswith("/instance/herald.db")


def test_an_https_site_url_turns_on_secure_cookies(monkeypatch):
    """With an https SITE_URL, are the session and remember cookies Secure, the session
    cookie __Host- prefixed, and links built with https?"""
    monkeypatch.setenv("SITE_URL", "https://status.example.com/")
    config = load_config()
    assert config["SITE_URL"] == "https://status.example.com"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert config["PREFERRED_URL_SCHEME"] == "https"


def test_a_plain_http_site_url_keeps_cookies_usable(monkeypatch):
    """On plain http (a laptop, a private network), are cookies not marked Secure, so a
    browser still sends them and logging in works?"""
    monkeypatch.setenv("SITE_URL", "http://10.0.0.5:5000")
    config = load_config()
    assert not config["SESSION_COOKIE_SECURE"] and not config["REMEMBER_COOKIE_SECURE"]
    assert not config["SESSION_COOKIE_NAME"].startswith("__Host-")
