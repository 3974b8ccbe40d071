"""The bucket's arithmetic (refill, burst, reserve), driven by an injected clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notifier.ratelimit import BucketShape, BucketState, InMemoryTokenBucket, Lane, take_token, wait_for_token


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def take_all(bucket: InMemoryTokenBucket, lane: Lane, limit: int = 10_000) -> int:
    taken = 0
    while taken < limit and bucket.acquire(lane) == 0.0:
        taken += 1
    return taken


def test_a_new_bucket_is_full_then_refuses_with_the_wait_for_one_token() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=600, burst=50, reserve=0, clock=clock)
    assert take_all(bucket, Lane.TRANSACTIONAL) == 50
    assert bucket.acquire(Lane.TRANSACTIONAL) == pytest.approx(0.1)  # 10 tokens/s


def test_refill_is_per_minute_over_sixty_per_second_and_capped_at_burst() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=3000, burst=1000, reserve=0, clock=clock)
    assert take_all(bucket, Lane.TRANSACTIONAL) == 1000
    clock.now += 1.0
    assert take_all(bucket, Lane.TRANSACTIONAL) == 50
    clock.now += 3600
    assert take_all(bucket, Lane.TRANSACTIONAL) == 1000


def test_bulk_leaves_the_reserve_to_the_transactional_lane() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=60, burst=10, reserve=3, clock=clock)
    assert take_all(bucket, Lane.BULK) == 7
    # 3 tokens left: bulk must wait until a 4th has refilled (1 token/s), transactional goes now.
    assert bucket.acquire(Lane.BULK) == pytest.approx(1.0)
    assert take_all(bucket, Lane.TRANSACTIONAL) == 3
    assert bucket.acquire(Lane.BULK) == pytest.approx(4.0)
    assert bucket.acquire(Lane.TRANSACTIONAL) == pytest.approx(1.0)


def test_transactional_overtakes_bulk_that_is_waiting() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=60, burst=10, reserve=2, clock=clock)
    take_all(bucket, Lane.BULK)
    assert bucket.acquire(Lane.BULK) > 0
    assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0


def test_a_clock_that_goes_backwards_refills_nothing() -> None:
    shape = BucketShape(per_minute=60, burst=10, reserve=0)
    state, _ = take_token(BucketState(tokens=0.5, updated_at=100.0), 40.0, shape, Lane.TRANSACTIONAL)
    assert state == BucketState(tokens=0.5, updated_at=100.0)
    state, wait = take_token(state, 100.5, shape, Lane.TRANSACTIONAL)
    assert (state.tokens, wait) == (0.0, 0.0)


@pytest.mark.parametrize(("burst", "reserve"), [(10, 10), (10, 11), (10, -1), (0, 0)])
def test_shapes_where_bulk_could_never_send_are_refused(burst: int, reserve: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        BucketShape(per_minute=60, burst=burst, reserve=reserve)


@given(
    st.integers(min_value=1, max_value=6000),
    st.integers(min_value=1, max_value=200),
    st.data(),
    st.lists(st.tuples(st.floats(min_value=0, max_value=2), st.sampled_from(list(Lane))), max_size=300),
)
def test_never_more_than_burst_plus_refill_and_bulk_never_dips_into_the_reserve(
    per_minute: int, burst: int, data: st.DataObject, steps: list[tuple[float, Lane]]
) -> None:
    reserve = data.draw(st.integers(min_value=0, max_value=burst - 1))
    shape = BucketShape(per_minute, burst, reserve)
    state: BucketState | None = None
    now = elapsed = 0.0
    granted = 0
    for advance, lane in steps:
        now += advance
        elapsed += advance
        state, wait = take_token(state, now, shape, lane)
        if wait == 0.0:
            granted += 1
            if lane is Lane.BULK:
                assert state.tokens >= reserve - 1e-9
        else:
            # Nothing taken, and after exactly `wait` seconds this lane would get its token.
            assert take_token(state, now + wait + 1e-9, shape, lane)[1] == 0.0
        assert 0.0 <= state.tokens <= burst
    assert granted <= burst + elapsed * shape.refill_per_second + 1e-6


def test_wait_for_token_sleeps_the_advised_wait_then_takes() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=60, burst=1, reserve=0, clock=clock)
    assert bucket.acquire(Lane.TRANSACTIONAL) == 0.0
    took = wait_for_token(bucket, Lane.TRANSACTIONAL, deadline_seconds=5, sleep=clock.sleep, monotonic=clock)
    assert took is True
    assert clock.slept == [pytest.approx(1.0)]


def test_wait_for_token_gives_up_without_sleeping_past_the_deadline() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=6, burst=1, reserve=0, clock=clock)  # one token per 10 s
    bucket.acquire(Lane.BULK)
    took = wait_for_token(bucket, Lane.BULK, deadline_seconds=3, sleep=clock.sleep, monotonic=clock)
    assert took is False
    assert clock.slept == []
