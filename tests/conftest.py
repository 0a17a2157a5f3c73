"""Personas, a real SMTP outbox, captured broadcasts. Every test database is real (SQLite or PostgreSQL)."""

from __future__ import annotations

import email
import email.policy
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

import factories as testing
from townhall.community.models import Membership
from townhall.core import effects
from townhall.core.effects import DomainEvent
from townhall.realtime import publish as realtime_publish
from worker_backends import isolate_redis

# --- running in parallel (pytest-xdist) -------------------------------------------------------------
# pyproject's addopts ask for `-n auto --dist load`: one worker process per CPU, each with its own test
# database (pytest-django names PostgreSQL's `<TOWNHALL_TEST_DB_NAME>_gw0`...; SQLite's is in memory),
# data directory, free ports and corner of Redis (worker_backends.py). `-n 0` runs in this one process.


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`, unless every test asked for lives in one file: then they run in this process (starting
    workers, each migrating its own database, would cost more than it saves). PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    files = {arg.split("::")[0] for arg in config.args}
    if len(files) == 1 and Path(next(iter(files))).is_file():
        return 0
    return None


def pytest_configure(config: pytest.Config) -> None:
    isolate_redis()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: they share the session with async code (see ARCHITECTURE.md).

    With `--dist load`, xdist hands tests out in this order, so each worker runs its browser tests (and
    starts its Chromium) only after all of its other tests.
    """
    items.sort(key=lambda item: 1 if item.get_closest_marker("browser") else 0)


@pytest.fixture(scope="session", autouse=True)
def _worker_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data directory of this process's own (uploads, imports, push keys), not ./townhall-data shared by
    every worker and run. Tests that need a fresh one still set `settings.DATA_DIR = tmp_path`."""
    from django.conf import settings

    kept = settings.DATA_DIR
    settings.DATA_DIR = tmp_path_factory.mktemp("data")
    (settings.DATA_DIR / "media").mkdir()
    try:
        yield settings.DATA_DIR
    finally:
        settings.DATA_DIR = kept


@dataclass
class SmtpSink:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, SmtpSink]]:
    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, sink
    finally:
        controller.stop()


class Outbox:
    """Messages that really went through SMTP to the local test server."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    def __len__(self) -> int:
        return len(self.sink.messages)

    def __getitem__(self, index: int) -> EmailMessage:
        return self.sink.messages[index]

    def clear(self) -> None:
        self.sink.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.sink.messages if address.lower() in str(m["X-Envelope-To"]).lower()]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


@pytest.fixture(autouse=True)
def outbox(settings: Any, smtp_server: tuple[Controller, SmtpSink]) -> Outbox:
    controller, sink = smtp_server
    sink.messages.clear()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    return Outbox(sink)


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _search_index_follows_writes(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's transaction never commits, so the search index hears the events when they are emitted
    (in production it hears them after the commit: tests marked `search_after_commit` check that)."""
    if request.node.get_closest_marker("search_after_commit"):
        yield
        return

    def deliver_now(event: DomainEvent) -> None:
        for consumer in effects.consumers_of(type(event)):
            if consumer.name == "search":
                consumer.fn(event)

    with effects.observing(deliver_now):
        yield


@pytest.fixture
def broadcasts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, Any]]]:
    """Every broadcast sent during the test, as (groups, payload), in the order sent (after commit).

    Wraps the transport (`realtime.publish.deliver`): the payloads were checked against their schemas
    before they got there, and they still reach the channel layer (and any open test socket).
    """
    sent: list[tuple[list[str], dict[str, Any]]] = []
    send = realtime_publish.deliver

    def record(groups: list[str], payload: dict[str, Any], **how: Any) -> None:
        sent.append((list(groups), payload))
        send(groups, payload, **how)  # `seq`: the broadcast's place in the log, when it was logged

    monkeypatch.setattr(realtime_publish, "deliver", record)
    return sent


@pytest.fixture
def emitted() -> Iterator[list[DomainEvent]]:
    """Every domain event emitted during the test, in order, as it was emitted (before any commit)."""
    seen: list[DomainEvent] = []
    with effects.observing(seen.append):
        yield seen


# --- personas -------------------------------------------------------------------------------------
@pytest.fixture
def community(db: None) -> Any:
    return testing.make_community()


@pytest.fixture
def owner(community: Any) -> Any:
    return testing.make_member("olivia", role=Membership.OWNER, display_name="Olivia Owner")


@pytest.fixture
def admin(community: Any) -> Any:
    return testing.make_member("adam", role=Membership.ADMIN, display_name="Adam Admin")


@pytest.fixture
def moderator(community: Any) -> Any:
    return testing.make_member("mona", role=Membership.MODERATOR, display_name="Mona Moderator")


@pytest.fixture
def member(community: Any) -> Any:
    return testing.make_member("max", display_name="Max Member")


@pytest.fixture
def newcomer(community: Any) -> Any:
    """Just joined (active) but has not been through onboarding yet."""
    return testing.make_member("nina", display_name="Nina Newcomer", onboarded=False)


@pytest.fixture
def pending(community: Any) -> Any:
    return testing.make_member("pat", state=Membership.PENDING, display_name="Pat Pending", onboarded=False)


@pytest.fixture
def suspended(community: Any) -> Any:
    return testing.make_member("sam", state=Membership.SUSPENDED, display_name="Sam Suspended")


@pytest.fixture
def banned(community: Any) -> Any:
    return testing.make_member("bo", state=Membership.BANNED, display_name="Bo Banned")


@pytest.fixture
def outsider(community: Any) -> Any:
    """Has an account, is not a member."""
    return testing.make_user("otto", display_name="Otto Outsider")


@pytest.fixture
def client_for(client: Any) -> Any:
    """client_for(user) -> a logged-in Django test client (a fresh one per call)."""
    from django.test import Client

    def make(user: Any) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make
