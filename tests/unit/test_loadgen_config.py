"""LoadConfig: every run is bounded, bad settings fail before anything runs."""

from __future__ import annotations

import pytest

from astra_grpc_async.cli.loadgen.config import DEFAULT_DURATION, LoadConfig


def test_unbounded_run_gets_the_default_duration() -> None:
    cfg = LoadConfig()
    assert cfg.duration == DEFAULT_DURATION and cfg.count is None


def test_count_alone_bounds_the_run() -> None:
    cfg = LoadConfig(count=100)
    assert cfg.duration is None and cfg.count == 100


def test_both_bounds_are_kept() -> None:
    cfg = LoadConfig(duration=2.0, count=10)
    assert (cfg.duration, cfg.count) == (2.0, 10)
    assert cfg.qualified_table == "loadgen.kv"
    assert cfg.as_dict()["count"] == 10


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration", 0, "duration"),
        ("count", 0, "count"),
        ("concurrency", 0, "concurrency"),
        ("read_ratio", 1.5, "read_ratio"),
        ("read_ratio", -0.1, "read_ratio"),
        ("rate", 0, "rate"),
        ("keys", 0, "keys"),
        ("value_size", -1, "value_size"),
        ("op_timeout", 0, "op_timeout"),
        ("keyspace", "bad-name", "keyspace"),
        ("table", "t; DROP TABLE x", "table"),
    ],
)
def test_invalid_settings_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LoadConfig(**{field: value})  # type: ignore[arg-type]
