from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field


class ChallengeIn(Schema):
    purpose: Literal["sign_in", "enroll"]


class ChallengeOut(Schema):
    nonce: str = Field(..., description="Base64 of 32 random bytes, bound to this session, single use.")
    expires_in: int = Field(..., description="Seconds until the nonce expires.")


class CardProofIn(Schema):
    certificate: str = Field(..., max_length=12_000, description="Base64 DER of the card's certificate.")
    signature: str = Field(
        ...,
        max_length=1_400,
        description="Base64 RSA PKCS#1 v1.5 SHA-256 signature over SHA-256(origin) ‖ SHA-256(nonce).",
    )
    nonce: str = Field(..., max_length=100)
    # which card application signed (plastic card or smartphone secure element); a label, not a secret
    token: Literal["JPKIAPICCTOKEN2", "JPKIAPGPSETOKEN"] = "JPKIAPICCTOKEN2"  # noqa: S105


class SignInOut(Schema):
    status: Literal["signed_in", "enrollment_required"]
    pairwise_id: str | None = None
    municipality: str | None = None


class OfferOut(Schema):
    municipality: str = Field(..., description="lg_code decided from the certificate's address.")
    display_name: str
    birth_year_month: str
    existing_account: bool = Field(..., description="The same person is enrolled already (a renewed card).")
    moving_from: str | None = None
    keeps: list[str] = Field(..., description="What will be kept, as listed to the resident.")


class ConsentIn(Schema):
    consent: bool


class CredentialOut(Schema):
    kind: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    not_after: dt.datetime | None


class MyDataOut(Schema):
    display_name: str
    birth_year_month: str
    municipality: str | None
    pairwise_id: str | None
    credentials: list[CredentialOut]


class DeletedOut(Schema):
    deleted: bool


class DisplayNameIn(Schema):
    display_name: str = Field(..., min_length=1, max_length=100)
