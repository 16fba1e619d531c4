"""A local stand-in for the Microsoft identity platform, for real MSAL to talk to over HTTPS.

It serves what MSAL needs with ``instance_discovery=False``: the OpenID discovery document, the
device-code endpoint, the authorize endpoint (answering a test "browser" with a code) and the token
endpoint for device_code, authorization_code, refresh_token and client_credentials grants (client
secret, or a certificate's signed client assertion, checked with PyJWT). Error replies look like
Entra ID's (``AADSTS65001: ... Trace ID: ... Correlation ID: ... Timestamp: ...``, ``error_codes``,
``correlation_id``). Access tokens are realistic but unsigned JWTs with configurable claims. Every
request is logged so tests can assert the exact sequence; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RESERVED = {"openid", "profile", "offline_access"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_jwt(claims: dict[str, Any], *, alg: str = "RS256") -> str:
    """A JWT that looks like Entra ID's but whose signature is random bytes (or empty for alg none)."""
    header = {"typ": "JWT", "alg": alg, "kid": "fake-kid"}
    signature = "" if alg == "none" else b64url(secrets.token_bytes(64))
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), signature])


@dataclass(frozen=True)
class AadError:
    """An Entra ID error reply: ``AadError(65001, "invalid_grant", "The user or administrator ...")``."""

    code: int
    error: str
    message: str
    status: int = 400

    def body(self) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.message} Trace ID: {trace} "
            f"Correlation ID: {correlation} Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={self.code}",
        }


PENDING = AadError(70016, "authorization_pending", "OAuth 2.0 device flow error. Authorization is pending.")


@dataclass
class LoggedRequest:
    method: str
    path: str
    form: dict[str, str]

    @property
    def grant_type(self) -> str | None:
        return self.form.get("grant_type")

    @property
    def endpoint(self) -> str:
        return self.path.split("?")[0].rsplit("/", 1)[-1]


@dataclass
class FakeUser:
    upn: str = "alice@contoso.example"
    oid: str = "11111111-2222-3333-4444-555555555555"
    name: str = "Alice Example"


