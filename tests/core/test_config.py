"""Reading configuration from the environment: clear one-sentence errors, safe production settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from townhall import config
from townhall.config import ConfigError


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("", "sqlite"),
        ("sqlite:////tmp/x.sqlite3", "sqlite"),
        ("postgres://user:pw@db.example.org:5432/townhall", "postgresql"),
        ("postgresql://user@127.0.0.1/townhall", "postgresql"),
    ],
)
def test_database_urls_that_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, engine: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    db = config.database(tmp_path)
    assert db.engine == engine
    if not url:
        assert db.url == f"sqlite:///{tmp_path / 'townhall.sqlite3'}"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://u@h/db", "must start with postgres:// or sqlite://"),
        ("postgres://u@h:5432/", "must name a database"),
        ("postgres://u@h:port/db", "port that is not a number"),
        ("just-a-word", "must start with postgres:// or sqlite://"),
    ],
)
def test_bad_database_urls_say_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, fragment: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match=fragment):
        config.database(tmp_path)


def test_bad_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://127.0.0.1:6379")
    with pytest.raises(ConfigError, match="REDIS_URL must start with redis://"):
        config.redis_url()


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("off", False), ("", False)])
def test_env_bool(monkeypatch: pytest.MonkeyPatch, raw: str, value: bool) -> None:
    monkeypatch.setenv("TOWNHALL_X", raw)
    assert config.env_bool("TOWNHALL_X", not value) is value


def test_env_bool_rejects_other_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_DEBUG", "maybe")
    with pytest.raises(ConfigError, match="TOWNHALL_DEBUG must be true or false"):
        config.env_bool("TOWNHALL_DEBUG", False)


def test_env_int_rejects_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_EMAIL_PORT", "lots")
    with pytest.raises(ConfigError, match="must be a whole number"):
        config.env_int("TOWNHALL_EMAIL_PORT", 587)


def test_env_int_below_its_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_HTTP_THREADS", "0")
    with pytest.raises(ConfigError, match="TOWNHALL_HTTP_THREADS must be at least 1, not 0"):
        config.env_int("TOWNHALL_HTTP_THREADS", 4, minimum=1)
    monkeypatch.setenv("TOWNHALL_HTTP_THREADS", "3")
    assert config.env_int("TOWNHALL_HTTP_THREADS", 4, minimum=1) == 3


def test_secret_key_is_generated_once_and_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert len(first) >= 50
    assert config.secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_allowed_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_ALLOWED_HOSTS", "sky.example.org, www.sky.example.org ,")
    assert config.allowed_hosts() == ["sky.example.org", "www.sky.example.org"]
    monkeypatch.delenv("TOWNHALL_ALLOWED_HOSTS")
    assert "localhost" in config.allowed_hosts()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
     ("0.0.0.0", False), ("::", False), ("192.0.2.10", False), ("sky.example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert config.is_loopback(host) is loopback


def test_safe_production_settings_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_SECRET_KEY", "x" * 40)
    config.check_safety(debug=False, host="0.0.0.0", hosts=["sky.example.org"], production=True)
    config.check_safety(debug=True, host="127.0.0.1", hosts=["localhost"], production=True)


def test_short_secret_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="only 9 characters long; use at least 32"):
        config.check_safety(debug=False, host="127.0.0.1", hosts=["localhost"], production=False)


def test_wildcard_host_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="must not contain"):
        config.check_safety(debug=False, host="127.0.0.1", hosts=["*"], production=True)


def test_debug_on_a_reachable_address_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOWNHALL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"TOWNHALL_DEBUG is on while serving on 0\.0\.0\.0"):
        config.check_safety(debug=True, host="0.0.0.0", hosts=["localhost"], production=True)
    # The demo may do it: it is for trying Townhall out on a local network.
    config.check_safety(debug=True, host="0.0.0.0", hosts=["localhost"], production=False)


def test_bad_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOWNHALL_BASE_URL", "sky.example.org")
    with pytest.raises(ConfigError, match="TOWNHALL_BASE_URL must start with http"):
        config.base_url(False)


def test_the_data_directory_ignores_itself_in_git(tmp_path: Path) -> None:
    data = config.ensure_data_dir(tmp_path / "anywhere")
    assert (data / ".gitignore").read_text().splitlines()[-1] == "*"
    config.ensure_data_dir(data)  # idempotent: an existing file is kept as it is
    assert (data / ".gitignore").read_text() == config.DATA_DIR_GITIGNORE
