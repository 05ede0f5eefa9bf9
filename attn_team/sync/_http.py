"""HTTP for the Jira sync: credentials, TLS, retries, back-off, and one-line errors.

Built on httpx (already installed with JupyterLab; a maintained client with timeouts split
by phase, TLS verification on by default and a custom CA bundle through ``verify=``). No
torch, no pandas here.

Secrets (the API token, the personal access token, the e-mail's basic-auth header) live only
in the :class:`Credentials` object and the request headers httpx builds from it; every error
message passes through :meth:`Credentials.redact`, and a logging filter on ``httpx``,
``httpcore`` and ``attn_team.sync`` redacts records too.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

__all__ = ["Credentials", "JiraHTTP", "SyncError", "clean_url", "credentials_from_env"]

log = logging.getLogger(__name__)

#: Service name under which the optional system keyring holds a token (user name: the Jira host).
KEYRING_SERVICE = "attn-team"


class SyncError(RuntimeError):
    """A sync that cannot go on; the message is one line naming what to fix, with secrets redacted."""


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: ``"basic"`` (e-mail + API token, Jira Cloud), ``"bearer"`` (personal access
    token, Data Center) or ``None`` (anonymous). ``source`` says where they came from (never the secret)."""

    kind: str | None = None
    user: str | None = None
    secret: str | None = field(default=None, repr=False)
    source: str = "no credentials"

    def secrets(self) -> list[str]:
        out = []
        if self.secret:
            out.append(self.secret)
            if self.user:
                out.append(base64.b64encode(f"{self.user}:{self.secret}".encode()).decode())
        return out

    def redact(self, text: str) -> str:
        for s in self.secrets():
            text = text.replace(s, "***")
        return text

    def auth(self) -> httpx.Auth | None:
        if self.kind == "basic":
            return httpx.BasicAuth(self.user or "", self.secret or "")
        if self.kind == "bearer":
            return _Bearer(self.secret or "")
        return None


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:
        return "_Bearer(***)"


def credentials_from_env(url: str, env: Mapping[str, str] | None = None, *, use_keyring: bool = True) -> Credentials:
    """Credentials from ``JIRA_EMAIL`` + ``JIRA_API_TOKEN`` (basic), else ``JIRA_TOKEN`` (bearer), else the
    system keyring (service ``attn-team``, user name the Jira host; only if the ``keyring`` package is
    installed), else none."""
    env = os.environ if env is None else env
    email_, api_token, token = env.get("JIRA_EMAIL"), env.get("JIRA_API_TOKEN"), env.get("JIRA_TOKEN")
    if email_ and api_token:
        return Credentials("basic", email_, api_token, "JIRA_EMAIL and JIRA_API_TOKEN")
    if token:
        return Credentials("bearer", None, token, "JIRA_TOKEN")
    if use_keyring:
        try:
            import keyring  # optional
        except ImportError:
            keyring = None
        if keyring is not None:
            host = urlsplit(url).hostname or ""
            try:
                secret = keyring.get_password(KEYRING_SERVICE, host)
            except Exception as exc:  # noqa: BLE001 - a broken keyring backend must not stop an anonymous sync
                log.info("keyring not usable (%s)", type(exc).__name__)
                secret = None
            if secret:
                if email_:
                    return Credentials("basic", email_, secret, f"JIRA_EMAIL and the keyring entry {KEYRING_SERVICE}/{host}")
                return Credentials("bearer", None, secret, f"the keyring entry {KEYRING_SERVICE}/{host}")
    return Credentials()


