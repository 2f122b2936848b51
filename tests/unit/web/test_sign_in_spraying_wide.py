"""Password spraying from many addresses: one password tried on many names, a few from each of many
addresses, stays under every per-name count and every address's own ceiling of 20. When the registry sees
50 failed sign-ins or more within 15 minutes from several addresses (at most 20 counted from any one), a
"wave", each address's pause across all names starts at its first failure instead of its twentieth: one
checked guess per 5 minutes. An address that has not failed is checked as always, a name that signed in
from an address is spared, one address alone never starts a wave, and the wave ends 15 minutes after the
failures stop. Its start is logged once, without names, addresses or passwords; the pauses are audited.
Time is moved on with an injected clock (no sleeping). Each runs on SQLite and on PostgreSQL
(``tests/postgres.py``). Sources: OWASP Credential Stuffing Prevention Cheat Sheet ("IP Mitigation and
Intelligence", "Defense in Depth"); OWASP Authentication Cheat Sheet ("Login Throttling"); NIST SP
800-63B §5.2.2."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry, TooManyAttemptsError
from marbledx.registry._models import AuditEvent
from marbledx.registry._registry import (
    SIGN_IN_ADDRESS_ATTEMPTS,
    SIGN_IN_ADDRESS_DELAY,
    SIGN_IN_WAVE_ATTEMPTS,
    SIGN_IN_WAVE_WINDOW,
)
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_sign_in_throttle import CLINICIAN, WRONG, WRONG_ANSWER, Answer, Clock, Site, attempt

WAVE = 50  # failures within 15 minutes across the registry (SIGN_IN_WAVE_ATTEMPTS)
PER_ADDRESS = 5  # each spraying address stays far under its own ceiling of 20
PAUSED = Answer(429, "Too many failed sign-ins; try again in 5 minutes.", "300", signed_in=False)
SIGNED_IN = Answer(303, None, None, signed_in=True)
WAVE_NOTE = "(a wave of failed sign-ins from many addresses: 50 or more within 15 minutes)"


def test_the_constants_are_those_the_tests_and_the_doc_name() -> None:
    assert SIGN_IN_WAVE_ATTEMPTS == WAVE
    assert SIGN_IN_WAVE_WINDOW.total_seconds() == 15 * 60
    assert SIGN_IN_ADDRESS_DELAY.total_seconds() == 300
    assert SIGN_IN_ADDRESS_ATTEMPTS == 20


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Site:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.add_user("mallory", "oncology", "clinician", PASSWORD)
    clock = Clock()
    registry.clock = clock
    return Site(registry, clock, create_app(registry, hpo=mini_hpo, kb=kb))


def bot(n: int) -> tuple[str, int]:
    """The ``n``-th address of the guesser's many (198.18.0.0/15 is for benchmarking, never a real host)."""
    return (f"198.18.0.{n}", 40000)


def spray(site: Site, failures: int, *, per_address: int = PER_ADDRESS, first: int = 1) -> int:
    """``failures`` wrong passwords, ``per_address`` from each address from ``bot(first)`` on, each on a
    name not tried before, a few seconds apart; every one is checked and wrong. The next address's number."""
    number = first
    while failures > 0:
        with site.browser(bot(number)) as browser:
            for k in range(min(per_address, failures)):
                site.clock.advance(5)
                assert attempt(browser, f"user{number}-{k}", WRONG) == WRONG_ANSWER
        failures -= per_address
        number += 1
    return number


