"""A group's Notify calls made at once: really concurrent, stopped by a 429, never started late."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from notifier.gateway.base import EmailRequest, NotificationRecord, OutcomeKind, SendOutcome
from notifier.services.delivery import notify_calls
from notifier.services.delivery.notify_calls import CallPool, Gate, call_group
from notifier.services.delivery.routing import NotifyRoute
from tests.support.fakes import UnlimitedLimiter

START = datetime(2026, 11, 30, 12, tzinfo=UTC)


class DrainCounting(UnlimitedLimiter):
    def __init__(self) -> None:
        self.drained = 0

    def drain(self) -> None:
        self.drained += 1


class Notify:
    """Answers each reference as told (accepted by default); can hold calls until `parties` are in."""

    def __init__(
        self, answers: dict[str, OutcomeKind] | None = None, parties: int = 0, broken: str | None = None
    ) -> None:
        self.answers = answers or {}
        self.broken = broken  # this reference raises, as a bug in the gateway would
        self.barrier = threading.Barrier(parties) if parties else None
        self.threads: set[int] = set()
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, request: EmailRequest) -> SendOutcome:
        if self.barrier is not None:
            self.barrier.wait(timeout=10)  # raises BrokenBarrierError unless all are in flight together
        with self._lock:
            self.threads.add(threading.get_ident())
            self.sent.append(request.reference)
        if request.reference == self.broken:
            raise RuntimeError("a bug in the gateway")
        kind = self.answers.get(request.reference, OutcomeKind.ACCEPTED)
        if kind is OutcomeKind.ACCEPTED:
            return SendOutcome(kind, notify_id=f"n-{request.reference}")
        return SendOutcome(kind, reason="scripted")

    def find_by_reference(self, reference: str) -> NotificationRecord | None:
        return None


def _ready(n: int) -> list[tuple[int, EmailRequest]]:
    return [(i, EmailRequest(f"p{i}@dept.gov.uk", "s", "b", reference=str(i))) for i in range(n)]


def _gate(hold_seconds: float = 3.0, clock: object = None) -> Gate:
    return Gate(hold_until=START + timedelta(seconds=hold_seconds), clock=clock or (lambda: START))  # type: ignore[arg-type]


@pytest.fixture
def pool() -> Iterator[CallPool]:
    made = CallPool(8)
    yield made
    made.shutdown()


def test_a_groups_calls_are_in_flight_together(pool: CallPool) -> None:
    notify = Notify(parties=8)
    result = call_group(pool, NotifyRoute("s", notify, UnlimitedLimiter()), _ready(8), _gate(), lambda n: n)
    assert [d for d, _ in result.outcomes] == list(range(8)) and not result.unsent
    assert all(o.kind is OutcomeKind.ACCEPTED for _, o in result.outcomes)
    assert len(notify.threads) == 8 and threading.get_ident() not in notify.threads


def test_a_pool_of_one_calls_one_after_another_in_the_calling_thread() -> None:
    notify = Notify(answers={"1": OutcomeKind.DAILY_LIMIT})
    result = call_group(
        CallPool(1), NotifyRoute("s", notify, UnlimitedLimiter()), _ready(4), _gate(), lambda n: n
    )
    assert notify.sent == ["0", "1"] and notify.threads == {threading.get_ident()}
    assert result.unsent == [2, 3]


def test_a_group_of_one_is_called_in_the_calling_thread(pool: CallPool) -> None:
    notify = Notify()
    call_group(pool, NotifyRoute("s", notify, UnlimitedLimiter()), _ready(1), _gate(), lambda n: n)
    assert notify.threads == {threading.get_ident()}


def test_after_a_429_the_bucket_is_drained_and_the_rest_waits_for_a_fresh_token() -> None:
    limiter = DrainCounting()
    notify = Notify(answers={"1": OutcomeKind.THROTTLED})
    asked: list[int] = []

    def fresh_tokens(wanted: int) -> int:
        asked.append(wanted)
        return wanted

    result = call_group(CallPool(1), NotifyRoute("s", notify, limiter), _ready(4), _gate(), fresh_tokens)
    assert limiter.drained == 1 and asked == [2]  # one token for each call not started
    assert notify.sent == ["0", "1", "2", "3"] and not result.unsent
    assert dict(result.outcomes)[1].kind is OutcomeKind.THROTTLED


def test_after_a_429_only_as_many_calls_go_as_fresh_tokens_were_taken(pool: CallPool) -> None:
    notify = Notify(answers={"0": OutcomeKind.THROTTLED})
    rounds: list[list[str]] = []

    def one_token(wanted: int) -> int:
        rounds.append(sorted(notify.sent))
        return 1 if len(rounds) < 3 else 0  # one token, then one more, then none within the hold

    result = call_group(
        pool, NotifyRoute("s", notify, DrainCounting()), _ready(1) + _ready(6)[1:], _gate(), one_token
    )
    assert len(rounds) == 3 and len(rounds[1]) == len(rounds[0]) + 1 and len(rounds[2]) == len(rounds[1]) + 1
    assert len(result.outcomes) + len(result.unsent) == 6 and len(result.unsent) >= 1


def test_no_fresh_tokens_are_asked_for_past_the_claim_hold_or_after_the_daily_limit() -> None:
    asked: list[int] = []

    def fresh_tokens(wanted: int) -> int:
        asked.append(wanted)
        return wanted

    late = iter([START])  # the first call starts in time; the next look is past the hold
    clock = lambda: next(late, START + timedelta(seconds=5))  # noqa: E731 - the hold ends during the round
    throttled = Notify(answers={"0": OutcomeKind.THROTTLED})
    result = call_group(
        CallPool(1), NotifyRoute("s", throttled, DrainCounting()), _ready(3), _gate(3.0, clock), fresh_tokens
    )
    assert throttled.sent == ["0"] and result.unsent == [1, 2] and asked == []
    daily = Notify(answers={"0": OutcomeKind.DAILY_LIMIT})
    result = call_group(
        CallPool(1), NotifyRoute("s", daily, DrainCounting()), _ready(3), _gate(), fresh_tokens
    )
    assert daily.sent == ["0"] and result.unsent == [1, 2] and asked == []


def test_after_a_429_with_no_token_to_be_had_the_rest_goes_back_unsent() -> None:
    notify = Notify(answers={"0": OutcomeKind.THROTTLED})
    result = call_group(
        CallPool(1), NotifyRoute("s", notify, DrainCounting()), _ready(3), _gate(), lambda n: 0
    )
    assert notify.sent == ["0"] and result.unsent == [1, 2]


def test_calls_queued_behind_a_429_in_the_pool_do_not_start() -> None:
    """Pool of 2, four calls: the first two are throttled, so the two queued behind them wait."""
    two = CallPool(2)
    try:
        notify = Notify(answers={"0": OutcomeKind.THROTTLED, "1": OutcomeKind.THROTTLED}, parties=2)
        rounds: list[list[str]] = []

        def fresh_tokens(wanted: int) -> int:
            rounds.append(list(notify.sent))
            notify.barrier = None
            return wanted

        result = call_group(two, NotifyRoute("s", notify, DrainCounting()), _ready(4), _gate(), fresh_tokens)
    finally:
        two.shutdown()
    assert sorted(rounds[0]) == ["0", "1"] and sorted(notify.sent) == ["0", "1", "2", "3"]
    assert not result.unsent and len(result.outcomes) == 4


def test_nothing_starts_past_the_claim_hold() -> None:
    ticks = count()
    clock = lambda: START + timedelta(seconds=next(ticks))  # noqa: E731 - one second per look
    notify = Notify()
    result = call_group(
        CallPool(1), NotifyRoute("s", notify, UnlimitedLimiter()), _ready(5), _gate(2.5, clock), lambda n: n
    )
    assert notify.sent == ["0", "1", "2"] and result.unsent == [3, 4]


def test_a_group_is_admitted_only_when_its_calls_can_start_soon() -> None:
    """Pool of 4 with room for 2 waiting: a second group of 4 waits until the first has ended."""
    four = CallPool(4, waiting=2)
    order: list[str] = []
    first_in = threading.Event()
    try:

        def group(name: str) -> None:
            with four.room(4):
                order.append(f"{name} in")
                first_in.set()
                time.sleep(0.05)
                order.append(f"{name} out")

        first = threading.Thread(target=group, args=("first",))
        first.start()
        assert first_in.wait(5)
        group("second")
        first.join()
        with four.room(4), four.room(2):  # 6 fit: 4 running and 2 waiting
            pass
    finally:
        four.shutdown()
    assert order == ["first in", "first out", "second in", "second out"]


def _admitted_within(pool: CallPool, calls: int, seconds: float) -> bool:
    admitted = threading.Event()

    def enter() -> None:
        with pool.room(calls):
            admitted.set()

    threading.Thread(target=enter, daemon=True).start()
    return admitted.wait(seconds)


def test_a_groups_places_are_given_back_as_its_calls_end() -> None:
    four = CallPool(4, waiting=2)
    try:
        with four.room(4) as first:
            assert not _admitted_within(four, 4, 0.2)  # 4 + 4 > 6
            first.release(2)  # two rows of the group were skipped: nothing to call for them
            four.run([lambda: 1, lambda: 2], first)  # each call gives its place back as it ends
            assert _admitted_within(four, 6, 5)
    finally:
        four.shutdown()


def test_an_error_in_one_call_is_raised_only_after_every_call_has_ended(pool: CallPool) -> None:
    notify = Notify(broken="0")
    with pytest.raises(RuntimeError, match="a bug"):
        call_group(pool, NotifyRoute("s", notify, UnlimitedLimiter()), _ready(6), _gate(), lambda n: n)
    assert sorted(notify.sent) == [str(i) for i in range(6)]


class _Interrupted(threading.Event):
    def wait(self, timeout: float | None = None) -> bool:
        raise TimeoutError("the task's time limit, while waiting for room")


def test_a_group_interrupted_while_waiting_for_room_leaves_no_places_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    four = CallPool(4)
    try:
        with four.room(4), monkeypatch.context() as patched:
            patched.setattr(notify_calls, "_Waiting", _interrupted_waiting)
            with pytest.raises(TimeoutError), four.room(4):
                pass
        assert _admitted_within(four, 4, 5)  # nothing left queued or counted from the interrupted one
    finally:
        four.shutdown()


_REAL_WAITING = notify_calls._Waiting


def _interrupted_waiting(calls: int) -> object:
    waiting = _REAL_WAITING(calls)
    waiting.admitted = _Interrupted()
    return waiting