def clean_url(url: str) -> str:
    """The Jira base URL without a trailing slash; credentials in the URL are refused (they would be stored)."""
    parts = urlsplit(str(url).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"{parts.scheme + '://' if parts.scheme else ''}{parts.hostname or url!s}: not a Jira URL; "
                        "give the base URL, e.g. https://your-site.atlassian.net or https://jira.example.com")
    if parts.username or parts.password:
        raise SyncError(f"https://{parts.hostname}: the URL holds credentials; remove them and set JIRA_EMAIL and "
                        "JIRA_API_TOKEN (Cloud) or JIRA_TOKEN (Data Center) instead")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class _Redact(logging.Filter):
    def __init__(self, creds: Credentials) -> None:
        super().__init__()
        self.creds = creds

    def filter(self, record: logging.LogRecord) -> bool:
        if self.creds.secrets():
            msg = record.getMessage()
            red = self.creds.redact(msg)
            if red != msg:
                record.msg, record.args = red, None
        return True


class _Retry(Exception):
    """One failed attempt that may succeed when tried again (timeout, 5xx, 429, malformed body)."""

    def __init__(self, reason: str, *, wait: float | None = None, shrink: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.wait, self.shrink = reason, wait, shrink


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _server_message(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    msgs = [str(m) for m in body.get("errorMessages") or [] if m]
    errs = body.get("errors")
    if isinstance(errs, dict):
        msgs += [f"{k}: {v}" for k, v in errs.items()]
    if not msgs and body.get("message"):
        msgs.append(str(body["message"]))
    return "; ".join(msgs)[:300]


class JiraHTTP:
    """GET/POST JSON from one Jira site with bounded retries.

    Parameters
    ----------
    url : str
        Base URL (see :func:`clean_url`).
    credentials : Credentials
    ca_bundle : path, optional
        PEM file of the CA that signed the server's certificate (TLS is always verified).
    timeout : float, default=30
        Seconds to wait for a response.
    retries : int, default=5
        Attempts after the first one, for timeouts, 5xx, 429 and malformed bodies.
    backoff : float, default=1.0
        Seconds before the first retry; doubled each time, at most ``max_wait``.
    max_wait : float, default=120
        Longest single wait (also caps ``Retry-After``).
    transport : httpx transport, optional
        For tests.
    """

    def __init__(self, url: str, credentials: Credentials, *, ca_bundle=None, timeout: float = 30.0, retries: int = 5,
                 backoff: float = 1.0, max_wait: float = 120.0, transport=None, sleep: Callable[[float], None] = time.sleep):
        self.url = clean_url(url)
        self.creds = credentials
        self.retries, self.backoff, self.max_wait, self.sleep = int(retries), float(backoff), float(max_wait), sleep
        self.timeout = float(timeout)
        if ca_bundle is not None and not os.path.isfile(ca_bundle):
            raise SyncError(f"{ca_bundle}: no such CA bundle file; give the PEM file of your organisation's certificate authority")
        from .. import __version__

        try:
            verify = ssl.create_default_context(cafile=str(ca_bundle)) if ca_bundle else True
            self._client = httpx.Client(
                base_url=self.url, auth=credentials.auth(), verify=verify,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 15.0)), follow_redirects=False,
                headers={"Accept": "application/json", "User-Agent": f"attn-team/{__version__}"}, transport=transport)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            raise SyncError(f"{ca_bundle}: cannot use it as a CA bundle ({exc}); give a PEM file of certificates") from None
        self._filter = _Redact(credentials)
        for name in ("httpx", "httpcore", "attn_team.sync"):
            logging.getLogger(name).addFilter(self._filter)

    def close(self) -> None:
        self._client.close()
        for name in ("httpx", "httpcore", "attn_team.sync"):
            logging.getLogger(name).removeFilter(self._filter)

    def __enter__(self) -> JiraHTTP:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one request ------------------------------------------------------------------
    def _once(self, method: str, path: str, params: Mapping[str, Any] | None, body: Any, what: str) -> Any:
        try:
            resp = self._client.request(method, path, params=params, json=body)
        except httpx.TimeoutException:
            raise _Retry(f"no answer within {self.timeout:g} s", shrink=True) from None
        except httpx.ConnectError as exc:
            text = self.creds.redact(str(exc))
            if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                raise SyncError(f"{self.url}: the TLS connection failed ({text[:160]}); check that the server speaks "
                                "https, and if your organisation uses its own certificate authority, pass --ca-bundle "
                                "PATH (ca_bundle=) with its PEM file") from None
            raise _Retry(f"cannot connect ({text[:160]})") from None
        except httpx.TransportError as exc:
            raise _Retry(f"connection failed ({type(exc).__name__}: {self.creds.redact(str(exc))[:160]})", shrink=True) from None
        code = resp.status_code
        if code == 429:
            wait = _retry_after(resp.headers.get("Retry-After"))
            raise _Retry("rate limited (429)", wait=wait)
        if code >= 500:
            raise _Retry(f"server error {code}", shrink=True)
        if 300 <= code < 400:
            where = resp.headers.get("Location", "?")
            raise SyncError(f"{self.url}{path}: redirected ({code}) to {where.split('?')[0]}; give the URL Jira "
                            "answers on directly (the base URL, with https:// and any context path such as /jira)")
        if code >= 400:
            raise SyncError(self.creds.redact(self._refused(code, path, what, _server_message(resp))))
        try:
            return resp.json()
        except ValueError:
            raise _Retry(f"the answer is not valid JSON ({len(resp.content)} bytes, {resp.headers.get('content-type', '?')})",
                         shrink=True) from None

    def _refused(self, code: int, path: str, what: str, msg: str) -> str:
        detail = f" ({msg})" if msg else ""
        host = urlsplit(self.url).hostname
        if code == 401:
            return (f"{host}: Jira refused the credentials (401 Unauthorized, using {self.creds.source}); set JIRA_EMAIL "
                    "and JIRA_API_TOKEN (Jira Cloud: an API token, not the password) or JIRA_TOKEN (Data Center: a "
                    "personal access token), and check they are valid")
        if code == 403:
            return (f"{host}: access denied to {what} (403 Forbidden, using {self.creds.source}){detail}; the account "
                    "needs the 'Browse projects' permission, and Jira Cloud accepts API tokens only (not passwords)")
        if code == 404:
            return (f"{self.url}{path}: not found (404){detail}; check the base URL (e.g. https://your-site.atlassian.net, "
                    "or https://jira.example.com/jira with the context path) and --api (REST API 3 exists on Jira Cloud only)")
        if code == 400 and what == "the search":
            return f"Jira refused the JQL (400){detail}; fix --jql (jql=)"
        return f"{self.url}{path}: {what} failed ({code}){detail}"

    # -- with retries -------------------------------------------------------------------
    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = None, body: Any = None,
                what: str = "the request", shrink: Callable[[], Mapping[str, Any] | None] | None = None) -> Any:
        """The decoded JSON answer; retries timeouts, 5xx, 429 and malformed bodies at most ``retries`` times.

        ``shrink``, called after a timeout, 5xx or malformed body, may return new ``params``
        (a smaller page). Raises :class:`SyncError` when the server refuses or retries run out.
        """
        last = ""
        for attempt in range(self.retries + 1):
            try:
                return self._once(method, path, params, body, what)
            except _Retry as r:
                last = r.reason
                if attempt == self.retries:
                    break
                if r.shrink and shrink is not None:
                    params = shrink() or params
                wait = r.wait if r.wait is not None else self.backoff * (2 ** attempt)
                wait = min(wait, self.max_wait)
                log.info("%s: %s; attempt %d of %d, again in %.1f s", what, r.reason, attempt + 1, self.retries + 1, wait)
                self.sleep(wait)
        hint = ("check the URL and that this machine can reach the server (proxy, VPN)" if last.startswith("cannot connect")
                else "try again later, or with a smaller --page-size or a longer --timeout")
        raise SyncError(self.creds.redact(f"{self.url}{path}: {what} failed {self.retries + 1} times, last: {last}; {hint}"))

    def get(self, path: str, **kw) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any, **kw) -> Any:
        return self.request("POST", path, body=body, **kw)
