"""Reading Townhall's configuration from the environment, with embedded defaults.

Kept free of Django imports so the CLI can validate configuration (and print one clear
sentence) before Django starts.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse


class ConfigError(Exception):
    """A setting is missing, malformed or unsafe; the message is one sentence for a human."""


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def data_dir() -> Path:
    return Path(os.environ.get("TOWNHALL_DATA_DIR", "./townhall-data")).expanduser().resolve()


# Written into every data directory: whatever its name or place, git never picks up the secret key,
# the database, uploads or mail kept there (a data directory inside a checkout was once committed).
DATA_DIR_GITIGNORE = "# Townhall's data directory: secret key, database, uploads. Never commit it.\n*\n"


def ensure_data_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "media").mkdir(exist_ok=True)
        ignore = path / ".gitignore"
        if not ignore.exists():
            ignore.write_text(DATA_DIR_GITIGNORE)
    except OSError as exc:
        raise ConfigError(f"Cannot create the data directory {path}: {exc.strerror}.") from None
    return path


def secret_key(path: Path) -> str:
    """TOWNHALL_SECRET_KEY, or a key generated once and kept in the data directory."""
    configured = os.environ.get("TOWNHALL_SECRET_KEY", "").strip()
    if configured:
        return configured
    key_file = path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


@dataclass(frozen=True)
class Database:
    url: str
    engine: str  # "sqlite" or "postgresql"


def database(path: Path) -> Database:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return Database(url=f"sqlite:///{path / 'townhall.sqlite3'}", engine="sqlite")
    scheme = urlparse(url).scheme
    if scheme in {"postgres", "postgresql", "pgsql"}:
        parsed = urlparse(url)
        if not parsed.path.strip("/"):
            raise ConfigError("DATABASE_URL must name a database, like postgres://user@host:5432/townhall.")
        try:
            parsed.port  # noqa: B018 - parsing the port is the check
        except ValueError:
            raise ConfigError(
                "DATABASE_URL has a port that is not a number; use the form postgres://user:password@host:5432/name."
            ) from None
        if not parsed.hostname and "host=" not in parsed.query:
            raise ConfigError("DATABASE_URL must name a host, like postgres://user@127.0.0.1:5432/townhall.")
        return Database(url=url, engine="postgresql")
    if scheme == "sqlite":
        return Database(url=url, engine="sqlite")
    raise ConfigError(
        f"DATABASE_URL must start with postgres:// or sqlite://, not {scheme + '://' if scheme else url!r}."
    )


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "").strip()
    if url and urlparse(url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL must start with redis:// or rediss://, not {url!r}.")
    return url


LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]


def allowed_hosts() -> list[str]:
    """TOWNHALL_ALLOWED_HOSTS (comma-separated); only this machine's names when unset."""
    raw = os.environ.get("TOWNHALL_ALLOWED_HOSTS", "").strip()
    if raw:
        return [h.strip() for h in raw.split(",") if h.strip()]
    return list(LOCAL_HOSTS)


def base_url(debug: bool) -> str:
    url = os.environ.get("TOWNHALL_BASE_URL", "").strip().rstrip("/")
    if url and urlparse(url).scheme not in {"http", "https"}:
        raise ConfigError(f"TOWNHALL_BASE_URL must start with http:// or https://, not {url!r}.")
    return url or "http://localhost:8000"


# --- Start-up safety ------------------------------------------------------------------------------

MIN_SECRET_KEY_LENGTH = 32


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def safety_problems(*, debug: bool, host: str | None, hosts: list[str], production: bool) -> list[str]:
    """Every setting that would be unsafe on a reachable server, one sentence each.

    The one rule that `townhall serve` (refusing to start) and `townhall check` (failing) share.
    `production` is True for both; the demo only gets the rules that matter everywhere. `host` is the
    address being served on, or None when nothing is being served (the checks then skip that rule).
    """
    problems: list[str] = []
    configured_key = os.environ.get("TOWNHALL_SECRET_KEY", "").strip()
    if configured_key and len(configured_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"TOWNHALL_SECRET_KEY is only {len(configured_key)} characters long; "
            f"use at least {MIN_SECRET_KEY_LENGTH} random characters."
        )
    if production and any(h.strip() == "*" for h in hosts):
        problems.append(
            "TOWNHALL_ALLOWED_HOSTS must not contain '*'; list the host names this site answers to."
        )
    if production and debug and host is not None and not is_loopback(host):
        problems.append(
            f"TOWNHALL_DEBUG is on while serving on {host}, which other machines can reach; "
            "turn debug off or bind to 127.0.0.1."
        )
    return problems


def check_safety(*, debug: bool, host: str | None, hosts: list[str], production: bool) -> None:
    """Refuse settings that would be unsafe on a reachable server; raise ConfigError naming the first one."""
    problems = safety_problems(debug=debug, host=host, hosts=hosts, production=production)
    if problems:
        raise ConfigError(problems[0])
