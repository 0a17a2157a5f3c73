"""Domain events: delivered after the commit (never on a rollback), to optional listeners in this process
and to required consumers through the task queue; tests see them with the `emitted` fixture."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.db import transaction

from townhall.core import effects
from townhall.core.effects import AccessChanged, DomainEvent

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Happened(DomainEvent):
    thing_id: int


@dataclass(frozen=True)
class HappenedLoudly(Happened):
    volume: int = 11


@dataclass(frozen=True)
class NeedsBooks(DomainEvent):
    required_consumers: ClassVar[tuple[str, ...]] = ("bookkeeper",)
    amount: int


@pytest.fixture
def heard() -> Iterator[list[Any]]:
    got: list[Any] = []
    effects.listen(Happened, got.append, name="test-ears")
    yield got
    effects.unlisten(Happened, name="test-ears")


def test_listeners_hear_only_after_the_commit(
    heard: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        effects.emit(Happened(1))
        assert heard == []
    assert heard == [Happened(1)]


def test_a_rolled_back_event_is_never_delivered(
    heard: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                effects.emit(Happened(2))
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
        effects.emit(Happened(3))
    assert heard == [Happened(3)]


def test_subclasses_reach_listeners_of_their_base(
    heard: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        effects.emit(HappenedLoudly(4))
    assert heard == [HappenedLoudly(4)]


def test_a_failing_listener_is_logged_and_breaks_nothing(
    heard: list[Any], django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: Happened) -> None:
        raise ValueError("listener bug")

    effects.listen(Happened, broken, name="test-broken")
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            effects.emit(Happened(5))
    finally:
        effects.unlisten(Happened, name="test-broken")
    assert heard == [Happened(5)]
    assert "test-broken failed on Happened" in caplog.text


def test_registering_a_name_again_replaces_it(django_capture_on_commit_callbacks: Any) -> None:
    got: list[Any] = []
    effects.listen(Happened, lambda e: got.append(("old", e)), name="test-twice")
    effects.listen(Happened, lambda e: got.append(("new", e)), name="test-twice")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            effects.emit(Happened(6))
    finally:
        effects.unlisten(Happened, name="test-twice")
    assert got == [("new", Happened(6))]


def test_required_consumers_are_delivered_through_the_task_queue(
    django_capture_on_commit_callbacks: Any,
) -> None:
    got: list[Any] = []
    effects.listen(NeedsBooks, got.append, name="bookkeeper", required=True)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            effects.emit(NeedsBooks(amount=3))
        assert len(callbacks) == 1  # one enqueue, carrying the event as plain data
    finally:
        effects.unlisten(NeedsBooks, name="bookkeeper")
    assert got == [NeedsBooks(amount=3)], "the task rebuilt the event from its data"


def test_an_event_without_its_required_consumer_is_an_error() -> None:
    with pytest.raises(LookupError, match="bookkeeper"):
        effects.emit(NeedsBooks(amount=1))


def test_only_dataclass_events_are_accepted() -> None:
    class Loose(DomainEvent):
        pass

    with pytest.raises(TypeError):
        effects.listen(Loose, print, name="test-loose")
    with pytest.raises(TypeError):
        effects.emit(Loose())
    with pytest.raises(TypeError):
        effects.listen(dict, print, name="test-dict")  # type: ignore[type-var]


def test_the_emitted_fixture_sees_events_as_they_are_emitted(emitted: list[Any]) -> None:
    effects.emit(Happened(7))
    assert emitted == [Happened(7)]


def test_access_changes_name_the_people_affected() -> None:
    from townhall.spaces.events import SpaceChanged, SpaceMembershipChanged

    assert isinstance(SpaceMembershipChanged(1, 2, 3, "joined"), AccessChanged)
    assert SpaceMembershipChanged(1, 2, 3, "joined").affected_users() == (2,)
    assert SpaceChanged(1, 3, "updated", ("visibility",)).affected_users() is None
    assert SpaceChanged(1, 3, "updated", ("name",)).affected_users() == ()


def test_a_required_consumer_of_a_base_class_gets_the_subclass(
    django_capture_on_commit_callbacks: Any,
) -> None:
    got: list[Any] = []
    effects.listen(Happened, got.append, name="test-ledger", required=True)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            effects.emit(HappenedLoudly(8, volume=3))
    finally:
        effects.unlisten(Happened, name="test-ledger")
    assert got == [HappenedLoudly(8, volume=3)]