def test_a_wave_pauses_each_address_after_its_next_failure(site: Site) -> None:
    spray(site, WAVE)  # ten addresses, five names each: no per-name or per-address count is near its limit
    last = bot(WAVE // PER_ADDRESS)  # its failure was the 50th: the wave started there
    with site.browser(last) as guesser:
        assert attempt(guesser, "alice", PASSWORD) == PAUSED  # a name never tried from there
        assert attempt(guesser, "nobody", PASSWORD) == PAUSED  # no account: the same answer
    with site.browser(bot(1)) as early:  # failed before the wave: its next guess is checked, then it waits
        assert attempt(early, "user-next", WRONG) == WRONG_ANSWER
        assert attempt(early, "alice", PASSWORD) == PAUSED
        site.clock.advance(299)
        assert attempt(early, "alice", PASSWORD).retry_after == "1"
        site.clock.advance(1)
        assert attempt(early, "user-more", WRONG) == WRONG_ANSWER  # one checked guess per 5 minutes
        assert attempt(early, "mallory", PASSWORD) == PAUSED
    with site.browser(CLINICIAN) as clinician:  # an address that has not failed is checked as always
        assert attempt(clinician, "alice", PASSWORD) == SIGNED_IN


def test_a_clinician_who_mistypes_in_a_wave_waits_unless_she_signed_in_there_before(site: Site) -> None:
    with site.browser(bot(3)) as usual:  # alice's usual machine, which the guesser shares (a hospital NAT)
        assert attempt(usual, "alice", PASSWORD) == SIGNED_IN
    spray(site, WAVE)
    with site.browser(bot(3)) as usual:
        assert attempt(usual, "alice", WRONG) == WRONG_ANSWER
        assert attempt(usual, "alice", PASSWORD) == SIGNED_IN  # spared: she signed in from there
        assert attempt(usual, "mallory", PASSWORD) == PAUSED  # a name that never did waits
    with site.browser(CLINICIAN) as elsewhere:  # a machine she never used: one typo costs 5 minutes
        assert attempt(elsewhere, "alice", WRONG) == WRONG_ANSWER
        assert attempt(elsewhere, "alice", PASSWORD) == PAUSED
        site.clock.advance(300)
        assert attempt(elsewhere, "alice", PASSWORD) == SIGNED_IN


def test_the_wave_ends_15_minutes_after_the_failures_stop(site: Site) -> None:
    spray(site, WAVE)
    site.clock.advance(15 * 60)
    with site.browser(bot(1)) as browser:
        for k in range(3):  # counted afresh: far from any ceiling
            assert attempt(browser, f"later{k}", WRONG) == WRONG_ANSWER
        assert attempt(browser, "alice", PASSWORD) == SIGNED_IN


def test_under_50_failures_start_no_wave(site: Site) -> None:
    spray(site, WAVE - 1)
    with site.browser(bot(1)) as browser:
        assert attempt(browser, "alice", PASSWORD) == SIGNED_IN


def test_one_address_alone_never_starts_a_wave(site: Site) -> None:
    """At most 20 failures of one address count: its own ceiling holds it. Here one address has 32 in a
    row and another 19 (51 together), and a third's failures are still checked one after another."""
    with site.browser(bot(1)) as busy:
        for k in range(20):
            site.clock.advance(5)
            assert attempt(busy, f"a{k}", WRONG) == WRONG_ANSWER
        for k in range(12):  # one guess per 5-minute pause, each within 15 minutes of the last
            site.clock.advance(300)
            assert attempt(busy, f"b{k}", WRONG) == WRONG_ANSWER
            assert attempt(busy, f"c{k}", WRONG) == PAUSED
    spray(site, SIGN_IN_ADDRESS_ATTEMPTS - 1, per_address=SIGN_IN_ADDRESS_ATTEMPTS - 1, first=2)
    with site.browser(bot(3)) as third:
        assert attempt(third, "d0", WRONG) == WRONG_ANSWER
        assert attempt(third, "d1", WRONG) == WRONG_ANSWER  # not paused: 20 + 19 + 1 is no wave
        assert attempt(third, "alice", PASSWORD) == SIGNED_IN


def test_the_start_is_logged_once_without_names_and_the_pauses_are_audited(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="marbledx")
    spray(site, WAVE)
    later = [bot(WAVE // PER_ADDRESS + n) for n in (1, 2)]
    for address in later:  # the wave goes on past its start: fresh addresses, one guess each
        with site.browser(address) as guesser:
            assert attempt(guesser, f"more-{address[0]}", WRONG) == WRONG_ANSWER
            assert attempt(guesser, "alice", PASSWORD) == PAUSED
    warnings = [r for r in caplog.records if r.name == "marbledx.registry" and r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "failed sign-ins from many addresses: 50 or more within 15 minutes across the registry (possible "
        "password spraying); until they stop, each address that fails waits 5 minutes before its next "
        "sign-in is checked, except for names that signed in from it before"
    ]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for private in ("user1", "alice", "more-", "198.18.", PASSWORD, WRONG):
        assert private not in logged
    with site.registry.unit_of_work() as session:  # names that are no account: in no team's log
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.team_id.is_(None)).order_by(AuditEvent.id)
        ).all()
        everything = " ".join(session.scalars(select(AuditEvent.detail)).all())
    paused = [
        f"unknown user; sign-ins from {address[0]} to any name paused for 5 minutes {WAVE_NOTE}"
        for address in (bot(WAVE // PER_ADDRESS), *later)
    ]
    assert details == ["unknown user"] * (WAVE - 1) + paused
    alice = [e.detail for e in site.registry.audit_log("haematology") if e.action == "login_failed"]
    assert alice == [
        f"sign-in refused from {address[0]}: too many failed sign-ins from there to any name; "
        "the password was not checked"
        for address in reversed(later)  # newest first
    ]
    for private in ("user1", "more-", PASSWORD, WRONG):
        assert private not in everything


def test_the_registry_counts_a_wave_of_single_guesses_from_many_addresses(
    registry: Registry, site: Site
) -> None:
    """The Python API alike: one wrong guess from each of 50 addresses; the 50th address then waits."""
    for n in range(WAVE):
        assert registry.authenticate(f"user{n}", WRONG, client=f"198.18.1.{n}") is None
    with pytest.raises(TooManyAttemptsError) as refused:
        registry.authenticate("alice", PASSWORD, client=f"198.18.1.{WAVE - 1}")
    assert refused.value.retry_after == 300
    assert registry.authenticate("alice", PASSWORD, client="198.18.2.1") is not None
