"""Sign-in throttling on the sign-in page: after five failed sign-ins for one name from one address, that
address's next attempts are refused (429, ``Retry-After``) for a delay that doubles with each further
failure, also with the right password; other addresses still sign in; a name that is no account gets the
same answers; the refusals and pauses are in the audit log. Time is moved on with an injected clock (no
sleeping). Each runs on SQLite and on PostgreSQL (``tests/postgres.py``)."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.registry._models import AuditEvent
from marbledx.web import create_app

from .conftest import PASSWORD

WRONG = "not the password at all"
ATTACKER = ("203.0.113.66", 40000)
CLINICIAN = ("198.51.100.7", 50000)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ERROR = re.compile(r'<p class="error" role="alert">(.*?)</p>')


class Clock:
    """The registry's time source, moved on by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@dataclass
class Site:
    registry: Registry
    clock: Clock
    app: FastAPI

    def browser(self, address: tuple[str, int] = ATTACKER) -> TestClient:
        """A browser over HTTPS (Secure cookies) whose requests come from ``address``."""
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False, client=address)


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Site:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    clock = Clock()
    registry.clock = clock
    return Site(registry, clock, create_app(registry, hpo=mini_hpo, kb=kb))


@dataclass(frozen=True)
class Answer:
    status: int
    error: str | None
    retry_after: str | None
    signed_in: bool


def attempt(browser: TestClient, name: str, password: str) -> Answer:
    """Send the sign-in form as a browser does (its CSRF token from the page first)."""
    token = _CSRF.search(browser.get("/login").text)
    assert token is not None
    response = browser.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token.group(1), "next": "/cases"},
    )
    error = _ERROR.search(response.text)
    return Answer(
        status=response.status_code,
        error=html.unescape(error.group(1)) if error else None,
        retry_after=response.headers.get("retry-after"),
        signed_in="__Host-marbledx_session=" in response.headers.get("set-cookie", ""),
    )


WRONG_ANSWER = Answer(401, "Wrong name or password.", None, signed_in=False)


def test_five_failures_pause_the_address_even_for_the_right_password(site: Site) -> None:
    with site.browser() as browser:
        for _ in range(5):
            assert attempt(browser, "alice", WRONG) == WRONG_ANSWER
        refused = attempt(browser, "alice", PASSWORD)
        assert refused == Answer(
            429, "Too many failed sign-ins; try again in 1 minute.", "60", signed_in=False
        )

        site.clock.advance(59)
        assert attempt(browser, "alice", PASSWORD).retry_after == "1"  # still paused
        site.clock.advance(1)
        assert attempt(browser, "alice", PASSWORD).status == 303  # the delay is over: signed in

    with site.browser() as browser:  # the success reset the count: four more failures are not paused
        for _ in range(4):
            assert attempt(browser, "alice", WRONG) == WRONG_ANSWER
        assert attempt(browser, "alice", PASSWORD) == Answer(303, None, None, signed_in=True)


def test_the_delay_doubles_with_each_further_failure_up_to_15_minutes(site: Site) -> None:
    with site.browser() as browser:
        for _ in range(5):
            attempt(browser, "alice", WRONG)
        waits = []
        for _ in range(6):
            wait = attempt(browser, "alice", PASSWORD)
            assert wait.status == 429
            waits.append(int(wait.retry_after or 0))
            site.clock.advance(waits[-1])
            assert attempt(browser, "alice", WRONG) == WRONG_ANSWER  # checked again, and wrong again
        assert waits == [60, 120, 240, 480, 900, 900]
        assert (
            attempt(browser, "alice", PASSWORD).error == "Too many failed sign-ins; try again in 15 minutes."
        )


def test_another_address_is_not_held_back_by_the_first_ones_failures(site: Site) -> None:
    with site.browser(ATTACKER) as attacker, site.browser(CLINICIAN) as clinician:
        for _ in range(9):
            attempt(attacker, "alice", WRONG)
            site.clock.advance(1)
        assert attempt(attacker, "alice", PASSWORD).status == 429
        assert attempt(clinician, "alice", PASSWORD) == Answer(303, None, None, signed_in=True)
        assert attempt(attacker, "alice", PASSWORD).status == 429  # her sign-in does not free the attacker


def test_a_name_that_is_no_account_gets_the_same_answers(site: Site) -> None:
    def story(name: str) -> list[Answer]:
        with site.browser() as browser:
            answers = [attempt(browser, name, WRONG) for _ in range(5)]
            answers.append(attempt(browser, name, PASSWORD))
            site.clock.advance(60)
            answers.append(attempt(browser, name, WRONG))
            answers.append(attempt(browser, name, PASSWORD))
            return answers

    alice, nobody = story("alice"), story("nobody")
    assert nobody == alice
    assert [a.status for a in nobody] == [401] * 5 + [429, 401, 429]
    assert nobody[-1].retry_after == "120"


def test_the_pauses_and_refusals_are_audited_without_the_password(site: Site) -> None:
    with site.browser() as browser:
        for name in ("alice", "nobody"):
            for _ in range(5):
                attempt(browser, name, WRONG)
            attempt(browser, name, PASSWORD)
    alice = [(e.user, e.detail) for e in site.registry.audit_log("haematology") if e.action == "login_failed"]
    paused = (
        "alice",
        f"wrong password; sign-ins from {ATTACKER[0]} paused for 1 minute (5 failures in a row from there)",
    )
    refused = (
        "alice",
        f"sign-in refused from {ATTACKER[0]}: too many failed sign-ins; the password was not checked",
    )
    assert alice == [refused, paused] + [("alice", "wrong password")] * 4  # newest first
    with site.registry.unit_of_work() as session:  # a name that is no account: in no team's log
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.team_id.is_(None)).order_by(AuditEvent.id)
        ).all()
    assert details == ["unknown user"] * 4 + [f"unknown user{paused[1][len('wrong password') :]}", refused[1]]
    with site.registry.unit_of_work() as session:
        everything = " ".join(session.scalars(select(AuditEvent.detail)).all())
    assert PASSWORD not in everything
    assert WRONG not in everything
    assert "nobody" not in everything
