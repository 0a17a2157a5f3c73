"""The importers' API: imports and their progress, the people found, match, claim and merge; refusals
as clear JSON errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from toysource import ToySource, history, jsonl

import factories as testing
from townhall.chat.models import Message
from townhall.importers import actions
from townhall.importers.models import Placeholder

pytestmark = pytest.mark.django_db


def _send(c: Any, url: str, body: Any) -> Any:
    return c.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def imported(community: Any, tmp_path: Path) -> Any:
    space = testing.make_space("Garden archive", slug="garden", kind="chat")
    path = tmp_path / "h.jsonl"
    path.write_bytes(jsonl(history()))
    return actions.import_now(ToySource.key, path, space=space, time_zone="UTC")


def test_imports_and_people_are_listed_for_admins(client_for: Any, admin: Any, imported: Any) -> None:
    c = client_for(admin)
    [run] = c.get("/api/v1/imports").json()
    assert run["state"] == "done" and run["space"] == "garden" and run["counts"]["messages"] == 8
    assert run["progress_percent"] == 100
    assert c.get(f"/api/v1/imports/{run['id']}").json()["file_name"] == "h.jsonl"
    assert c.get("/api/v1/imports/999").status_code == 404
    people = c.get("/api/v1/imports/people/").json()
    assert [p["name"] for p in people] == ["Ana Pérez", "Ben Okafor", "Chen Li"]


def test_match_claim_and_merge(client_for: Any, owner: Any, member: Any, imported: Any) -> None:
    c = client_for(owner)
    ana, ben, chen = (Placeholder.objects.get(source_id=k).pk for k in ("ana", "ben", "chen"))
    matched = _send(c, f"/api/v1/imports/people/{ana}/match", {"username": "@max"})
    assert matched.status_code == 200 and matched.json()["claimed_by"] == "max"
    assert Message.objects.filter(author=member).count() == 3
    claim = _send(c, f"/api/v1/imports/people/{ben}/claims", {})
    assert claim.status_code == 201 and "/claim/" in claim.json()["url"] and claim.json()["emailed"] is False
    merged = _send(c, f"/api/v1/imports/people/{chen}/merge", {"into": ben})
    assert merged.status_code == 200 and merged.json()["merged_into"] == ben


def test_refusals_are_clear_json_errors(client_for: Any, owner: Any, member: Any, imported: Any) -> None:
    ana = Placeholder.objects.get(source_id="ana").pk
    assert client_for(member).get("/api/v1/imports").status_code == 403
    refused = _send(client_for(member), f"/api/v1/imports/people/{ana}/match", {"username": "max"})
    assert refused.status_code == 403 and "owners and admins" in refused.json()["message"]
    c = client_for(owner)
    unknown = _send(c, f"/api/v1/imports/people/{ana}/match", {"username": "ghost"})
    assert unknown.status_code == 422 and unknown.json()["message"] == "No member is called @ghost."
    assert _send(c, f"/api/v1/imports/people/{ana}/claims", {"email": "nope"}).status_code == 422
    assert _send(c, "/api/v1/imports/people/999/merge", {"into": ana}).status_code == 404
    assert _send(c, f"/api/v1/imports/people/{ana}/merge", {"into": ana}).status_code == 422
    assert client_for(None).get("/api/v1/imports").status_code in (401, 403)
