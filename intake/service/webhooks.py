"""Telling a portal that a claim's processing has ended: a signed POST, retried with backoff.

The body is JSON; `X-Intake-Signature: sha256=HEX` is the HMAC-SHA256 of `TIMESTAMP.BODY` under
INTAKE_WEBHOOK_SECRET, with TIMESTAMP in `X-Intake-Timestamp` (unix seconds) so that a receiver
can refuse replays. `X-Intake-Delivery` is the same on every retry of one event, so that a
receiver can drop duplicates. Server errors, timeouts and 408/429 are retried; other 4xx are not.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import uuid
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger("intake.service.webhooks")

SIGNATURE_HEADER = "X-Intake-Signature"
TIMESTAMP_HEADER = "X-Intake-Timestamp"
DELIVERY_HEADER = "X-Intake-Delivery"


Outcome = Literal["delivered", "retry", "refused"]


class _Retryable(Exception):
    pass


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and what the tests do)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


_REFUSED = "the webhook host is a private, loopback or link-local address (not in INTAKE_WEBHOOK_ALLOW_HOSTS)"


def _unsafe_ip(text: str) -> bool:
    ip = ipaddress.ip_address(text.split("%")[0])
    return not ip.is_global or ip.is_multicast


def unsafe_reason(url: str, allow_hosts: Collection[str], *, resolve: bool = True) -> str | None:
    """Why a webhook may not go to url, or None. Loopback, private, link-local and other
    non-public addresses (169.254.169.254 is a cloud's metadata service, 127.0.0.1:6379 a Redis)
    are refused unless the operator lists the host in INTAKE_WEBHOOK_ALLOW_HOSTS. Without resolve,
    only literal addresses and localhost are judged (a claim is not refused because DNS is slow
    now); the sender resolves and judges again before every delivery."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return "the webhook URL must be http(s)://host/…"
    if host in allow_hosts:
        return None
    try:
        return _REFUSED if _unsafe_ip(host) else None
    except ValueError:
        pass  # a name, or an address in a short form ("0", "127.1", "0x7f.1") that clients accept
    try:
        return _REFUSED if _unsafe_ip(socket.inet_ntoa(socket.inet_aton(host))) else None
    except OSError:
        pass  # a name
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return _REFUSED
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return "the webhook host does not resolve"
    return _REFUSED if any(_unsafe_ip(str(info[4][0])) for info in infos) else None


class WebhookSender:
    def __init__(
        self,
        secret: str | None,
        *,
        attempts: int = 5,
        timeout: float = 10.0,
        backoff: float = 1.0,
        allow_hosts: Collection[str] | None = None,
    ) -> None:
        self.secret = secret
        self.attempts = max(1, attempts)
        self.timeout = timeout
        self.backoff = backoff
        # None: no address check (a sender used on its own, as in the tests of the sender itself).
        self.allow_hosts = allow_hosts
        # Deliveries wait on other people's servers; they must not hold up the OCR workers.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="intake-webhook")

    def send(self, url: str, claim_id: str, payload: dict[str, Any]) -> Future[bool]:
        return self._pool.submit(self._deliver, url, claim_id, payload)

    def _post(self, client: httpx.Client, url: str, headers: dict[str, str], body: bytes) -> None:
        try:
            response = client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _Retryable(type(exc).__name__) from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise _Retryable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ValueError(f"HTTP {response.status_code}")

    def _deliver(self, url: str, claim_id: str, payload: dict[str, Any]) -> bool:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        delivery = str(uuid.uuid4())
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=self.backoff, max=300),
            retry=retry_if_exception_type(_Retryable),
            reraise=False,
        )
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            try:
                for attempt in retrying:
                    with attempt:
                        ts = str(int(time.time()))
                        headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery, TIMESTAMP_HEADER: ts}
                        if self.secret:
                            headers[SIGNATURE_HEADER] = sign(self.secret, ts, body)
                        self._post(client, url, headers, body)
            except RetryError:
                log.warning("webhook for claim %s not delivered after %d attempts", claim_id, self.attempts)
                return False
            except ValueError as exc:
                log.warning("webhook for claim %s refused by the receiver (%s)", claim_id, exc)
                return False
        log.info("webhook for claim %s delivered", claim_id)
        return True

    def retry_delay(self, attempts_made: int) -> float | None:
        """Seconds until the next try after attempts_made failed ones, None when it is time to give up."""
        if attempts_made >= self.attempts:
            return None
        return float(min(300.0, self.backoff * 2 ** (attempts_made - 1)))

    def attempt(self, url: str, delivery_id: str, payload: dict[str, Any]) -> tuple[Outcome, str | None]:
        """One delivery try of an outbox event: (outcome, what went wrong, naming no personal data)."""
        if self.allow_hosts is not None:
            reason = unsafe_reason(url, self.allow_hosts)  # again at delivery: DNS may have changed
            if reason is not None:
                return "refused", "unsafe address"
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", DELIVERY_HEADER: delivery_id, TIMESTAMP_HEADER: ts}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, ts, body)
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                self._post(client, url, headers, body)
        except _Retryable as exc:
            return "retry", str(exc)[:200]
        except ValueError as exc:
            return "refused", str(exc)[:200]
        return "delivered", None

    def close(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
