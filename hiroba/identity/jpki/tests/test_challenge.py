"""The challenge nonce and the origin-bound bytes a card signs."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import given
from hypothesis import strategies as st

from hiroba.identity.jpki import NONCE_BYTES, new_nonce, signed_data

texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)


def test_new_nonce_is_44_base64_characters_of_32_random_bytes() -> None:
    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50
    for nonce in nonces:
        assert len(nonce) == 44
        assert len(base64.b64decode(nonce, validate=True)) == NONCE_BYTES == 32


def test_signed_data_is_hash_of_origin_then_hash_of_nonce() -> None:
    data = signed_data(origin="https://hiroba.example.jp", nonce="abc")
    assert data == hashlib.sha256(b"https://hiroba.example.jp").digest() + hashlib.sha256(b"abc").digest()


@given(origin=texts, nonce=texts)
def test_signed_data_is_64_bytes(origin: str, nonce: str) -> None:
    assert len(signed_data(origin=origin, nonce=nonce)) == 64


@given(first=texts, second=texts, nonce=texts)
def test_different_origin_gives_different_data(first: str, second: str, nonce: str) -> None:
    if first != second:
        assert signed_data(origin=first, nonce=nonce) != signed_data(origin=second, nonce=nonce)


@given(origin=texts, first=texts, second=texts)
def test_different_nonce_gives_different_data(origin: str, first: str, second: str) -> None:
    if first != second:
        assert signed_data(origin=origin, nonce=first) != signed_data(origin=origin, nonce=second)


@given(origin=texts, nonce=texts)
def test_origin_and_nonce_do_not_trade_places(origin: str, nonce: str) -> None:
    if origin != nonce:
        assert signed_data(origin=origin, nonce=nonce) != signed_data(origin=nonce, nonce=origin)
