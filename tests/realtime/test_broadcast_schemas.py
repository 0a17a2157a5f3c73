"""Broadcast schemas: one registry lists every type/op and its fields, every op the code can send is in
it, and a payload that does not match its declaration is refused where it is sent."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from townhall.realtime import protocol, schemas
from townhall.realtime.models import LoggedBroadcast
from townhall.realtime.publish import publish, publish_on_commit, space_group
from townhall.realtime.schemas import BadBroadcast, FieldType

pytestmark = pytest.mark.django_db

SRC = Path(schemas.__file__).resolve().parents[1]  # src/townhall

# Today's broadcasts (spaces and discussions), and what each carries besides type and op.
SPACE_MEMBERSHIP = {"space_id": int, "user_id": int}
SPACE_ITSELF = {"space_id": int, "user_id": int | None}
POST = {"topic_id": int, "post_id": int}
TOPIC = {"topic_id": int}
TODAY: dict[tuple[str, str], dict[str, Any]] = {
    **{
        ("space", op): SPACE_MEMBERSHIP
        for op in (
            "joined",
            "left",
            "requested",
            "approved",
            "denied",
            "invited",
            "moderator_added",
            "moderator_removed",
        )
    },
    **{("space", op): SPACE_ITSELF for op in ("updated", "archived", "unarchived")},
    **{
        ("topic", op): POST
        for op in (
            "created",
            "deleted",
            "post_created",
            "post_edited",
            "post_deleted",
            "post_hidden",
            "post_restored",
            "answer_accepted",
            "reacted",
            "unreacted",
        )
    },
    **{
        ("topic", op): TOPIC
        for op in ("pinned", "unpinned", "locked", "unlocked", "closed", "reopened", "answer_unaccepted")
    },
    ("topic", "moved"): {"topic_id": int, "to_space_id": int},
    ("stream", "subscriptions_changed"): {},
    ("stream", "live"): {"seq": int},
    ("stream", "reset"): {"seq": int},
    ("stream", "pong"): {},
    ("typing", "start"): {"space_id": int, "user_id": int},
    ("typing", "stop"): {"space_id": int, "user_id": int},
    **{("presence", op): {"user_id": int} for op in ("online", "away", "offline")},
}
EPHEMERAL = {"typing", "presence"}  # not logged, no seq


def test_todays_broadcasts_are_all_declared_with_their_fields() -> None:
    declared = {schema.key: schema.field_map() for schema in schemas.all_schemas()}
    for key, fields in TODAY.items():
        assert key in declared, f"{key} is not declared"
        assert declared[key] == {name: FieldType.of(kind) for name, kind in fields.items()}, key
    assert {key: declared[key] for key in TODAY} == {
        key: value
        for key, value in declared.items()
        if key[0] in {"space", "topic", "stream", "typing", "presence"}
    }
    assert {schema.type for schema in schemas.all_schemas() if schema.ephemeral} >= EPHEMERAL
    assert not {schema.type for schema in schemas.all_schemas() if schema.ephemeral} & {"space", "topic"}


def test_each_app_declares_its_own_broadcasts() -> None:
    owners = {schema.type: schema.app for schema in schemas.all_schemas()}
    assert owners["space"] == "spaces"
    assert owners["topic"] == "discussions"
    assert owners["stream"] == "realtime"


# --- every op the code can send is declared ------------------------------------------------------------
def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        dotted = ".".join(("townhall", *path.relative_to(SRC).with_suffix("").parts))
        yield dotted.removesuffix(".__init__"), ast.parse(path.read_text(encoding="utf-8"))


def _constant_dict(node: ast.Dict) -> dict[str, Any]:
    return {
        k.value: v.value
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)
    }


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _enclosing(tree: ast.Module, target: ast.AST) -> ast.FunctionDef | None:
    """The innermost function around `target`."""
    around = [f for f in _functions(tree).values() if any(node is target for node in ast.walk(f))]
    return min(around, key=lambda f: (f.end_lineno or f.lineno) - f.lineno, default=None)


def _ops(tree: ast.Module, expr: ast.expr, where: ast.AST, depth: int = 0) -> set[str]:
    """The string constants `expr` can be at `where`: a literal, `a if c else b`, a local assigned from
    those, or a parameter of the enclosing function (followed into that module's calls of it)."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _ops(tree, expr.body, where, depth) | _ops(tree, expr.orelse, where, depth)
    function = _enclosing(tree, where)
    if not isinstance(expr, ast.Name) or function is None or depth > 3:
        raise AssertionError(f"cannot tell which op {ast.unparse(expr)} is (line {expr.lineno})")
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == expr.id for t in node.targets
        ):
            found |= _ops(tree, node.value, node, depth + 1)
    params = [arg.arg for arg in (*function.args.posonlyargs, *function.args.args)]
    if expr.id in params or expr.id in [arg.arg for arg in function.args.kwonlyargs]:
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)):
                continue
            if call.func.id != function.name:
                continue
            for keyword in call.keywords:
                if keyword.arg == expr.id:
                    found |= _ops(tree, keyword.value, call, depth + 1)
            if expr.id in params and params.index(expr.id) < len(call.args):
                found |= _ops(tree, call.args[params.index(expr.id)], call, depth + 1)
    if not found:
        raise AssertionError(f"cannot tell which op {expr.id} is (line {expr.lineno})")
    return found


