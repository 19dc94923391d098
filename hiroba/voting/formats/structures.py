"""Typed views of the Belenios 2.0 JSON structures the verifier needs (specification sections 4.7–4.19).

Parsing is strict: wrong types, missing or unknown fields raise `FormatError` with the path of the offending
value. Group elements and scalars stay strings here; the crypto layer parses them into its group.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from hiroba.voting.formats.archive import json_dumps

_UUID = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{14,}$")  # Base58, at least 14 characters (section 4.2)


class FormatError(ValueError):
    """A JSON structure does not have the shape the specification gives it."""


def fingerprint(raw: bytes) -> str:
    """H_JSON: unpadded Base64 of the SHA-256 of the bytes (section 4.15)."""
    return base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def _obj(value: Any, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"{where}: expected an object")
    missing = required - set(value)
    unknown = set(value) - required - optional
    if missing:
        raise FormatError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
    if unknown:
        raise FormatError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return value


def _int(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"{where}: expected an integer")
    return value


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"{where}: expected a string")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise FormatError(f"{where}: expected an array")
    return value


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    answers: int
    minimum: int
    maximum: int
    blank: bool
    homomorphic: bool

    @property
    def width(self) -> int:
        """Number of ciphertexts in an answer: one per choice, plus a leading one when blank is allowed."""
        return self.answers + (1 if self.blank else 0)


@dataclass(frozen=True, slots=True)
class Election:
    version: int
    uuid: str
    name: str
    group: str
    public_key: str
    questions: tuple[Question, ...]
    fingerprint: str


def parse_question(value: Any, where: str) -> Question:
    if isinstance(value, dict) and "type" in value:
        obj = _obj(value, where, {"type", "value"}, frozenset({"extra"}))
        return Question(text=str(obj.get("type")), answers=0, minimum=0, maximum=0, blank=False, homomorphic=False)
    obj = _obj(value, where, {"answers", "min", "max", "question"}, frozenset({"blank", "extra"}))
    answers = [_str(a, f"{where}.answers[{i}]") for i, a in enumerate(_list(obj["answers"], f"{where}.answers"))]
    minimum = _int(obj["min"], f"{where}.min")
    maximum = _int(obj["max"], f"{where}.max")
    blank = obj.get("blank", False)
    if not isinstance(blank, bool):
        raise FormatError(f"{where}.blank: expected a boolean")
    if not answers or not 0 <= minimum <= maximum <= len(answers):
        raise FormatError(f"{where}: need 0 <= min <= max <= number of answers (> 0)")
    return Question(
        text=_str(obj["question"], f"{where}.question"),
        answers=len(answers),
        minimum=minimum,
        maximum=maximum,
        blank=blank,
        homomorphic=True,
    )


def parse_election(raw: bytes, value: Any) -> Election:
    where = "election"
    obj = _obj(
        value,
        where,
        {"version", "description", "name", "group", "public_key", "questions", "uuid"},
        frozenset({"administrator", "credential_authority"}),
    )
    uuid = _str(obj["uuid"], f"{where}.uuid")
    if not _UUID.match(uuid):
        raise FormatError(f"{where}.uuid: not a Base58 string of at least 14 characters")
    questions = tuple(
        parse_question(q, f"{where}.questions[{i}]")
        for i, q in enumerate(_list(obj["questions"], f"{where}.questions"))
    )
    if not questions:
        raise FormatError(f"{where}.questions: an election has at least one question")
    group = obj["group"]
    if not isinstance(group, str):
        raise FormatError(f"{where}.group: only named groups are supported (BELENIOS-2048, RFC-3526-2048, Ed25519)")
    return Election(
        version=_int(obj["version"], f"{where}.version"),
        uuid=uuid,
        name=_str(obj["name"], f"{where}.name"),
        group=group,
        public_key=_str(obj["public_key"], f"{where}.public_key"),
        questions=questions,
        fingerprint=fingerprint(raw),
    )


@dataclass(frozen=True, slots=True)
class PublicCredential:
    credential: str
    weight: int


def parse_public_credentials(value: Any) -> list[PublicCredential]:
    """Each item is `credential`, `credential,weight` or `credential,weight,login` (belenios-tool 2.0)."""
    result = []
    for i, item in enumerate(_list(value, "public_credentials")):
        parts = _str(item, f"public_credentials[{i}]").split(",")
        weight = 1
        if len(parts) >= 2 and parts[1] != "":  # noqa: PLR2004 - credential, weight
            if not parts[1].isdigit() or (len(parts[1]) > 1 and parts[1][0] == "0"):
                raise FormatError(f"public_credentials[{i}]: the weight is not a positive integer")
            weight = int(parts[1])
        if weight <= 0:
            raise FormatError(f"public_credentials[{i}]: the weight must be positive")
        result.append(PublicCredential(parts[0], weight))
    return result


# --- ballots -------------------------------------------------------------------------------------------------


def _proof(value: Any, where: str) -> dict[str, str]:
    obj = _obj(value, where, {"challenge", "response"})
    return {
        "challenge": _str(obj["challenge"], f"{where}.challenge"),
        "response": _str(obj["response"], f"{where}.response"),
    }


def _ciphertext(value: Any, where: str) -> dict[str, str]:
    obj = _obj(value, where, {"alpha", "beta"})
    return {"alpha": _str(obj["alpha"], f"{where}.alpha"), "beta": _str(obj["beta"], f"{where}.beta")}


def _proofs(value: Any, where: str) -> list[dict[str, str]]:
    return [_proof(p, f"{where}[{i}]") for i, p in enumerate(_list(value, where))]


def canonical_answer_h(value: Any, where: str) -> dict[str, Any]:
    obj = _obj(value, where, {"choices", "individual_proofs", "overall_proof"}, frozenset({"blank_proof"}))
    answer: dict[str, Any] = {
        "choices": [
            _ciphertext(c, f"{where}.choices[{i}]") for i, c in enumerate(_list(obj["choices"], f"{where}.choices"))
        ],
        "individual_proofs": [
            _proofs(p, f"{where}.individual_proofs[{i}]")
            for i, p in enumerate(_list(obj["individual_proofs"], f"{where}.individual_proofs"))
        ],
        "overall_proof": _proofs(obj["overall_proof"], f"{where}.overall_proof"),
    }
    if "blank_proof" in obj:
        answer["blank_proof"] = _proofs(obj["blank_proof"], f"{where}.blank_proof")
    return answer


def canonical_ballot(value: Any) -> dict[str, Any]:
    """The ballot rebuilt with the fields in the specification's order (homomorphic answers only)."""
    obj = _obj(value, "ballot", {"election_uuid", "election_hash", "credential", "answers", "signature"})
    signature = _obj(obj["signature"], "ballot.signature", {"hash", "proof"})
    return {
        "election_uuid": _str(obj["election_uuid"], "ballot.election_uuid"),
        "election_hash": _str(obj["election_hash"], "ballot.election_hash"),
        "credential": _str(obj["credential"], "ballot.credential"),
        "answers": [
            canonical_answer_h(a, f"ballot.answers[{i}]") for i, a in enumerate(_list(obj["answers"], "ballot.answers"))
        ],
        "signature": {
            "hash": _str(signature["hash"], "ballot.signature.hash"),
            "proof": _proof(signature["proof"], "ballot.signature.proof"),
        },
    }


