"""Sign-in throttling in the registry (``Registry.authenticate(..., client=…)``): the all-addresses ceiling
that spares addresses which signed in before, failures forgotten after a day, stale counters purged, the
counters left out of the row counts and backups, parallel attempts counted one at a time, the address's
ceiling across names (password spraying: slow guessing counted, forgotten after a quiet window, parallel
guesses on many names counted one at a time), and revision 0005 (the ``sign_in_throttles`` table) going
up and down on SQLite and PostgreSQL. Time is moved on with an injected clock."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, inspect, select

from marbledx.registry import Registry, TooManyAttemptsError, UserInfo, head_revision
from marbledx.registry._models import AuditEvent, SignInThrottle
from marbledx.registry._registry import (
    SIGN_IN_ACCOUNT_ATTEMPTS,
    SIGN_IN_ADDRESS_ATTEMPTS,
    SIGN_IN_ADDRESS_DELAY,
    SIGN_IN_ADDRESS_WINDOW,
    SIGN_IN_CLIENT_ATTEMPTS,
    SIGN_IN_MEMORY,
)

from ...postgres import open_clean, postgres_url_or_skip
from .helpers import PASSWORD, migration_database

WRONG = "not the password at all"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock(registry: Registry) -> Clock:
    ticking = Clock()
    registry.clock = ticking
    return ticking


def _refused(registry: Registry, name: str, password: str, client: str) -> int:
    with pytest.raises(TooManyAttemptsError) as refused:
        registry.authenticate(name, password, client=client)
    return refused.value.retry_after


def _fresh_registry(tmp_path: Path, backend: str) -> Registry:
    """An empty registry on ``backend`` with a cheap password hash (parallel tests check many passwords)."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if backend == "postgresql":
        return open_clean(postgres_url_or_skip(), uploads_dir=tmp_path, password_hasher=cheap)
    return Registry.open(f"sqlite:///{tmp_path / 'r.sqlite3'}", uploads_dir=tmp_path, password_hasher=cheap)


def _counters(registry: Registry) -> int:
    with registry.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(SignInThrottle)) or 0)


def test_many_addresses_meet_the_account_ceiling_but_not_an_address_that_signed_in(
    registry: Registry, alice: UserInfo, clock: Clock
) -> None:
    assert registry.authenticate("alice", PASSWORD, client="10.0.0.1") == alice  # her usual machine
    for n in range(SIGN_IN_ACCOUNT_ATTEMPTS):  # one failure from each of many addresses
        assert registry.authenticate("alice", WRONG, client=f"192.0.2.{n}") is None
    assert _refused(registry, "alice", PASSWORD, "198.51.100.1") == 60  # a new address waits a minute
    assert registry.authenticate("alice", PASSWORD, client="10.0.0.1") == alice  # hers does not
    assert registry.authenticate("alice", PASSWORD, client="198.51.100.1") == alice  # and that reset it


def test_the_account_ceiling_is_short_and_expires(registry: Registry, alice: UserInfo, clock: Clock) -> None:
    for n in range(SIGN_IN_ACCOUNT_ATTEMPTS + 3):  # past the ceiling, one a minute is still checked
        clock.advance(dt.timedelta(minutes=1))
        assert registry.authenticate("alice", WRONG, client=f"192.0.2.{n}") is None
    assert _refused(registry, "alice", PASSWORD, "198.51.100.1") == 60
    clock.advance(dt.timedelta(minutes=1))
    assert registry.authenticate("alice", PASSWORD, client="198.51.100.1") == alice


def test_failures_are_forgotten_after_a_day(registry: Registry, alice: UserInfo, clock: Clock) -> None:
    for _ in range(SIGN_IN_CLIENT_ATTEMPTS):
        registry.authenticate("alice", WRONG, client="192.0.2.1")
    clock.advance(SIGN_IN_MEMORY)
    for _ in range(SIGN_IN_CLIENT_ATTEMPTS - 1):  # counted afresh: no pause yet
        assert registry.authenticate("alice", WRONG, client="192.0.2.1") is None
    assert registry.authenticate("alice", PASSWORD, client="192.0.2.1") == alice


def test_callers_without_an_address_are_throttled_too(
    registry: Registry, alice: UserInfo, clock: Clock
) -> None:
    for _ in range(SIGN_IN_CLIENT_ATTEMPTS):
        assert registry.authenticate("alice", WRONG) is None
    assert _refused(registry, "alice", PASSWORD, "") == 60
    with pytest.raises(TooManyAttemptsError, match=r"^too many failed sign-ins; try again in 1 minute"):
        registry.authenticate("alice", PASSWORD)


def test_stale_counters_are_purged_at_a_sign_in(registry: Registry, alice: UserInfo, clock: Clock) -> None:
    registry.authenticate("mallory", WRONG, client="192.0.2.1")
    registry.authenticate("alice", PASSWORD, client="10.0.0.1")
    assert _counters(registry) == 6  # each name: its address and all addresses; each address: all names
    clock.advance(SIGN_IN_MEMORY + dt.timedelta(seconds=1))
    registry.authenticate("alice", PASSWORD, client="10.0.0.1")
    assert _counters(registry) == 3  # mallory's and 192.0.2.1's are gone; alice's mark her usual address


