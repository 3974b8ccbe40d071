"""A group's Notify calls, made at once: one thread pool per worker process, shared by its task threads.

A task thread claims a group, composes its emails, then hands the calls to the process's `CallPool` and
waits for every one of them before it records anything. So exactly once is unchanged: each row is claimed
before its call and its outcome recorded after; no row is given back while its call may still start.

A group is admitted to the pool (`CallPool.room`) before its tokens are taken and it is claimed, so
its tokens are spent and its calls start soon after. Each call still checks the group's `Gate` when it
starts, not when it was queued: it starts only within the claim hold, and not after Notify said 429 to
this group. A 429 RateLimitError empties the fleet's bucket at once (from the pool thread, so other
senders stop too); the calls of the group not yet started wait, in the task thread, for fresh tokens,
one per call, and as many as got one go in the next round; waiting ends with the claim hold. After a
429 TooManyRequestsError (the daily limit) nothing more of the group starts. A pool of one runs the
calls one after another in the task thread, as the sender did before; so does a group of one (a
confirmation never queues behind a bulk send's calls).

The pool's threads each keep their own Notify client (the gateway holds one per thread), as the official
client requires.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from notifier.gateway.base import EmailRequest, OutcomeKind, SendOutcome
from notifier.ratelimit.base import LimiterUnavailable
from notifier.services.delivery.routing import NotifyRoute

T = TypeVar("T")


class CallPool:
    """The Notify calls one process may have in flight at once (`size`), shared by its task threads.

    `room` admits a group before it is claimed, counting its calls until each has ended: at most
    `waiting` calls wait for a pool thread behind those running, so a claimed row's call starts within
    about one Notify round trip of its claim, and the pool's threads stay busy while groups keep coming.
    """

    def __init__(self, size: int, *, waiting: int = 0) -> None:
        if size < 1:
            raise ValueError("a call pool needs at least one thread")
        self.size = size
        self._executor = (
            ThreadPoolExecutor(max_workers=size, thread_name_prefix="notify-call") if size > 1 else None
        )
        self._capacity = size + waiting
        self._admitted = 0  # calls admitted and not yet ended, in every group
        self._lock = threading.Lock()
        self._queue: deque[_Waiting] = deque()  # groups waiting for room, first come first admitted

    @contextlib.contextmanager
    def room(self, calls: int) -> Iterator[Admission]:
        """Wait until `calls` more calls fit (a group always fits an idle pool); what is left of them is
        given back when the block ends."""
        if self._executor is None or calls < 2:
            yield Admission(self, 0)  # called in the task thread itself
            return
        waiting = None
        with self._lock:
            if not self._queue and self._fits(calls):
                self._admitted += calls
            else:
                waiting = _Waiting(calls)
                self._queue.append(waiting)
        if waiting is not None:
            try:
                waiting.admitted.wait()  # set by `_give_back` once the groups before it are in
            except BaseException:  # interrupted while waiting: its places must not stay taken
                self._abandon(waiting)
                raise
        admission = Admission(self, calls)
        try:
            yield admission
        finally:
            admission.release(calls)

    def _fits(self, calls: int) -> bool:
        return not self._admitted or self._admitted + calls <= self._capacity

    def _abandon(self, waiting: _Waiting) -> None:
        with self._lock:
            if waiting in self._queue:
                self._queue.remove(waiting)
                return
        self._give_back(waiting.calls)  # admitted just as it was interrupted

    def _give_back(self, calls: int) -> None:
        with self._lock:
            self._admitted -= calls
            while self._queue and self._fits(self._queue[0].calls):  # wakes only those now admitted
                waiting = self._queue.popleft()
                self._admitted += waiting.calls
                waiting.admitted.set()

    def run(self, calls: Sequence[Callable[[], T]], admission: Admission | None = None) -> list[T]:
        """Every call's result, in order. With a pool, every call has ended before an error is raised;
        each gives its place in `admission` back as it ends."""
        if self._executor is None or len(calls) < 2:
            return [call() for call in calls]
        futures = [self._executor.submit(_ending(call, admission)) for call in calls]
        wait(futures)
        return [future.result() for future in futures]

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)


@dataclass(eq=False)  # each waiting group is itself, whatever its size
class _Waiting:
    calls: int
    admitted: threading.Event = field(default_factory=threading.Event)


class Admission:
    """A group's places in its pool: one per call still to end."""

    def __init__(self, pool: CallPool, places: int) -> None:
        self._pool = pool
        self._places = places
        self._lock = threading.Lock()

    def release(self, places: int = 1) -> None:
        with self._lock:
            places = min(places, self._places)
            self._places -= places
        if places:
            self._pool._give_back(places)