def _sent_by_code() -> set[tuple[str, str]]:
    """Every (type, op) that some code in src/townhall can send."""
    modules = dict(_modules())
    types_of = {  # each app's broadcasts module -> the types its payloads carry
        name: {
            d["type"]
            for node in ast.walk(tree)
            if isinstance(node, ast.Dict)
            for d in [_constant_dict(node)]
            if isinstance(d.get("type"), str)
        }
        for name, tree in modules.items()
        if name.endswith(".broadcasts")
    }
    sent: set[tuple[str, str]] = set()
    for name, tree in modules.items():
        for node in ast.walk(tree):
            # a payload written out in full: {"type": "stream", "op": "subscriptions_changed"}
            if isinstance(node, ast.Dict):
                literal = _constant_dict(node)
                if isinstance(literal.get("type"), str) and isinstance(literal.get("op"), str):
                    sent.add((literal["type"], literal["op"]))
            # a call into an app's broadcasts module: broadcasts.topic_changed(..., op=...)
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "broadcasts"):
                continue
            module = next(
                (
                    f"{imp.module}.broadcasts"
                    for imp in ast.walk(tree)
                    if isinstance(imp, ast.ImportFrom) and any(a.name == "broadcasts" for a in imp.names)
                ),
                None,
            )
            assert module in types_of, f"{name}: which broadcasts module is {module}?"
            op_arg = next((k.value for k in node.keywords if k.arg == "op"), None)
            if op_arg is None:
                continue  # helpers that take no op (none today)
            assert len(types_of[module]) == 1, f"{module} sends several types; name the type per helper"
            (type_,) = types_of[module]
            sent |= {(type_, op) for op in _ops(tree, op_arg, node)}
    return sent


def test_every_op_the_code_can_send_is_declared_and_every_declared_op_is_sent() -> None:
    # The stream builds its own frames (live, reset, typing, presence) from a variable op, which this walk
    # cannot follow; tests/realtime/test_resume.py and test_frames.py see each of them on a real socket.
    sent = _sent_by_code() | {schema.key for schema in protocol.SCHEMAS}
    declared = {schema.key for schema in schemas.all_schemas()}
    assert set(TODAY) <= sent  # the walk finds them all (the moderation states, deletes, moves...)
    assert sent - declared == set(), "sent but not declared"
    assert declared - sent == set(), "declared but never sent"


def test_payloads_are_only_sent_by_an_apps_broadcasts_module_or_the_stream() -> None:
    senders = set()
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in ("publish", "publish_on_commit"):
                    senders.add(name)
    assert {"townhall.spaces.broadcasts", "townhall.discussions.broadcasts"} <= senders
    assert all(name.endswith(".broadcasts") for name in senders), senders  # chat's, and any new app's


