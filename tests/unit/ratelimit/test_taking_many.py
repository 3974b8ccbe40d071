"""Taking tokens in batches: never more than the bucket holds above the lane's floor, the same answer
from the in-process bucket and the SQLite twin, and one token at a time agreeing with many at once."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from notifier.ratelimit import BucketShape, InMemoryTokenBucket, Lane, SqliteTokenBucket
from notifier.ratelimit.bucket import take_tokens
from tests.unit.ratelimit.test_bucket_arithmetic import FakeClock


def test_a_batch_takes_what_is_there_above_the_floor_then_says_how_long_to_wait() -> None:
    clock = FakeClock()
    bucket = InMemoryTokenBucket(per_minute=60, burst=10, reserve=3, clock=clock)
    assert bucket.acquire_many(Lane.BULK, 4) == (4, 0.0)
    assert bucket.acquire_many(Lane.BULK, 10) == (3, 0.0)  # 3 left: the transactional reserve
    taken, wait = bucket.acquire_many(Lane.BULK, 5)
    assert taken == 0 and wait == 1.0  # one token a second refills the first above the floor
    assert bucket.acquire_many(Lane.TRANSACTIONAL, 5) == (3, 0.0)
    clock.now += 2.5
    assert bucket.acquire_many(Lane.TRANSACTIONAL, 5) == (2, 0.0)


@given(
    wanted=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=30),
    gaps=st.lists(st.floats(min_value=0, max_value=3), min_size=30, max_size=30),
    lane=st.sampled_from(list(Lane)),
)
def test_batches_never_take_more_than_burst_plus_refill_nor_dip_below_the_floor(
    wanted: list[int], gaps: list[float], lane: Lane
) -> None:
    shape = BucketShape(per_minute=120, burst=50, reserve=5)
    state, now, total = None, 0.0, 0
    for want, gap in zip(wanted, gaps, strict=False):
        now += gap
        state, taken, wait = take_tokens(state, now, shape, lane, want)
        assert 0 <= taken <= want
        assert (taken == 0) == (wait > 0)
        assert state.tokens >= shape.floor(lane) - 1e-9 or taken == 0
        total += taken
    assert total <= shape.burst + now * shape.refill_per_second + 1e-6


def test_the_sqlite_twin_takes_batches_like_the_in_process_bucket(tmp_path: Path) -> None:
    clock = FakeClock()
    twin = SqliteTokenBucket(tmp_path / "ratelimit.db", per_minute=60, burst=10, reserve=3, clock=clock)
    reference = InMemoryTokenBucket(per_minute=60, burst=10, reserve=3, clock=clock)
    try:
        for lane, wanted, advance in [
            (Lane.BULK, 4, 0.0), (Lane.BULK, 10, 0.0), (Lane.BULK, 5, 0.0),
            (Lane.TRANSACTIONAL, 5, 0.0), (Lane.TRANSACTIONAL, 5, 2.5), (Lane.BULK, 1, 4.0),
        ]:  # fmt: skip
            clock.now += advance
            assert twin.acquire_many(lane, wanted) == reference.acquire_many(lane, wanted)
    finally:
        twin.close()