def test_counters_are_neither_counted_nor_backed_up(registry: Registry, tmp_path: Path) -> None:
    registry.authenticate("nobody", WRONG, client="192.0.2.1")
    assert _counters(registry) == 3
    assert "sign_in_throttles" not in registry.counts()
    manifest = registry.backup(tmp_path / "backup.tar.gz")
    assert "sign_in_throttles" not in manifest["tables"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_parallel_attempts_are_counted_one_at_a_time(tmp_path: Path, backend: str) -> None:
    """Eight wrong passwords at once from one address: five are checked (the fifth starts the pause) and
    three refused, whatever the order; on PostgreSQL that needs the counters' row locks."""
    registry = _fresh_registry(tmp_path, backend)
    with registry:
        registry.add_user("alice", "haematology", "clinician", PASSWORD)
        start = threading.Barrier(8)

        def guess(_: int) -> str:
            start.wait()
            try:
                registry.authenticate("alice", WRONG, client="192.0.2.1")
            except TooManyAttemptsError:
                return "refused"
            return "checked"

        with ThreadPoolExecutor(8) as pool:
            outcomes = sorted(pool.map(guess, range(8)))
        assert outcomes == ["checked"] * 5 + ["refused"] * 3
        with registry.unit_of_work() as session:
            failures = session.scalars(select(SignInThrottle.failures).order_by(SignInThrottle.client)).all()
            events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        assert failures == [5, 5, 5]  # all addresses ("*"), then 192.0.2.1 to alice and to any name
        assert events == 8


def test_slow_guessing_across_names_meets_the_address_ceiling(registry: Registry, clock: Clock) -> None:
    """One wrong guess on a new name every 14 minutes: each within the window of the last, so they add up."""
    for n in range(SIGN_IN_ADDRESS_ATTEMPTS):
        clock.advance(SIGN_IN_ADDRESS_WINDOW - dt.timedelta(minutes=1))
        assert registry.authenticate(f"user{n}", WRONG, client="192.0.2.1") is None
    assert _refused(registry, "user-next", WRONG, "192.0.2.1") == SIGN_IN_ADDRESS_DELAY.total_seconds()


def test_the_address_count_is_forgotten_after_a_quiet_window(registry: Registry, clock: Clock) -> None:
    for n in range(SIGN_IN_ADDRESS_ATTEMPTS - 1):
        assert registry.authenticate(f"user{n}", WRONG, client="192.0.2.1") is None
    clock.advance(SIGN_IN_ADDRESS_WINDOW)
    for n in range(SIGN_IN_ADDRESS_ATTEMPTS - 1):  # counted afresh: no pause yet
        assert registry.authenticate(f"other{n}", WRONG, client="192.0.2.1") is None
    assert registry.authenticate("last", WRONG, client="192.0.2.1") is None  # the 20th starts the pause
    assert _refused(registry, "user0", WRONG, "192.0.2.1") == 300


def test_the_address_ceiling_holds_back_only_that_address(
    registry: Registry, alice: UserInfo, clock: Clock
) -> None:
    for n in range(SIGN_IN_ADDRESS_ATTEMPTS):
        registry.authenticate(f"user{n}", WRONG, client="192.0.2.1")
    assert _refused(registry, "alice", PASSWORD, "192.0.2.1") == 300
    assert registry.authenticate("alice", PASSWORD, client="198.51.100.1") == alice
    assert _refused(registry, "alice", PASSWORD, "192.0.2.1") == 300  # her sign-in elsewhere frees nobody
    clock.advance(SIGN_IN_ADDRESS_DELAY)
    assert registry.authenticate("alice", PASSWORD, client="192.0.2.1") == alice


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_parallel_guesses_on_many_names_are_counted_one_at_a_time(tmp_path: Path, backend: str) -> None:
    """Twelve wrong passwords at once from one address, each on a new name, after twelve before: eight are
    checked (the eighth reaches the ceiling of 20) and four refused, whatever the order; on PostgreSQL
    that needs the lock on the address's row."""
    registry = _fresh_registry(tmp_path, backend)
    with registry:
        before = 12
        for n in range(before):
            assert registry.authenticate(f"before{n}", WRONG, client="192.0.2.1") is None
        start = threading.Barrier(12)

        def guess(n: int) -> str:
            start.wait()
            try:
                registry.authenticate(f"user{n}", WRONG, client="192.0.2.1")
            except TooManyAttemptsError:
                return "refused"
            return "checked"

        with ThreadPoolExecutor(12) as pool:
            outcomes = sorted(pool.map(guess, range(12)))
        assert outcomes == ["checked"] * (SIGN_IN_ADDRESS_ATTEMPTS - before) + ["refused"] * 4
        with registry.unit_of_work() as session:
            query = select(SignInThrottle.failures).where(SignInThrottle.account == "*")
            assert session.scalars(query).all() == [SIGN_IN_ADDRESS_ATTEMPTS]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_revision_0005_adds_the_sign_in_counters_and_goes_back(tmp_path: Path, backend: str) -> None:
    """A registry at 0004 is upgraded in place (its accounts kept) and throttles sign-ins; downgraded to
    0004, the table is gone and the accounts still sign in."""
    from alembic import command

    with migration_database(backend, tmp_path) as (url, config, engine):
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        command.upgrade(config, "0004")
        assert "sign_in_throttles" not in inspect(engine).get_table_names()
        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:  # to the head
            assert registry.schema_revision() == head_revision()
            alice = registry.add_user("alice", "haematology", "clinician", PASSWORD)
            for _ in range(SIGN_IN_CLIENT_ATTEMPTS):
                registry.authenticate("alice", WRONG, client="192.0.2.1")
            assert _refused(registry, "alice", PASSWORD, "192.0.2.1") == 60
        command.downgrade(config, "0004")
        assert "sign_in_throttles" not in inspect(engine).get_table_names()
        command.upgrade(config, "0005")
        with Registry.open(url, uploads_dir=tmp_path, password_hasher=cheap) as registry:
            assert registry.authenticate("alice", PASSWORD, client="192.0.2.1") == alice  # counters gone