# --- refused where it is sent --------------------------------------------------------------------------
GOOD = {"type": "topic", "op": "post_created", "topic_id": 1, "post_id": 2}


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({**GOOD, "type": "tpoic"}, "not declared"),
        ({**GOOD, "op": "post_exploded"}, "not declared"),
        ({"type": "topic", "op": "post_created", "topic_id": 1}, "missing post_id"),
        ({**GOOD, "body": "Secret words"}, "does not declare body"),
        ({**GOOD, "post_id": "2"}, "post_id must be int, not str"),
        ({**GOOD, "post_id": True}, "post_id must be int, not bool"),
        ({**GOOD, "post_id": None}, "post_id must be int, not NoneType"),
        ({"op": "post_created", "topic_id": 1, "post_id": 2}, "string 'type' and 'op'"),
    ],
)
def test_a_payload_that_does_not_match_is_refused_at_the_call_site(
    payload: dict[str, Any], reason: str, django_capture_on_commit_callbacks: Any, broadcasts: list
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(BadBroadcast, match=reason):
            publish_on_commit([space_group(1)], payload)
        with pytest.raises(BadBroadcast, match=reason):
            publish([space_group(1)], payload)
    assert callbacks == []
    assert broadcasts == []


def test_nullable_fields_take_none_and_the_declared_kind(broadcasts: list) -> None:
    publish([space_group(1)], {"type": "space", "op": "updated", "space_id": 1, "user_id": None})
    publish([space_group(1)], {"type": "space", "op": "updated", "space_id": 1, "user_id": 7})
    assert [payload["user_id"] for _, payload in broadcasts] == [None, 7]


def test_publish_on_commit_sends_what_was_checked_even_if_the_caller_changes_its_dict(
    django_capture_on_commit_callbacks: Any, broadcasts: list
) -> None:
    payload = dict(GOOD)
    with django_capture_on_commit_callbacks(execute=True):
        publish_on_commit([space_group(1)], payload)
        payload["body"] = "added later"
    assert broadcasts == [([space_group(1)], GOOD)]


@pytest.mark.parametrize("kind", [str, list, dict, float, str | None, int | str, int | bool | None])
def test_fields_carry_ids_and_flags_only(kind: Any) -> None:
    with pytest.raises(TypeError):
        schemas.declare("toy", ("made",), note=kind)


@pytest.mark.parametrize("name", ["Topic", "post-created", "", "a" * 41, "1st"])
def test_names_are_short_lower_snake_case(name: str) -> None:
    with pytest.raises(ValueError, match="lower_snake_case"):
        schemas.declare(name, ("made",))
    with pytest.raises(ValueError, match="lower_snake_case"):
        schemas.declare("toy", (name,))


def test_type_and_op_are_not_fields() -> None:
    with pytest.raises(ValueError, match="not fields"):
        schemas.declare("toy", ("made",), op=int)


def test_a_new_app_adds_its_broadcasts_without_editing_realtime(broadcasts: list) -> None:
    toy = schemas.declare("toy", ("made", "broken"), toy_id=int, fixed=bool | None)
    try:
        schemas.register(toy, app="toys")
        schemas.register(toy, app="toys")  # a reloaded ready() declares the same again: fine
        with pytest.raises(ValueError, match="declared twice"):
            schemas.register(schemas.declare("toy", ("made",), toy_id=int | None), app="toys")
        with pytest.raises(ValueError, match="declared twice"):
            schemas.register(schemas.declare("toy", ("made",), toy_id=int, fixed=bool | None), app="other")
        publish(["user.1"], {"type": "toy", "op": "made", "toy_id": 3, "fixed": None})
        assert broadcasts == [(["user.1"], {"type": "toy", "op": "made", "toy_id": 3, "fixed": None})]
    finally:
        for schema in toy:
            schemas._schemas.pop(schema.key, None)
    with pytest.raises(BadBroadcast):
        publish(["user.1"], {"type": "toy", "op": "made", "toy_id": 3, "fixed": None})


# --- the broadcasts fixture watches the transport ----------------------------------------------------------
def test_the_broadcasts_fixture_records_and_still_delivers(broadcasts: list) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(space_group(5), channel)
    publish([space_group(5)], {**GOOD, "topic_id": 5})
    assert broadcasts == [([space_group(5)], {**GOOD, "topic_id": 5})]
    message = async_to_sync(layer.receive)(channel)
    seq = LoggedBroadcast.objects.get().pk  # logged, and sent with its sequence number
    payload = {**GOOD, "topic_id": 5}
    assert message == {"type": "broadcast", "group": space_group(5), "payload": payload, "seq": seq}


def test_no_test_only_state_is_left_in_the_realtime_modules() -> None:
    for path in (SRC / "realtime").glob("*.py"):
        assert "for_tests" not in path.read_text(encoding="utf-8"), path.name