def _ending(call: Callable[[], T], admission: Admission | None) -> Callable[[], T]:
    def run() -> T:
        try:
            return call()
        finally:
            if admission is not None:
                admission.release()

    return run


class Gate:
    """Whether a call of one group may still start; shared by the group's calls (thread-safe).

    A call starts only before the claim hold ends (`clock`): a row claimed too long ago is given back
    unsent, so a later lookup by reference can never miss its email. Nor does it start once Notify
    answered this group with a 429.
    """

    def __init__(self, *, hold_until: datetime, clock: Callable[[], datetime]) -> None:
        self._hold_until = hold_until
        self._clock = clock
        self._lock = threading.Lock()
        self.expired = False  # past the claim hold: nothing more of the group starts
        self.seen: set[OutcomeKind] = set()  # THROTTLED or DAILY_LIMIT, once Notify said so in this round

    def may_start(self) -> bool:
        return not self.seen and not self.past_hold()

    def saw(self, kind: OutcomeKind) -> None:
        if kind in (OutcomeKind.THROTTLED, OutcomeKind.DAILY_LIMIT):
            with self._lock:
                self.seen.add(kind)

    def past_hold(self) -> bool:
        with self._lock:
            self.expired = self.expired or self._clock() >= self._hold_until
            return self.expired

    def seconds_left(self) -> float:
        return max(0.0, (self._hold_until - self._clock()).total_seconds())

    def may_go_on(self) -> bool:
        """The rest may still go, once fresh tokens are taken: within the hold, and not after Notify's
        daily limit (a 429 RateLimitError alone only waits)."""
        return OutcomeKind.DAILY_LIMIT not in self.seen and not self.past_hold()

    def reopen(self) -> None:
        with self._lock:
            self.seen.clear()


@dataclass
class GroupCalls:
    """What became of a group's calls: outcomes of those made, and the rows never sent."""

    outcomes: list[tuple[int, SendOutcome]] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)


def call_group(
    pool: CallPool,
    route: NotifyRoute,
    ready: Sequence[tuple[int, EmailRequest]],
    gate: Gate,
    fresh_tokens: Callable[[int], int],
    admission: Admission | None = None,
) -> GroupCalls:
    """Send a group's requests through `route`, the first round on the tokens taken for the group.

    After a 429 the calls not started wait for fresh tokens (`fresh_tokens(n)`: how many of `n` it
    took, 0 when none are to be had within the claim hold) and only as many go as tokens were taken;
    the rest go back unsent.
    """
    result = GroupCalls()
    pending = list(ready)
    going = len(pending)
    while pending:
        now, later = pending[:going], pending[going:]
        answers = pool.run([_one_call(route, gate, request) for _, request in now], admission)
        admission = None  # places are given back as calls end; later rounds are few, after a 429
        result.outcomes += [
            (d, outcome) for (d, _), outcome in zip(now, answers, strict=True) if outcome is not None
        ]
        pending = [item for item, outcome in zip(now, answers, strict=True) if outcome is None] + later
        going = fresh_tokens(len(pending)) if pending and gate.may_go_on() else 0
        if not going:
            result.unsent = [d for d, _ in pending]
            break
        gate.reopen()
    return result


def _one_call(route: NotifyRoute, gate: Gate, request: EmailRequest) -> Callable[[], SendOutcome | None]:
    def call() -> SendOutcome | None:
        if not gate.may_start():
            return None
        outcome = route.gateway.send(request)
        if outcome.kind is OutcomeKind.THROTTLED:
            # Notify's bucket is empty: ours is emptied now, so every sender of the fleet waits.
            with contextlib.suppress(LimiterUnavailable):
                route.limiter.drain()
        gate.saw(outcome.kind)
        return outcome

    return call
