"""Account management in a real browser with JavaScript switched off: a team's admin adds an account,
deactivates it through the confirmation page and activates it again, and the new user changes their
password. Chromium as in ``test_browser.py`` (skipped without it, a failure under CI)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.web import create_app

from .test_browser import PASSWORD, _chromium, _free_port

pytestmark = pytest.mark.e2e

STARTING = "a starting passphrase"
OWN = "erin's own passphrase"


@pytest.fixture
def accounts_server(tmp_path: Path, mini_hpo: Hpo, kb: KnowledgeBase) -> Iterator[tuple[str, Registry]]:
    """The app with an admin (dana) on a free loopback port; yields its base URL and registry."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    registry = Registry.open(
        f"sqlite:///{tmp_path / 'registry.sqlite3'}", uploads_dir=tmp_path / "uploads", password_hasher=hasher
    )
    registry.add_user("dana", "haematology", "admin", PASSWORD)
    app = create_app(registry, hpo=mini_hpo, kb=kb, close_registry=True)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", registry
    finally:
        instance.should_exit = True
        thread.join(timeout=30)


def test_an_admin_manages_an_account_without_javascript(accounts_server: tuple[str, Registry]) -> None:
    server, registry = accounts_server
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            expect = sync_api.expect
            admin = browser.new_context(java_script_enabled=False).new_page()
            admin.goto(f"{server}/login")
            admin.get_by_label("Name").fill("dana")
            admin.get_by_label("Password").fill(PASSWORD)
            admin.get_by_role("button", name="Sign in").click()
            admin.goto(f"{server}/users")
            expect(admin.get_by_role("heading", name="Accounts of team haematology")).to_be_visible()

            # Add an account: the browser checks the name's form, the server the rest.
            name = admin.get_by_label("User name")
            name.fill("erin smith")
            assert not name.evaluate("field => field.checkValidity()")  # the pattern compiles and applies
            name.fill("erin")
            admin.get_by_label("Role").select_option("counsellor")
            admin.get_by_label("Password", exact=True).fill(STARTING)
            admin.get_by_label("Password again").fill(STARTING + "!")
            admin.get_by_role("button", name="Add account").click()
            expect(admin.get_by_role("alert")).to_have_text(
                "password again differs from the password; type the same password twice"
            )
            expect(admin.get_by_label("User name")).to_have_value("erin")
            admin.get_by_label("Password", exact=True).fill(STARTING)
            admin.get_by_label("Password again").fill(STARTING)
            admin.get_by_role("button", name="Add account").click()
            expect(admin.get_by_text("Account added.")).to_be_visible()
            assert admin.url.endswith("/users?done=added#top")

            # The new user signs in and changes the password they were given.
            erin = browser.new_context(java_script_enabled=False).new_page()
            erin.goto(f"{server}/login")
            erin.get_by_label("Name").fill("erin")
            erin.get_by_label("Password").fill(STARTING)
            erin.get_by_role("button", name="Sign in").click()
            erin.get_by_role("link", name="erin · haematology · counsellor").click()
            erin.get_by_label("Current password").fill(STARTING)
            erin.get_by_label("New password", exact=True).fill(OWN)
            erin.get_by_label("New password again").fill(OWN)
            erin.get_by_role("button", name="Change password").click()
            expect(erin.get_by_text("Password changed.")).to_be_visible()

            # Deactivate: a confirmation page first; Cancel changes nothing.
            admin.get_by_role("link", name="Deactivate erin…").click()
            expect(admin.get_by_role("heading", name="Deactivate erin?")).to_be_visible()
            admin.get_by_role("link", name="Cancel").click()
            assert registry.get_user("erin").active
            admin.get_by_role("link", name="Deactivate erin…").click()
            admin.get_by_role("button", name="Deactivate erin").click()
            expect(admin.get_by_text("Account deactivated")).to_be_visible()
            assert not registry.get_user("erin").active
            erin.reload()
            expect(erin.get_by_role("button", name="Sign in")).to_be_visible()  # her session has ended

            admin.get_by_role("button", name="Activate erin again").click()
            expect(admin.get_by_text("Account activated again.")).to_be_visible()
            assert registry.get_user("erin").active
            assert registry.authenticate("erin", OWN) is not None
        finally:
            browser.close()
