"""A local push service for the web push tests: a threaded HTTP server that stands in for a browser's
push service (FCM, Mozilla autopush...), with devices whose keys the test made.

Each device has its own ECDH P-256 key pair and 16-byte auth secret (what a browser makes when it
subscribes) and its own endpoint path. For every POST the endpoint checks the VAPID Authorization
header (RFC 8292: the JWT's ES256 signature against the public key the header names, which must be
the installation's, and its claims), decrypts the body with the device's private key (RFC 8291,
aes128gcm) and records what arrived. A test can script the answers per device (500 then 201, 410...)
and make a device slow to answer.

Imported by name (`from push_endpoint import PushEndpoint`), like factories.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class VapidError(AssertionError):
    pass


def verify_vapid(authorization: str, *, expected_key: str, audience: str) -> dict[str, Any]:
    """Check an `Authorization: vapid t=<JWT>, k=<public key>` header; return the JWT's claims."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidError(f"not a vapid Authorization header: {authorization[:40]!r}")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    if parts.get("k") != expected_key:
        raise VapidError("the header names another public key than the installation's")
    header_b64, claims_b64, signature_b64 = parts["t"].split(".")
    header = json.loads(unb64url(header_b64))
    if header.get("alg") != "ES256":
        raise VapidError(f"JWT alg is {header.get('alg')!r}, not ES256")
    signature = unb64url(signature_b64)
    if len(signature) != 64:
        raise VapidError("an ES256 signature is 64 bytes (r || s)")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VapidError("the JWT signature does not verify with the public key") from None
    claims = json.loads(unb64url(claims_b64))
    if claims.get("aud") != audience:
        raise VapidError(f"aud is {claims.get('aud')!r}, not {audience!r}")
    if not (time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600):
        raise VapidError("exp must be in the future and at most 24 hours away")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise VapidError("sub must be a mailto: or https: URL")
    return claims


@dataclass
class Device:
    """One browser's subscription: its keys, as the Push API makes them."""

    name: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    answers: deque[int] = field(default_factory=deque)  # scripted statuses; 201 once used up
    delay: float = 0.0  # seconds before answering (a slow push service)

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


@dataclass
class Received:
    device: str
    status: int  # what the endpoint answered
    headers: dict[str, str]
    claims: dict[str, Any]
    payload: dict[str, Any]
    at: float


class PushEndpoint:
    """start() / stop(); add_device(name) -> subscription info; `received` lists what arrived."""

    def __init__(self, *, expected_key: str) -> None:
        self.expected_key = expected_key
        self.devices: dict[str, Device] = {}
        self.received: list[Received] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> PushEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- devices -----------------------------------------------------------------------------------
    def add_device(self, name: str, *, answers: tuple[int, ...] = (), delay: float = 0.0) -> dict[str, Any]:
        device = Device(name=name, answers=deque(answers), delay=delay)
        self.devices[name] = device
        return {"endpoint": self.url(name), "keys": {"p256dh": device.p256dh, "auth": device.auth_b64}}

    def url(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def payloads(self, name: str | None = None, *, delivered_only: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            return [
                r.payload
                for r in self.received
                if (name is None or r.device == name) and (not delivered_only or r.status < 300)
            ]

    def wait_for(self, name: str, *, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.payloads(name)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{count} push(es) to {name} expected; got {self.payloads(name)} {self.errors}")

    # --- one request -------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        name = request.path.rsplit("/", 1)[-1]
        device = self.devices.get(name)
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if device is None:
            self._answer(request, 404)
            return
        if device.delay:
            time.sleep(device.delay)
        try:
            claims = verify_vapid(
                request.headers.get("Authorization", ""), expected_key=self.expected_key, audience=self.origin
            )
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise AssertionError(f"Content-Encoding {request.headers.get('Content-Encoding')!r}")
            if not request.headers.get("TTL", "").isdigit():
                raise AssertionError("no TTL header")
            plaintext = http_ece.decrypt(
                body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
            )
            payload = json.loads(plaintext)
        except Exception as exc:  # recorded: the test fails on any
            with self._lock:
                self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            self._answer(request, 400)
            return
        with self._lock:
            status = device.answers.popleft() if device.answers else 201
            self.received.append(
                Received(
                    name,
                    status,
                    {k.lower(): v for k, v in request.headers.items()},
                    claims,
                    payload,
                    time.monotonic(),
                )
            )
        self._answer(request, status)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Length", "0")
            request.end_headers()
        except OSError:  # the sender gave up waiting (a timeout test)
            pass
