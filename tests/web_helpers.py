"""What the browser tests share: the app served by uvicorn in a thread, Debian's Chromium
driven by Playwright, and signing in."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def password(name: str) -> str:
    """The test password of console user ``name``."""
    return f"{name}-console-pw"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yields its base URL, stops it on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # the lifespan migrates the database first
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's, never a downloaded one); skips the test without it.
    Make it a fixture with ``browser = pytest.fixture(scope="module")(chromium)``."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def signed_in(browser: Any, base: str, user: str, path: str = "/queue") -> Any:
    """A page in a fresh browser context, sent to sign in on the way to ``path`` and signed in as
    ``user``; it ends on ``path``."""
    page = browser.new_context().new_page()
    page.goto(base + path)
    assert page.url.startswith(base + "/login?next=" + path)
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password(user))
    page.click("button[type=submit]")
    page.wait_for_url(base + path)
    return page


@contextmanager
def client(base: str, user: str | None) -> Iterator[httpx.Client]:
    """An HTTP client for the console at ``base``, signed in as ``user`` unless None."""
    with httpx.Client(base_url=base) as http:
        if user is not None:
            form = {"username": user, "password": password(user), "csrf_token": csrf(http, "/login")}
            assert http.post("/login", data=form).status_code == 303
        yield http


def csrf(http: httpx.Client, path: str) -> str:
    """The CSRF token in the form of the page at ``path``."""
    token = CSRF.search(http.get(path).text)
    assert token is not None, f"no form on {path}"
    return token.group(1)
