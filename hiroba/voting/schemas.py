"""The voting API's shapes."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class PollOut(Schema):
    uuid: str = Field(..., description="the Belenios token (14 Base58 characters)")
    lg_code: str
    municipality: str
    title: str
    group: str
    state: str = Field(..., description="open, closed or tallied (drafts are not published)")
    opens_at: datetime
    closes_at: datetime
    fingerprint: str = Field(..., description="H_JSON of election.json")


class AnswerOut(Schema):
    text: str
    count: int | None = Field(None, description="weighted count, once tallied")


class QuestionOut(Schema):
    text: str
    minimum: int
    maximum: int
    blank: bool
    blank_count: int | None
    answers: list[AnswerOut]


class PollDetailOut(PollOut):
    description: str
    ballots: int = Field(..., description="ballots posted, re-votes included")
    voters_voted: int = Field(..., description="credentials with at least one ballot")
    questions: list[QuestionOut]
    archive: str = Field(..., description="URL of the <uuid>.bel event archive")


class BoardEventOut(Schema):
    height: int
    type: str
    at: datetime
    tracker: str = Field(..., description="ballots: the ballot's tracker; other events: empty")
    owner: int | None = Field(None, description="partial decryptions: the trustee's number")


class BallotIn(Schema):
    ballot: str = Field(..., description="the signed ballot in the specification's compact JSON, made on the device")


class BallotOut(Schema):
    tracker: str
    height: int
