"""End to end in a real browser: Playwright drives Debian's chromium (no downloaded browser) against the app
served by uvicorn on loopback, with the real HPO release.

A clinician signs in, enters a case with findings (autocomplete and plain words) and labs, uploads a VCF,
runs the analysis, reads the HSCT decision on the results page and downloads the report. The results page
is saved as a screenshot (``$MARBLEDX_SCREENSHOT_DIR`` or the test's temporary folder); docs/images holds
one. Without chromium the test is skipped, except under CI (``CI=true``), where that is a failure:
``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
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

from ..conftest import TESTS

pytestmark = pytest.mark.e2e

EXAMPLES = TESTS.parent / "examples"
PASSWORD = "correct horse battery"


def _chromium() -> str:
    found = (
        os.environ.get("MARBLEDX_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail("CI is set but Debian's chromium is not installed: .ci/run should have installed it")
    pytest.skip("chromium is not installed (Debian package 'chromium'; .ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path, real_hpo: Hpo, kb: KnowledgeBase) -> Iterator[str]:
    """The app on a free loopback port in a background thread; yields its base URL."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    registry = Registry.open(
        f"sqlite:///{tmp_path / 'registry.sqlite3'}", uploads_dir=tmp_path / "uploads", password_hasher=hasher
    )
    registry.add_user("dr-lee", "haematology", "clinician", PASSWORD)
    app = create_app(registry, hpo=real_hpo, kb=kb, close_registry=True)
    port = _free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, access_log=False, log_level="warning", lifespan="on"
    )
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        instance.should_exit = True
        thread.join(timeout=30)


def test_clinician_enters_a_case_and_reads_the_hsct_decision(server: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = _chromium()
    shots = Path(os.environ.get("MARBLEDX_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            expect = sync_api.expect

            # Sign in (the Secure session cookie is kept: browsers treat 127.0.0.1 as a secure origin).
            page.goto(f"{server}/cases")
            expect(page).to_have_url(f"{server}/login?next=/cases")
            page.get_by_label("Name").fill("dr-lee")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Cases of team haematology")).to_be_visible()

            # A new case.
            page.get_by_label("Case label").fill("HAEM-2026-014")
            page.get_by_label("Age").fill("4 months")
            page.get_by_label("Sex").select_option("male")
            page.get_by_role("button", name="Create case").click()
            expect(page.get_by_role("heading", name="HAEM-2026-014")).to_be_visible()

            # Findings: through the HPO autocomplete (keyboard), then in plain words.
            term = page.get_by_role("combobox", name="HPO term")
            term.press_sequentially("osteopetr", delay=30)
            option = page.get_by_role("option", name="Osteopetrosis HP:0011002")
            expect(option).to_be_visible()
            term.press("ArrowDown")
            term.press("Enter")
            expect(term).to_have_value("HP:0011002 Osteopetrosis")
            page.get_by_role("button", name="Add finding").click()
            expect(page.get_by_text("Finding added.")).to_be_visible()
            page.get_by_label("Findings in words").fill(
                "pancytopenia, big spleen, hepatomegaly, blindness and no fractures"
            )
            page.get_by_role("button", name="Map and add").click()
            mapping = page.locator(".mapping")
            expect(mapping).to_contain_text("Splenomegaly")
            expect(mapping).to_contain_text("excluded")

            # Labs: the reporting laboratory's limits with each value.
            for day, analyte, value, unit, low, high in (
                ("2026-10-01", "haemoglobin", "9.1", "g/dL", "9.5", "13.5"),
                ("2026-11-02", "haemoglobin", "7.9", "g/dL", "9.5", "13.5"),
                ("2026-11-02", "platelets", "62", "10^9/L", "150", "450"),
                ("2026-11-02", "calcium", "1.9", "mmol/L", "2.2", "2.7"),
            ):
                form = page.locator("#labs form.row")
                form.get_by_label("Analyte").select_option(analyte)
                form.get_by_label("Value").fill(value)
                form.get_by_label("Unit").fill(unit)
                form.get_by_label("Date").fill(day)
                form.get_by_label("Lab's low limit").fill(low)
                form.get_by_label("Lab's high limit").fill(high)
                form.get_by_role("button", name="Add lab value").click()
                expect(page.get_by_text("Lab value added.")).to_be_visible()
            expect(page.locator("svg.lab-chart")).to_have_count(3)

            # The exome's VCF.
            uploads = page.locator("#uploads form")
            uploads.get_by_label("Kind").select_option("vcf")
            uploads.get_by_label("File").set_input_files(str(EXAMPLES / "infant-aro.vcf"))
            uploads.get_by_role("button", name="Upload").click()
            expect(page.get_by_text("File uploaded.")).to_be_visible()
            expect(page.locator("#uploads table")).to_contain_text("infant-aro.vcf")
            page.locator("#labs").screenshot(path=str(shots / "web-labs.png"))

            # Analyse and read the decision.
            page.get_by_role("button", name="Analyse").click()
            expect(page.get_by_role("heading", name="Results for HAEM-2026-014")).to_be_visible(
                timeout=60_000
            )
            expect(page.locator("#hsct-decision")).to_have_text("curative")
            expect(page.locator("#hsct-urgency")).to_contain_text("urgent")
            expect(page.locator(".report-body")).to_contain_text("TCIRG1")
            page.screenshot(path=str(shots / "web-results.png"), full_page=False)

            # Download the clinician report (PDF).
            with page.expect_download() as download_info:
                page.locator("#download-pdf").click()
            download = download_info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
            assert saved.name.startswith("marbledx-clinician-report-")
            assert saved.read_bytes().startswith(b"%PDF")
            context.close()
        finally:
            browser.close()
