"""The `townhall` command, run as a person would: in a subprocess, with its own data directory."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from click.testing import CliRunner

from townhall.cli import main

TOWNHALL = [sys.executable, "-m", "townhall.cli"]
COMMANDS = ["demo", "serve", "worker", "seed", "createadmin", "check", "import", "manage"]


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without shared backends, pointing at a fresh data directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "TOWNHALL_DEBUG",
            "TOWNHALL_SECRET_KEY",
            "TOWNHALL_ALLOWED_HOSTS",
        }
        and not k.startswith("PYTEST")
    }
    env.update(TOWNHALL_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", **extra)
    return env


# Generous: these start a whole townhall process (seeding the demo takes ~15 s alone) while another pytest-xdist
# worker keeps the other core busy.
def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TOWNHALL, *args], env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_one_sentence(result: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("townhall: ") and lines[0].endswith(".")
    assert fragment in lines[0]


# --- help -----------------------------------------------------------------------------------------


def test_top_level_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: main " + command in result.output or f"Usage: townhall {command}" in result.output
    assert len(result.output.splitlines()) > 3


def test_seed_without_a_choice_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["seed"])
    assert result.exit_code == 2
    assert "--demo, --members N" in result.output


# --- start-up errors: one sentence on stderr, exit code 2, never a traceback -----------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://u@127.0.0.1/db", "DATABASE_URL must start with postgres:// or sqlite://"),
        ("postgres://u@127.0.0.1:port/db", "DATABASE_URL has a port that is not a number"),
    ],
)
@pytest.mark.slow
def test_bad_database_url(data_dir: Path, url: str, fragment: str) -> None:
    assert_one_sentence(run(["serve"], clean_env(data_dir, DATABASE_URL=url)), fragment)


@pytest.mark.slow
def test_unreachable_database(data_dir: Path) -> None:
    result = run(["serve"], clean_env(data_dir, DATABASE_URL="postgres://townhall@127.0.0.1:1/x"))
    assert_one_sentence(result, "Cannot reach the database at 127.0.0.1:1/x")


@pytest.mark.slow
def test_unreachable_redis(data_dir: Path) -> None:
    result = run(["serve"], clean_env(data_dir, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    assert_one_sentence(result, "Cannot reach Redis at 127.0.0.1:")


@pytest.mark.slow
def test_port_in_use(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(["demo", "--port", str(port), "--data-dir", str(data_dir)], clean_env(data_dir))
    assert_one_sentence(result, f"Port {port} on 127.0.0.1 is already in use")


@pytest.mark.parametrize(
    ("args", "env", "fragment"),
    [
        (
            ["serve", "--host", "0.0.0.0"],
            {"TOWNHALL_DEBUG": "1"},
            "TOWNHALL_DEBUG is on while serving on 0.0.0.0",
        ),
        (
            ["serve"],
            {"TOWNHALL_SECRET_KEY": "short-secret"},
            "TOWNHALL_SECRET_KEY is only 12 characters long",
        ),
        (["serve"], {"TOWNHALL_ALLOWED_HOSTS": "*"}, "TOWNHALL_ALLOWED_HOSTS must not contain '*'"),
        (["serve", "--workers", "3"], {}, "More than one web worker needs REDIS_URL"),
        (["check"], {"TOWNHALL_DEBUG": "perhaps"}, "TOWNHALL_DEBUG must be true or false"),
    ],
)
@pytest.mark.slow
def test_unsafe_or_malformed_settings(
    data_dir: Path, args: list[str], env: dict[str, str], fragment: str
) -> None:
    assert_one_sentence(run(args, clean_env(data_dir, **env)), fragment)


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({"TOWNHALL_ALLOWED_HOSTS": "sky.example.org,*"}, "TOWNHALL_ALLOWED_HOSTS must not contain '*'"),
        ({"TOWNHALL_SECRET_KEY": "short-secret"}, "TOWNHALL_SECRET_KEY is only 12 characters long"),
    ],
)
@pytest.mark.slow
def test_check_fails_on_what_serve_refuses(data_dir: Path, env: dict[str, str], sentence: str) -> None:
    # Debug on: Django's deployment checks stay out of it, only the shared rule can fail.
    checked = run(["check"], clean_env(data_dir, TOWNHALL_DEBUG="1", **env))
    assert checked.returncode == 1, (checked.stdout, checked.stderr)
    assert f"townhall: {sentence}" in checked.stderr
    assert "Traceback" not in checked.stderr
    served = run(["serve", "--port", str(free_port())], clean_env(data_dir, **env))
    assert_one_sentence(served, sentence)


@pytest.mark.slow
def test_serve_refuses_an_unmigrated_database(data_dir: Path) -> None:
    result = run(["serve", "--port", str(free_port())], clean_env(data_dir))
    assert_one_sentence(result, "unapplied migration(s); run `townhall manage migrate` first")


# --- seed, createadmin, manage, check -------------------------------------------------------------


@pytest.mark.slow
def test_seed_members_and_createadmin(data_dir: Path) -> None:
    env = clean_env(data_dir)
    seeded = run(["seed", "--members", "500"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "Added 500 members" in seeded.stdout
    again = run(["seed", "--members", "10"], env)
    assert again.returncode == 0, again.stderr
    assert "Appending 10 members after the 500 synthetic members already here." in again.stdout
    assert "(510 synthetic members in total)" in again.stdout

    admin = run(
        ["createadmin", "--email", "ada@example.org", "--username", "ada", "--password", "lovelace-1843!"],
        env,
    )
    assert admin.returncode == 0, admin.stderr
    assert "Created @ada <ada@example.org> as owner." in admin.stdout
    second = run(
        ["createadmin", "--email", "bob@example.org", "--username", "bob", "--password", "babbage-1822!"], env
    )
    assert "as admin." in second.stdout
    taken = run(
        ["createadmin", "--email", "ada@example.org", "--username", "ada2", "--password", "lovelace-1843!"],
        env,
    )
    assert_one_sentence(taken, "An account with the email ada@example.org already exists.")
    missing = run(["createadmin", "--email", "c@example.org"], env)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "--password" in missing.stderr

    worker = run(["worker", "--batch"], env)
    assert worker.returncode == 0, worker.stderr

    listed = run(["manage", "showmigrations", "community"], env)
    assert listed.returncode == 0 and "[X] 0001_initial" in listed.stdout
    checked = run(["check"], clean_env(data_dir, TOWNHALL_DEBUG="1"))
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout


@pytest.mark.slow
def test_seed_demo_refuses_a_non_empty_database(data_dir: Path) -> None:
    env = clean_env(data_dir)
    first = run(["seed", "--demo"], env)
    assert first.returncode == 0, first.stderr
    assert "Seeded the demo community: 38 members" in first.stdout
    assert_one_sentence(run(["seed", "--demo"], env), "already has a community")


# --- the demo really serves, and Ctrl-C stops it cleanly -------------------------------------------


@pytest.fixture
def demo_process(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], int, list[str]]]:
    port = free_port()
    proc = subprocess.Popen(
        [*TOWNHALL, "demo", "--port", str(port), "--data-dir", str(data_dir)],
        env=clean_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    stream = proc.stdout
    threading.Thread(target=lambda: lines.extend(iter(stream.readline, "")), daemon=True).start()
    try:
        yield proc, port, lines
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.slow
def test_demo_serves_pages_and_stops_on_ctrl_c(
    demo_process: tuple[subprocess.Popen[str], int, list[str]], data_dir: Path
) -> None:
    proc, port, lines = demo_process
    deadline = time.monotonic() + 240  # the demo seeds first (see run())
    while not any("http://" in line for line in lines):
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.1)
    output = "".join(lines)
    assert f"http://127.0.0.1:{port}/" in output
    for _role, email in (
        ("owner", "owner@example.org"),
        ("moderator", "moderator@example.org"),
        ("m", "member@"),
    ):
        assert email in output
    assert "clear-skies-2025" in output

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as page:
        assert page.status == 200
        assert "Night Sky Collective" in page.read().decode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as health:
        assert health.status == 200
        assert b'"database": "ok"' in health.read()

    # Debug is off: a missing page is the site's own, styled 404, never Django's debug page.
    missing = httpx.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=60)
    assert missing.status_code == 404
    assert "Not found" in missing.text and "Night Sky Collective" in missing.text
    assert "URLconf" not in missing.text and "DEBUG = True" not in missing.text
    stylesheet = re.search(r'href="(/static/townhall/townhall\.[0-9a-f]{12}\.css)"', missing.text)
    assert stylesheet is not None, "the page links the collected, hashed stylesheet"
    assert httpx.get(f"http://127.0.0.1:{port}{stylesheet.group(1)}", timeout=60).status_code == 200

    # Real-time: a signed-in member's WebSocket stream is accepted by the same process.
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=60) as browser:
        login = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token is not None
        signed_in = browser.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "login": "member@example.org",
                "password": "clear-skies-2025",
            },
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert signed_in.status_code == 302
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())

    async def open_stream() -> bool:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/ws/stream/",
            origin=base,
            additional_headers={"Cookie": cookie},
            open_timeout=30,
        ):
            return True

    assert asyncio.run(open_stream())

    # Background tasks: one queued from another process is run by the demo's worker thread.
    queued = run(
        [
            "manage",
            "shell",
            "-c",
            "from townhall.community.models import Invitation; "
            "from townhall.community.tasks import send_invitation_email; "
            "send_invitation_email.enqueue(Invitation.objects.exclude(email='').earliest('pk').pk)",
        ],
        clean_env(data_dir),
    )
    assert queued.returncode == 0, queued.stderr
    mail_dir = data_dir / "mail"
    deadline = time.monotonic() + 60
    while not (mail_dir.exists() and any(mail_dir.iterdir())):
        assert time.monotonic() < deadline, "the embedded worker did not send the invitation email"
        time.sleep(0.2)

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    time.sleep(0.2)
    assert "Traceback" not in "".join(lines)


@pytest.mark.slow
def test_serve_answers_and_stops_on_sigterm(data_dir: Path) -> None:
    env = clean_env(data_dir)
    migrated = run(["manage", "migrate", "--verbosity", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    proc = subprocess.Popen(
        [*TOWNHALL, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert f"Townhall serving at http://127.0.0.1:{port}/ with a task worker thread" in first
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as health:
            assert health.status == 200
        # `serve` collected the static files: hashed names, Brotli and gzip, cached for years.
        base = f"http://127.0.0.1:{port}"
        page = httpx.get(base + "/", timeout=60)
        assert page.status_code == 200
        css = re.search(r'href="(/static/townhall/townhall\.[0-9a-f]{12}\.css)"', page.text)
        assert css is not None, page.text[:500]
        for encoding in ("br", "gzip"):
            got = httpx.get(base + css.group(1), headers={"Accept-Encoding": encoding}, timeout=60)
            assert got.status_code == 200
            assert got.headers["Content-Encoding"] == encoding
            assert "max-age=315360000" in got.headers["Cache-Control"]
            assert "immutable" in got.headers["Cache-Control"]
            assert b"--accent" in got.content  # httpx decoded it: the real stylesheet
        assert (data_dir / "static" / "staticfiles.json").is_file()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
