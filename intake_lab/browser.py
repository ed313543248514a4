"""A real browser on a real server, for the workbench's tests and its benchmark.

`serve(app)` runs an intake app under uvicorn on a free loopback port in a thread; `chromium()`
launches Debian's Chromium (/usr/bin/chromium, `apt-get install chromium chromium-driver`)
headless through Playwright. Nothing here downloads a browser: `playwright install` is never run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = Path(os.environ.get("INTAKE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}  # a reviewer's laptop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any, timeout: float = 30.0) -> Iterator[str]:
    """The app on http://127.0.0.1:PORT (yielded), its lifespan (and worker) running, until the block ends."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="intake-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright Browser)."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base: str, key: str, next_path: str = "/review/") -> None:
    """Sign a page in through the form, as a reviewer would."""
    page.goto(f"{base}/review/login?next={quote(next_path, safe='/')}")
    page.fill("#api_key", key)
    page.press("#api_key", "Enter")
    page.wait_for_load_state()
