"""Property tests of the Django-free hash chain: any change, removal or truncation is found."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hiroba.core.auditchain import GENESIS, Link, link_hash, verify_links

json_leaf = st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=8)
json_data = st.dictionaries(
    st.text(max_size=6), st.recursive(json_leaf, lambda c: st.lists(c, max_size=3), max_leaves=5)
)
events = st.lists(
    st.tuples(
        st.sampled_from(["tenancy:staff:role-granted", "ledger:journal:posted"]), st.text(max_size=10), json_data
    ),
    min_size=1,
    max_size=12,
)
T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def build(chain_events: list[tuple[str, str, dict[str, object]]]) -> list[Link]:
    links, prev = [], GENESIS
    for i, (tag, subject, data) in enumerate(chain_events, start=1):
        link = Link("202177", i, prev, T0 + dt.timedelta(seconds=i), "user:u_1", "", "web", tag, subject, data)
        link = dataclasses.replace(link, hash=link.digest())
        links.append(link)
        prev = link.hash
    return links


@given(events)
def test_an_untouched_chain_verifies(chain_events: list[tuple[str, str, dict[str, object]]]) -> None:
    links = build(chain_events)
    assert verify_links("202177", links, head_seq=len(links), head_hash=links[-1].hash) == []


@given(events, st.data())
def test_any_changed_field_is_found(
    chain_events: list[tuple[str, str, dict[str, object]]], data: st.DataObject
) -> None:
    links = build(chain_events)
    i = data.draw(st.integers(min_value=0, max_value=len(links) - 1))
    field = data.draw(st.sampled_from(["actor", "tag", "subject", "channel", "acting_for"]))
    tampered = list(links)
    tampered[i] = dataclasses.replace(links[i], **{field: getattr(links[i], field) + "x"})
    breaks = verify_links("202177", tampered, head_seq=len(links), head_hash=links[-1].hash)
    assert any(b.seq == i + 1 and "altered" in b.reason for b in breaks)


@given(events, st.data())
def test_changed_time_or_data_is_found(
    chain_events: list[tuple[str, str, dict[str, object]]], data: st.DataObject
) -> None:
    links = build(chain_events)
    i = data.draw(st.integers(min_value=0, max_value=len(links) - 1))
    tampered = list(links)
    tampered[i] = dataclasses.replace(
        links[i], occurred_at=links[i].occurred_at + dt.timedelta(microseconds=1), data={**links[i].data, "k": 1}
    )
    assert verify_links("202177", tampered, head_seq=len(links), head_hash=links[-1].hash)


@given(events, st.data())
def test_a_removed_record_is_found(chain_events: list[tuple[str, str, dict[str, object]]], data: st.DataObject) -> None:
    links = build(chain_events)
    i = data.draw(st.integers(min_value=0, max_value=len(links) - 1))
    remaining = links[:i] + links[i + 1 :]
    assert verify_links("202177", remaining, head_seq=len(links), head_hash=links[-1].hash)


def test_time_must_be_aware() -> None:
    link = Link("p", 1, GENESIS, dt.datetime(2026, 4, 1), "a", "", "web", "x:y", "s", {})  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone"):
        link.digest()


def _golden(version: int) -> Link:
    data: dict[str, object] = {"amount": 300, "shop": "お店"}
    return Link("202177", 1, GENESIS, T0, "user:u_1", "", "web", "wallet:payment:made", "journal:k", data, "", version)


def test_both_hash_formats_have_fixed_answers() -> None:
    # format 1 (records written before 2026-11) must keep verifying exactly as they were written
    assert _golden(1).digest() == "7031421867a4c38ca1b259785c074394e7b91b3c75f5f194af8dfe3ee5c6f3ed"
    # format 2: the database computes sha256("<prev>:<seq>:<body digest>") while it moves the head
    assert _golden(2).digest() == link_hash(GENESIS, 1, _golden(2).body_digest())
    assert _golden(2).digest() == "372e1e7fc2e6feba0690d2f0c0ecc9b1d688df4b3e6d89ade78b0b2322e8ed45"


@given(events, st.integers(min_value=0, max_value=12))
def test_a_chain_that_changed_format_verifies_and_a_relabelled_record_does_not(
    chain_events: list[tuple[str, str, dict[str, object]]], switch: int
) -> None:
    links, prev = [], GENESIS
    for i, (tag, subject, data) in enumerate(chain_events, start=1):
        version = 1 if i <= switch else 2
        link = Link("202177", i, prev, T0, "user:u_1", "", "web", tag, subject, data, version=version)
        link = dataclasses.replace(link, hash=link.digest())
        links.append(link)
        prev = link.hash
    assert verify_links("202177", links, head_seq=len(links), head_hash=prev) == []
    relabelled = [dataclasses.replace(links[0], version=3 - links[0].version), *links[1:]]
    breaks = verify_links("202177", relabelled, head_seq=len(links), head_hash=prev)
    assert [(b.seq, "altered" in b.reason) for b in breaks] == [(1, True)]
