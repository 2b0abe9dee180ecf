"""Request guards: Host header, access token, Origin and the security headers of every response.

Inputs: each ASGI request. Outputs: the request passed on, or a 403 page / refused WebSocket.
Listening on loopback needs no token; off loopback every request must carry the token (in the
URL once, then a cookie), so another machine on the network cannot use the app. The Host header
must name this server (a DNS-rebinding page's Host names the attacker's domain), and requests
that change something must come from the app's own pages (Origin).
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import unicodedata
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "hipthrust_token"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'"
)
"""The app's pages: scripts, styles and media from the app only, nothing inline."""
REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'"
"""A set's report page: the self-contained report's own policy (inline CSS, data: images)."""
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BadName(ValueError):
    """A file name that could reach outside its folder, or is not printable text."""


def safe_name(name: str, limit: int = 200) -> str:
    """A user's file name, checked for display and logs; never used as a path.

    Raises:
        BadName: Empty, too long, a path (separators, "..") or with control characters.
    """
    name = unicodedata.normalize("NFC", name).strip()
    if not name or len(name) > limit:
        raise BadName("the file name is empty or longer than 200 characters")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith(".."):
        raise BadName(f"the file name {name!r} is a path: give a plain file name")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in name):
        raise BadName("the file name has control characters")
    return name


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (where no other machine can connect)."""
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Access:
    """Who may talk to the server.

    Attributes:
        host: The address it listens on (`--host`).
        port: Its port.
        token: The access token, or None on loopback (no token needed).
        names: Host names (besides IP literals and localhost) a request may use.
    """

    host: str
    port: int
    token: str | None
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def for_host(cls, host: str, port: int) -> Access:
        """Loopback: no token. Elsewhere: a fresh token and this machine's names."""
        if is_loopback(host):
            return cls(host, port, None)
        local = socket.gethostname().lower()
        names = frozenset({host.lower(), local, f"{local}.local"})
        return cls(host, port, secrets.token_urlsafe(24), names)

    def url(self, path: str = "/") -> str:
        """The URL to print: with the token when one is needed."""
        shown = self.host
        if shown in ("0.0.0.0", "::", ""):
            shown = socket.gethostname()
        elif ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        query = f"?{urlencode({'token': self.token})}" if self.token else ""
        return f"http://{shown}:{self.port}{path}{query}"

    def host_allowed(self, header: str) -> bool:
        """The Host header names this server (a DNS-rebinding request names another)."""
        name, port = _split_host(header.strip().lower())
        if port != str(self.port):
            return False
        if name in LOOPBACK_NAMES or _ip_literal(name):
            return is_loopback(name) or self.token is not None
        return self.token is not None and name in self.names

    def token_ok(self, given: str | None) -> bool:
        """The token matches (always true when none is needed)."""
        if self.token is None:
            return True
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())


def _split_host(header: str) -> tuple[str, str]:
    """("name", "port") of a Host header; the port is "80" when none is given."""
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1 :]
        return header[: end + 1], rest[1:] if rest.startswith(":") else "80"
    if header.count(":") == 1:
        name, port = header.split(":")
        return name, port
    return header, "80"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


class Guard:
    """ASGI middleware: refuses what `Access` does not allow; adds the security headers."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Checks an HTTP request or WebSocket handshake, then passes it on."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        problem = self._problem(scope, headers, query)
        if problem is not None:
            await _refuse(scope, receive, send, problem)
            return
        if scope["type"] == "http" and self.access.token and query.get("token"):
            await _set_cookie_and_strip(scope, send, self.access.token, query)
            return
        await self.app(scope, receive, _with_headers(send))

    def _problem(self, scope: Scope, headers: dict[str, str], query: dict[str, str]) -> str | None:
        if not self.access.host_allowed(headers.get("host", "")):
            return "This address is not the app's: open the link hipthrust-cam app printed."
        cookie = SimpleCookie(headers.get("cookie", ""))
        given = query.get("token") or (cookie[COOKIE].value if COOKIE in cookie else None)
        if not self.access.token_ok(given):
            return "This app needs its access token: open the link hipthrust-cam app printed."
        unsafe = scope["type"] == "websocket" or scope.get("method", "GET") not in SAFE_METHODS
        origin = headers.get("origin")
        if unsafe and origin is not None and origin != f"http://{headers.get('host', '')}":
            return "Refused a request from another web site."
        return None


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {k.lower() for k, _ in headers}
            extra = {
                b"content-security-policy": PAGE_CSP.encode(),
                b"x-content-type-options": b"nosniff",
                b"referrer-policy": b"same-origin",  # a form POST keeps its Origin
                b"x-frame-options": b"SAMEORIGIN",
                b"cross-origin-opener-policy": b"same-origin",
            }
            headers += [(k, v) for k, v in extra.items() if k not in names]
            message["headers"] = headers
        await send(message)

    return wrapped


async def _refuse(scope: Scope, receive: Receive, send: Send, problem: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # the handshake
        await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})
        return
    body = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Not allowed</title>'
        f"<body><h1>Not allowed</h1><p>{problem}</p></body></html>"
    ).encode()
    await _respond(send, 403, body, [(b"content-type", b"text/html; charset=utf-8")])


async def _set_cookie_and_strip(
    scope: Scope, send: Send, token: str, query: dict[str, str]
) -> None:
    """The token came in the URL: keep it in a cookie and reload without it in the address."""
    rest = urlencode({k: v for k, v in query.items() if k != "token"})
    location = scope.get("path", "/") + (f"?{rest}" if rest else "")
    cookie = f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/"
    await _respond(
        send, 303, b"", [(b"location", location.encode()), (b"set-cookie", cookie.encode())]
    )


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-length", str(len(body)).encode()),
                (b"content-security-policy", PAGE_CSP.encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
