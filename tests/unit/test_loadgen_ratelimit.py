"""Pacer: slots 1/rate apart on a shared schedule (no coordinated omission)."""

from __future__ import annotations

import asyncio
import time

import pytest

from astra_grpc_async.cli.loadgen.ratelimit import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_slots_are_one_interval_apart() -> None:
    clock = Clock()
    pacer = Pacer(10.0, clock=clock)
    assert [pacer.reserve() for _ in range(4)] == pytest.approx([100.0, 100.1, 100.2, 100.3])


def test_a_late_caller_keeps_its_scheduled_slot() -> None:
    # the workers stalled for a second: the slots stay on the schedule, so the
    # latency measured from them includes the stall
    clock = Clock()
    pacer = Pacer(10.0, clock=clock)
    pacer.reserve()
    clock.now += 1.0
    assert pacer.reserve() == pytest.approx(100.1)


def test_no_rate_means_now() -> None:
    clock = Clock()
    pacer = Pacer(None, clock=clock)
    assert pacer.reserve() == 100.0
    clock.now = 105.0
    assert pacer.reserve() == 105.0


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Pacer(0)


async def test_slot_waits_for_its_time() -> None:
    pacer = Pacer(50.0)  # 20 ms apart
    started = time.monotonic()
    slots = await asyncio.gather(*(pacer.slot() for _ in range(6)))
    elapsed = time.monotonic() - started
    assert slots == sorted(slots)
    assert slots[-1] - slots[0] == pytest.approx(0.1)
    assert elapsed >= 0.09