@dataclass
class FakeAuthority:
    """Start with ``with FakeAuthority(server_ssl_context) as fa:``; point MSAL at ``fa.authority``."""

    ssl_context: ssl.SSLContext
    tenant: str = "contoso.example"
    tenant_id: str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    client_id: str = "0f0f0f0f-1111-2222-3333-444444444444"
    client_secret: str | None = None
    certificate_pem: bytes | None = None  # the app's certificate, to check client assertions
    user: FakeUser = field(default_factory=FakeUser)
    pending_polls: int | None = 2  # None: "authorization_pending" forever
    interval: int = 0
    device_expires_in: int = 900
    token_lifetime: int = 3599
    verification_uri: str = "https://microsoft.com/devicelogin"
    # Claims merged into the next delegated / app-only access tokens (e.g. {"aud": graph}).
    user_claims: dict[str, Any] = field(default_factory=dict)
    app_claims: dict[str, Any] = field(default_factory=dict)
    # Error replies by step: "discovery", "devicecode", "device_code", "authorization_code",
    # "refresh_token", "client_credentials", "authorize".
    errors: dict[str, AadError] = field(default_factory=dict)

    requests: list[LoggedRequest] = field(default_factory=list, init=False)
    issued_access_tokens: list[str] = field(default_factory=list, init=False)
    _device_codes: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    _auth_codes: dict[str, dict[str, str]] = field(default_factory=dict, init=False)
    _refresh_tokens: dict[str, str] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    # ----- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> FakeAuthority:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        server.socket = self.ssl_context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_address[1])

    @property
    def authority_host(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant}"

    @property
    def token_endpoint(self) -> str:
        return f"{self.authority}/oauth2/v2.0/token"

    def grants(self) -> list[str]:
        """The sequence of requests as short names: discovery, devicecode, or the grant type."""
        names = []
        for r in self.requests:
            if r.endpoint == "openid-configuration":
                names.append("discovery")
            elif r.endpoint == "token":
                names.append("device_code" if r.grant_type == DEVICE_GRANT else str(r.grant_type))
            else:
                names.append(r.endpoint)
        return names

    def browser(self, session: Any) -> Callable[[str], None]:
        """A stand-in for a person in a browser: open the sign-in URL, sign in, post the reply back."""

        def open_url(url: str) -> None:
            page = session.get(url, timeout=5).json()
            form = {k: v for k, v in page.items() if k != "redirect_uri"}
            # The reply goes to the app's own loopback receiver (plain HTTP), as a browser would post it.
            import requests

            plain = requests.Session()
            plain.trust_env = False
            plain.post(page["redirect_uri"], data=form, timeout=5)

        return open_url

    # ----- token material ---------------------------------------------------------------------

    def _times(self) -> dict[str, int]:
        now = int(time.time())
        # Entra ID backdates iat/nbf by five minutes.
        return {"iat": now - 300, "nbf": now - 300, "exp": now + self.token_lifetime}

    def user_access_token(self) -> str:
        claims: dict[str, Any] = {
            "aud": "https://outlook.office.com",
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            **self._times(),
            "appid": self.client_id,
            "scp": "SMTP.Send",
            "upn": self.user.upn,
            "unique_name": self.user.upn,
            "name": self.user.name,
            "oid": self.user.oid,
            "tid": self.tenant_id,
            "ver": "1.0",
        }
        claims.update(self.user_claims)
        return self._issue(make_jwt(claims))

    def app_access_token(self) -> str:
        claims: dict[str, Any] = {
            "aud": "https://outlook.office365.com",
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            **self._times(),
            "appid": self.client_id,
            "roles": ["SMTP.SendAsApp"],
            "oid": "99999999-8888-7777-6666-555555555555",
            "tid": self.tenant_id,
            "idtyp": "app",
            "ver": "1.0",
        }
        claims.update(self.app_claims)
        return self._issue(make_jwt(claims))

    def _issue(self, token: str) -> str:
        with self._lock:
            self.issued_access_tokens.append(token)
        return token

    def _id_token(self, nonce: str | None = None) -> str:
        claims: dict[str, Any] = {
            "iss": f"{self.authority_host}/{self.tenant_id}/v2.0",
            "aud": self.client_id,
            **self._times(),
            "oid": self.user.oid,
            "sub": "subject-" + self.user.oid[:8],
            "tid": self.tenant_id,
            "preferred_username": self.user.upn,
            "name": self.user.name,
        }
        if nonce:
            claims["nonce"] = nonce  # echoed from the authorize request, as OpenID Connect requires
        return make_jwt(claims, alg="none")

    def user_tokens(self, scope: str, nonce: str | None = None) -> dict[str, Any]:
        refresh = "fake-refresh-" + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh_tokens[refresh] = scope
        granted = " ".join(s for s in scope.split() if s not in RESERVED)
        return {
            "token_type": "Bearer",
            "scope": granted,
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": self.user_access_token(),
            "refresh_token": refresh,
            "id_token": self._id_token(nonce),
            "client_info": b64url(json.dumps({"uid": self.user.oid, "utid": self.tenant_id}).encode()),
        }

    # ----- request handling -------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        base = self.authority
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "tenant_region_scope": "EU",
        }

    def handle(self, method: str, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(LoggedRequest(method, path, form))
        route = urlsplit(path).path
        prefix = f"/{self.tenant}/"
        if not route.startswith(prefix):
            tenant = route.strip("/").split("/")[0]
            return self._error(AadError(90002, "invalid_tenant", f"Tenant '{tenant}' not found."))
        tail = route[len(prefix) :]
        if tail == "v2.0/.well-known/openid-configuration":
            return self._maybe_error("discovery") or (200, self.discovery())
        if tail == "oauth2/v2.0/devicecode":
            return self._maybe_error("devicecode") or self._devicecode(form)
        if tail == "oauth2/v2.0/authorize":
            return self._maybe_error("authorize") or self._authorize(path)
        if tail == "oauth2/v2.0/token":
            return self._token(form)
        return 404, {"error": "not_found"}

    def _maybe_error(self, step: str) -> tuple[int, dict[str, Any]] | None:
        err = self.errors.get(step)
        return self._error(err) if err else None

    @staticmethod
    def _error(err: AadError) -> tuple[int, dict[str, Any]]:
        return err.status, err.body()

    def _wrong_client(self, form: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        if form.get("client_id") == self.client_id:
            return None
        return self._error(
            AadError(
                700016,
                "unauthorized_client",
                f"Application with identifier '{form.get('client_id')}' was not found in the directory "
                f"'{self.tenant}'.",
            )
        )

    def _devicecode(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        wrong = self._wrong_client(form)
        if wrong:
            return wrong
        device_code = "fake-device-" + secrets.token_urlsafe(16)
        user_code = secrets.token_hex(4).upper() + "X"
        with self._lock:
            self._device_codes[device_code] = {"scope": form.get("scope", ""), "polls": 0}
        return 200, {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": self.verification_uri,
            "expires_in": self.device_expires_in,
            "interval": self.interval,
            "message": f"To sign in, use a web browser to open the page {self.verification_uri} and enter "
            f"the code {user_code} to authenticate.",
        }

    def _authorize(self, path: str) -> tuple[int, dict[str, Any]]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        code = "fake-code-" + secrets.token_urlsafe(16)
        with self._lock:
            self._auth_codes[code] = query
        return 200, {
            "code": code,
            "state": query.get("state", ""),
            "client_info": b64url(json.dumps({"uid": self.user.oid, "utid": self.tenant_id}).encode()),
            "redirect_uri": query.get("redirect_uri", ""),
        }

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        step = "device_code" if grant == DEVICE_GRANT else grant
        wrong = self._wrong_client(form)
        if wrong:
            return wrong
        handlers = {
            "device_code": self._device_grant,
            "authorization_code": self._code_grant,
            "refresh_token": self._refresh_grant,
            "client_credentials": self._client_grant,
        }
        if step not in handlers:
            return self._error(AadError(70003, "unsupported_grant_type", f"The grant type '{grant}' is unsupported."))
        if step != "device_code":
            err = self._maybe_error(step)
            if err:
                return err
        return handlers[step](form)

    def _device_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            entry = self._device_codes.get(form.get("device_code", ""))
            if entry is None:
                return self._error(AadError(70019, "expired_token", "Verification code expired."))
            entry["polls"] += 1
            polls = entry["polls"]
        if self.pending_polls is None or polls <= self.pending_polls:
            return self._error(PENDING)
        err = self._maybe_error("device_code")
        return err or (200, self.user_tokens(entry["scope"]))

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            request = self._auth_codes.pop(form.get("code", ""), None)
        if request is None:
            return self._error(AadError(70000, "invalid_grant", "The provided authorization code is invalid."))
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != request.get("code_challenge"):
            return self._error(
                AadError(501481, "invalid_grant", "The Code_Verifier does not match the code_challenge.")
            )
        if form.get("redirect_uri") != request.get("redirect_uri"):
            return self._error(AadError(50011, "invalid_request", "The redirect URI does not match."))
        return 200, self.user_tokens(request.get("scope", ""), request.get("nonce"))

    def _refresh_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            scope = self._refresh_tokens.pop(form.get("refresh_token", ""), None)
        if scope is None:
            return self._error(AadError(70008, "invalid_grant", "The provided refresh token has expired."))
        return 200, self.user_tokens(form.get("scope") or scope)

    def _client_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        problem = self._client_authentication_problem(form)
        if problem:
            return self._error(problem)
        if not form.get("scope", "").endswith("/.default"):
            return self._error(
                AadError(
                    1002012,
                    "invalid_scope",
                    "The provided value for scope is not valid. Client credential flows must have a scope "
                    "value with /.default suffixed to the resource identifier (application ID URI).",
                )
            )
        return 200, {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": self.app_access_token(),
        }

    def _client_authentication_problem(self, form: dict[str, str]) -> AadError | None:
        if "client_assertion" in form:
            return self._assertion_problem(form)
        if self.client_secret is None or form.get("client_secret") != self.client_secret:
            return AadError(
                7000215,
                "invalid_client",
                "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                "secret value, not the client secret ID.",
                status=401,
            )
        return None

    def _assertion_problem(self, form: dict[str, str]) -> AadError | None:
        failed = AadError(700027, "invalid_client", "Client assertion failed signature validation.", status=401)
        if self.certificate_pem is None or form.get("client_assertion_type") != ASSERTION_TYPE:
            return failed
        cert = x509.load_pem_x509_certificate(self.certificate_pem)
        assertion = form["client_assertion"]
        header = jwt.get_unverified_header(assertion)
        # MSAL names the certificate by its SHA-256 thumbprint (padded base64url), as Entra ID expects.
        expected = base64.urlsafe_b64encode(cert.fingerprint(hashes.SHA256())).decode()
        if header.get("x5t#S256") != expected:
            return AadError(
                700027,
                "invalid_client",
                "The certificate with identifier used to sign the client assertion is not registered on application.",
                status=401,
            )
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key(),  # type: ignore[arg-type]
                algorithms=["PS256", "RS256"],
                audience=self.token_endpoint,
                issuer=self.client_id,
            )
        except jwt.InvalidTokenError:
            return failed
        return None if claims.get("sub") == self.client_id else failed


def _handler_for(authority: FakeAuthority) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._reply(*authority.handle("GET", self.path, {}))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            self._reply(*authority.handle("POST", self.path, form))

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def loopback_only_getaddrinfo(real: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``socket.getaddrinfo`` so any name but loopback fails like an offline machine."""

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "127.0.0.1", "::1", "None"):
            raise OSError(f"test guard: refused to resolve non-loopback host {name!r}")
        return real(host, *args, **kwargs)

    return guarded
