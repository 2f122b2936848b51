"""Password spraying on the sign-in page: one address trying many names. After 20 failed sign-ins from one
address across all names, each within 15 minutes of the one before, that address's next attempts to any
name are refused (429, ``Retry-After``) for 5 minutes, also with the right password; other addresses still
sign in; names that are and are not accounts get the same answers; signing in to one's own account does
not clear the count; a name that signed in from the address before is spared; the refusals and the pause
are in the audit log. Time is moved on with an injected clock (no sleeping). Each runs on SQLite and on
PostgreSQL (``tests/postgres.py``). Sources: OWASP Authentication Cheat Sheet ("Login Throttling"), OWASP
Credential Stuffing Prevention Cheat Sheet; NIST SP 800-63B §5.2.2."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marbledx.knowledge import KnowledgeBase
from marbledx.ontology import Hpo
from marbledx.registry import Registry
from marbledx.registry._models import AuditEvent
from marbledx.web import create_app

from .conftest import PASSWORD
from .test_sign_in_throttle import ATTACKER, CLINICIAN, WRONG, WRONG_ANSWER, Answer, Clock, Site, attempt

CEILING = 20  # failures from one address across all names (SIGN_IN_ADDRESS_ATTEMPTS)
PAUSED = Answer(429, "Too many failed sign-ins; try again in 5 minutes.", "300", signed_in=False)
SIGNED_IN = Answer(303, None, None, signed_in=True)


@pytest.fixture
def site(registry: Registry, mini_hpo: Hpo, kb: KnowledgeBase) -> Site:
    registry.add_user("alice", "haematology", "clinician", PASSWORD)
    registry.add_user("mallory", "oncology", "clinician", PASSWORD)  # the guesser's own account
    clock = Clock()
    registry.clock = clock
    return Site(registry, clock, create_app(registry, hpo=mini_hpo, kb=kb))


def spray(site: Site, count: int, address: tuple[str, int] = ATTACKER) -> None:
    """``count`` wrong passwords from ``address``, each on a name not tried before, a few seconds apart."""
    with site.browser(address) as browser:
        for n in range(count):
            site.clock.advance(5)
            assert attempt(browser, f"user{n}", WRONG) == WRONG_ANSWER


def test_twenty_failures_across_names_pause_the_address_even_for_the_right_password(site: Site) -> None:
    spray(site, CEILING)
    with site.browser(ATTACKER) as attacker, site.browser(CLINICIAN) as clinician:
        assert attempt(attacker, "alice", PASSWORD) == PAUSED  # a name never tried from there
        assert attempt(clinician, "alice", PASSWORD) == SIGNED_IN  # other addresses are not held back
        assert attempt(attacker, "alice", PASSWORD) == PAUSED  # and her sign-in frees nobody
        site.clock.advance(299)
        assert attempt(attacker, "alice", PASSWORD).retry_after == "1"
        site.clock.advance(1)
        assert attempt(attacker, "alice", PASSWORD) == SIGNED_IN  # the pause is over: checked again


def test_each_further_failure_starts_the_pause_again(site: Site) -> None:
    spray(site, CEILING)
    with site.browser(ATTACKER) as attacker:
        for n in range(3):
            site.clock.advance(300)
            assert attempt(attacker, f"more{n}", WRONG) == WRONG_ANSWER  # one guess per pause is checked
            assert attempt(attacker, f"more{n}", PASSWORD) == PAUSED
        site.clock.advance(15 * 60)  # 15 minutes without a failure: the count is forgotten
        for n in range(CEILING - 1):
            assert attempt(attacker, f"fresh{n}", WRONG) == WRONG_ANSWER
        assert attempt(attacker, "alice", PASSWORD) == SIGNED_IN


def test_names_that_are_and_are_not_accounts_get_the_same_answers(site: Site) -> None:
    spray(site, CEILING - 1)
    with site.browser(ATTACKER) as attacker:
        assert attempt(attacker, "nobody", WRONG) == WRONG_ANSWER  # the 20th failure
        answers = {name: attempt(attacker, name, PASSWORD) for name in ("alice", "nobody", "carol")}
    assert answers == {"alice": PAUSED, "nobody": PAUSED, "carol": PAUSED}


def test_signing_in_to_ones_own_account_does_not_clear_the_count(site: Site) -> None:
    spray(site, CEILING - 1)
    with site.browser(ATTACKER) as attacker:
        assert attempt(attacker, "mallory", PASSWORD) == SIGNED_IN  # the guesser's own account
        assert attempt(attacker, "user-next", WRONG) == WRONG_ANSWER  # the 20th failure: counted on
        assert attempt(attacker, "alice", PASSWORD) == PAUSED
        assert attempt(attacker, "mallory", PASSWORD) == SIGNED_IN  # spared: it signed in from there
        assert attempt(attacker, "alice", PASSWORD) == PAUSED  # and that cleared nothing
        assert attempt(attacker, "mallory", WRONG) == WRONG_ANSWER  # its failures count too
        assert attempt(attacker, "nobody", PASSWORD) == PAUSED


def test_a_name_that_signed_in_from_a_shared_address_is_spared(site: Site) -> None:
    """A hospital's NAT: alice signed in from it before, a guesser behind it tries many names; alice still
    signs in there, a name that never did waits like the guesser's."""
    with site.browser(ATTACKER) as shared:
        assert attempt(shared, "alice", PASSWORD) == SIGNED_IN
    spray(site, CEILING)
    with site.browser(ATTACKER) as shared:
        assert attempt(shared, "alice", PASSWORD) == SIGNED_IN
        assert attempt(shared, "mallory", PASSWORD) == PAUSED


def test_the_pause_and_refusals_are_audited_without_names_or_passwords(site: Site) -> None:
    spray(site, CEILING - 1)
    with site.browser(ATTACKER) as attacker:
        attempt(attacker, "alice", WRONG)  # the 20th failure, on an account
        attempt(attacker, "alice", PASSWORD)
        attempt(attacker, "nobody", PASSWORD)
    alice = [e.detail for e in site.registry.audit_log("haematology") if e.action == "login_failed"]
    refused = (
        f"sign-in refused from {ATTACKER[0]}: too many failed sign-ins from there to any name; "
        "the password was not checked"
    )
    paused = (
        f"wrong password; sign-ins from {ATTACKER[0]} to any name paused for 5 minutes "
        "(20 failures from there to any name, each within 15 minutes of the last)"
    )
    assert alice == [refused, paused]  # newest first
    with site.registry.unit_of_work() as session:  # names that are no account: in no team's log
        details = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.team_id.is_(None)).order_by(AuditEvent.id)
        ).all()
        everything = " ".join(session.scalars(select(AuditEvent.detail)).all())
    assert details == ["unknown user"] * (CEILING - 1) + [refused]
    assert PASSWORD not in everything
    assert WRONG not in everything
    assert "nobody" not in everything
    assert "user1" not in everything