def ballot_signed_hash(ballot: dict[str, Any]) -> str:
    """H_JSON of the ballot without its signature, serialised compactly in the specification's field order."""
    unsigned = {key: value for key, value in ballot.items() if key != "signature"}
    return fingerprint(json_dumps(unsigned))


def partial_decryption_data(raw: bytes, *, owner: int) -> bytes:
    """The partial decryption's data ({decryption_factors, decryption_proofs}) from a trustee's file: either that
    data alone (`hiroba voting trustee-decrypt`) or belenios-tool's output of `election decrypt[-threshold]`, the
    data line followed by the event payload {"owner": N, "payload": sha256 of the data}, which must name `owner`."""
    lines = [line for line in raw.splitlines() if line.strip()]
    if len(lines) != 2:  # noqa: PLR2004 - belenios-tool's data line and owner line
        return raw
    data, wrapper = lines
    try:
        owned = json.loads(wrapper)
    except ValueError as exc:
        raise FormatError(f"second line: {exc}") from exc
    if not isinstance(owned, dict) or set(owned) != {"owner", "payload"}:
        raise FormatError('second line: expected {"owner", "payload"}')
    if owned["owner"] != owner:
        raise FormatError(f"the file is trustee {owned['owner']}'s partial decryption, not trustee {owner}'s")
    if owned["payload"] != hashlib.sha256(data).hexdigest():
        raise FormatError("the owner line names other data")
    return data
