"""Engine: property tests -- last-write-wins against a reference model, and
paging (any page size, any arrival order) against a single full read."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_helpers import Db

# (key, value or None for a row DELETE, timestamp), applied in list order
ops_strategy = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.one_of(st.none(), st.text(alphabet="abc", max_size=3)),
        st.integers(1, 20),
    ),
    max_size=25,
)


def model(ops: list[tuple[int, str | None, int]]) -> dict[int, str]:
    """What Cassandra keeps: a row lives if an INSERT is newer than every
    DELETE of it (a delete wins a timestamp tie); its value is the newest
    surviving INSERT's (a tie goes to the larger UTF-8 bytes)."""
    out = {}
    for key in {k for k, _, _ in ops}:
        deleted = max((ts for k, v, ts in ops if k == key and v is None), default=0)
        inserts = [(ts, v.encode()) for k, v, ts in ops if k == key and v is not None]
        alive = [(ts, b) for ts, b in inserts if ts > deleted]
        if alive:
            out[key] = max(alive)[1].decode()
    return out


@settings(max_examples=150, deadline=None)
@given(ops_strategy)
def test_last_write_wins_matches_model(ops: list[tuple[int, str | None, int]]) -> None:
    db = Db()
    db.q("CREATE TABLE t (k int PRIMARY KEY, v text)")
    for k, v, ts in ops:
        if v is None:
            db.q("DELETE FROM t USING TIMESTAMP ? WHERE k = ?", ts, k)
        else:
            db.q("INSERT INTO t (k, v) VALUES (?, ?) USING TIMESTAMP ?", k, v, ts)
    assert dict(db.rows("SELECT k, v FROM t")) == model(ops)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.sets(st.tuples(st.integers(0, 6), st.integers(-5, 5)), max_size=40),
    page_size=st.integers(1, 12),
    limit=st.one_of(st.none(), st.integers(1, 50)),
    per_partition=st.one_of(st.none(), st.integers(1, 4)),
    descending=st.booleans(),
)
def test_paging_equals_one_full_read(
    rows: set[tuple[int, int]],
    page_size: int,
    limit: int | None,
    per_partition: int | None,
    descending: bool,
) -> None:
    db = Db()
    order = "DESC" if descending else "ASC"
    db.q(
        "CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c)) "
        f"WITH CLUSTERING ORDER BY (c {order})"
    )
    for k, c in sorted(rows):
        db.q("INSERT INTO t (k, c, v) VALUES (?, ?, ?)", k, c, k * 100 + c)
    cql = "SELECT k, c, v FROM t"
    if per_partition is not None:
        cql += f" PER PARTITION LIMIT {per_partition}"
    if limit is not None:
        cql += f" LIMIT {limit}"
    full = db.rows(cql, page_size=10_000)
    assert db.all_rows(cql, page_size=page_size) == full
    # the full read is ring order, then clustering order, with the limits applied
    assert len(full) == min(
        limit or 10**9,
        sum(
            min(per_partition or 10**9, sum(1 for k2, _ in rows if k2 == k))
            for k in {k for k, _ in rows}
        ),
    )
    for k in {row[0] for row in full}:
        cs = [c for k2, c, _ in full if k2 == k]
        assert cs == sorted(cs, reverse=descending)
