"""The production gunicorn config: does gunicorn keep to what the operator gave it?"""

from __future__ import annotations

import stat

from tests.integration.ops.servers import environment, start_gunicorn, wait_for


def _environment(tmp_path, **extra: str) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    env = environment(f"sqlite:///{tmp_path / 'herald.db'}", HOME=str(home), **extra)
    env.pop("XDG_RUNTIME_DIR", None)  # gunicorn would prefer it to HOME
    return env


def test_no_control_socket_unless_asked_for(tmp_path):
    """Started as documented, does gunicorn leave the user's home alone (no control socket in
    ~/.gunicorn, where every gunicorn of the user would share one path)?"""
    _, web = start_gunicorn(tmp_path, _environment(tmp_path), workers=1)
    web.stop()
    assert not (tmp_path / "home" / ".gunicorn").exists()
    assert "Control socket" not in web.output()


def test_a_control_socket_where_the_operator_names_one(tmp_path):
    """With HERALD_CONTROL_SOCKET, is there a control socket for `gunicornc` at that path?"""
    path = tmp_path / "herald.ctl"
    env = _environment(tmp_path, HERALD_CONTROL_SOCKET=str(path))
    _, web = start_gunicorn(tmp_path, env, workers=1)
    try:
        wait_for(path.exists, seconds=10, message="the control socket")
        assert stat.S_ISSOCK(path.stat().st_mode)
    finally:
        web.stop()
    assert not (tmp_path / "home" / ".gunicorn").exists()
