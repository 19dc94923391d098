"""Threshold key establishment for a group of trustees (specification 2.0, sections 3.1.1 "Pedersen" and 4.6): the
trustees' seeds and derived keys, signed messages, encrypted messages and channels, certificates, polynomials,
vinputs, voutputs and the published threshold parameters.

Byte-compatible with belenios-tool 2.0 (`setup generate-trustee-key-threshold`), so that members using either tool
can take part in one key establishment: encrypted messages use AES-CCM with the key SHA-256("key|" g^s), the nonce
the first 13 bytes of SHA-256("iv|" alpha) and an 8-byte tag; the data is written in hex. Every structure is the
compact JSON of `formats.archive.json_dumps` with the specification's field order.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from hiroba.voting.crypto.ballot import proof_json
from hiroba.voting.crypto.credentials import BASE58
from hiroba.voting.crypto.groups import E, Group
from hiroba.voting.crypto.proofs import pok_prove, sigmsg_sign, sigmsg_verify
from hiroba.voting.formats.archive import ArchiveError, json_dumps, json_loads
from hiroba.voting.verifier.trustees import Failed, proof_parsed, trustee_public_key

SEED_LENGTH = 22
NONCE_BYTES = 13
TAG_BYTES = 8
MAX_DIGITS = 2000  # a share written in base 10, reduced or not


class ThresholdError(ValueError):
    """A message of the key establishment does not check (signature, recipient, decryption, consistency)."""


@dataclass(frozen=True)
class MemberKeys:
    """A member's keys, all derived from its secret seed: signing/verification and decryption/encryption."""

    sk: int
    vk: Any
    dk: int
    ek: Any


def seed_generate() -> str:
    return "".join(secrets.choice(BASE58) for _ in range(SEED_LENGTH))


def _sha_scalar(group: Group[E], text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big") % group.q


def member_keys(group: Group[E], seed: str) -> MemberKeys:
    if len(seed) != SEED_LENGTH or any(ch not in BASE58 for ch in seed):
        raise ThresholdError("a seed is 22 Base58 characters")
    sk, dk = _sha_scalar(group, f"sk|{seed}"), _sha_scalar(group, f"dk|{seed}")
    return MemberKeys(sk=sk, vk=group.g_pow(sk), dk=dk, ek=group.g_pow(dk))


def _loads(text: str, what: str) -> Any:
    try:
        return json_loads(text.encode())
    except ArchiveError as exc:
        raise ThresholdError(f"{what}: {exc}") from exc


def _text(value: Any) -> str:
    return json_dumps(value).decode()


# ---------------------------------------------------------------------------------------------- signed messages


def signed(group: Group[E], sk: int, message: str) -> dict[str, Any]:
    return {"message": message, "signature": proof_json(sigmsg_sign(group, sk, message))}


def signed_open(group: Group[E], value: Any, vk: E, what: str) -> Any:
    """The JSON inside a signed_msg whose signature `vk` made (ThresholdError otherwise)."""
    if not isinstance(value, dict) or set(value) != {"message", "signature"} or not isinstance(value["message"], str):
        raise ThresholdError(f"{what}: expected a signed message")
    if not sigmsg_verify(group, vk, value["message"], proof_parsed(group, value["signature"])):
        raise ThresholdError(f"{what}: invalid signature")
    return _loads(value["message"], what)


# ---------------------------------------------------------------------------------------------- encryption


def _symmetric(group: Group[E], gs: E, alpha_text: str) -> tuple[AESCCM, bytes]:
    key = hashlib.sha256(f"key|{group.to_str(gs)}".encode()).digest()
    nonce = hashlib.sha256(f"iv|{alpha_text}".encode()).digest()[:NONCE_BYTES]
    return AESCCM(key, tag_length=TAG_BYTES), nonce


def encrypt(group: Group[E], ek: E, message: str) -> str:
    r, s = group.random_scalar(), group.random_scalar()
    alpha = group.g_pow(r)
    beta = group.mul(group.pow(ek, r), group.g_pow(s))
    cipher, nonce = _symmetric(group, group.g_pow(s), group.to_str(alpha))
    data = cipher.encrypt(nonce, message.encode(), None).hex()
    return _text({"alpha": group.to_str(alpha), "beta": group.to_str(beta), "data": data})


def decrypt(group: Group[E], dk: int, text: str) -> str:
    value = _loads(text, "encrypted message")
    if not isinstance(value, dict) or set(value) != {"alpha", "beta", "data"}:
        raise ThresholdError("expected an encrypted message {alpha, beta, data}")
    alpha, beta = group.parse(value["alpha"]), group.parse(value["beta"])
    cipher, nonce = _symmetric(group, group.div(beta, group.pow(alpha, dk)), value["alpha"])
    try:
        return cipher.decrypt(nonce, bytes.fromhex(value["data"]), None).decode()
    except (InvalidTag, ValueError) as exc:
        raise ThresholdError("the message cannot be decrypted with this key") from exc


def send(group: Group[E], sk: int, recipient: E, message: str) -> str:
    """send(sk, recipient, message): a channel message signed with sk, encrypted to the recipient."""
    channel = _text({"recipient": group.to_str(recipient), "message": message})
    return encrypt(group, recipient, _text(signed(group, sk, channel)))


def receive(group: Group[E], keys: MemberKeys, sender_vk: E, text: str, what: str) -> Any:
    """The JSON a channel message carries, checking the sender's signature and that it was meant for `keys`."""
    channel = signed_open(group, _loads(decrypt(group, keys.dk, text), what), sender_vk, what)
    if not isinstance(channel, dict) or set(channel) != {"recipient", "message"}:
        raise ThresholdError(f"{what}: expected a channel message")
    if channel["recipient"] != group.to_str(keys.ek):
        raise ThresholdError(f"{what}: the message is meant for another trustee")
    return _loads(channel["message"], what)


# ---------------------------------------------------------------------------------------------- protocol steps


def cert_make(group: Group[E], seed: str) -> dict[str, Any]:
    """Step 1: the member's certificate (its verification and encryption keys, signed)."""
    keys = member_keys(group, seed)
    return signed(group, keys.sk, _text({"verification": group.to_str(keys.vk), "encryption": group.to_str(keys.ek)}))


def certs_checked(group: Group[E], certs: Sequence[Any]) -> list[tuple[E, E]]:
    """Step 2 (and every member's check of Γ): each certificate signed by its own verification key; distinct.
    Returns (verification, encryption) keys in order."""
    out: list[tuple[E, E]] = []
    for i, cert in enumerate(certs):
        if not isinstance(cert, dict) or not isinstance(cert.get("message"), str):
            raise ThresholdError(f"certs[{i}]: expected a signed message")
        keys = _loads(cert["message"], f"certs[{i}]")
        if not isinstance(keys, dict) or set(keys) != {"verification", "encryption"}:
            raise ThresholdError(f"certs[{i}]: expected cert_keys {{verification, encryption}}")
        vk, ek = group.parse(keys["verification"]), group.parse(keys["encryption"])
        signed_open(group, cert, vk, f"certs[{i}]")
        out.append((vk, ek))
    if len({group.to_str(vk) for vk, _ in out}) != len(out):
        raise ThresholdError("the certificates are not distinct")
    return out


def _my_index(group: Group[E], keys: MemberKeys, members: list[tuple[E, E]]) -> int:
    mine = (group.to_str(keys.vk), group.to_str(keys.ek))
    for index, (vk, ek) in enumerate(members):
        if (group.to_str(vk), group.to_str(ek)) == mine:
            return index
    raise ThresholdError("this key's certificate is not among the certificates")


def polynomial_make(group: Group[E], seed: str, certs: Sequence[Any], threshold: int) -> dict[str, Any]:
    """Step 3: a random polynomial of degree threshold−1 (any `threshold` members decrypt), sent to oneself, its
    value at j sent to member j, and its coefficient commitments, signed."""
    members = certs_checked(group, certs)
    if not 1 <= threshold <= len(members):
        raise ThresholdError(f"the threshold must be between 1 and {len(members)}")
    keys = member_keys(group, seed)
    _my_index(group, keys, members)
    q = group.q
    coefficients = [group.random_scalar() for _ in range(threshold)]
    values = [sum(a * pow(j, k, q) for k, a in enumerate(coefficients)) % q for j in range(1, len(members) + 1)]
    raw_polynomial = _text({"polynomial": [str(a) for a in coefficients]})
    shares = [send(group, keys.sk, ek, _text({"secret": str(v)})) for (_vk, ek), v in zip(members, values, strict=True)]
    commitments = _text({"coefexps": [group.to_str(group.g_pow(a)) for a in coefficients]})
    return {
        "polynomial": send(group, keys.sk, keys.ek, raw_polynomial),
        "secrets": shares,
        "coefexps": signed(group, keys.sk, commitments),
    }


def vinputs_make(polynomials: Sequence[Any]) -> list[dict[str, Any]]:
    """Step 4 (the server, routing): member j's vinput gathers what every member sent to j."""
    shape_ok = all(isinstance(p, dict) and set(p) == {"polynomial", "secrets", "coefexps"} for p in polynomials)
    if not shape_ok or any(len(p["secrets"]) != len(polynomials) for p in polynomials):
        raise ThresholdError("expected one polynomial per member, each with one secret per member")
    return [
        {
            "polynomial": polynomials[j]["polynomial"],
            "secrets": [p["secrets"][j] for p in polynomials],
            "coefexps": [p["coefexps"] for p in polynomials],
        }
        for j in range(len(polynomials))
    ]


def _commitments(group: Group[E], members: list[tuple[E, E]], coefexps: Sequence[Any]) -> list[list[E]]:
    if len(coefexps) != len(members):
        raise ThresholdError("expected one set of coefficient commitments per member")
    out = []
    for i, ((vk, _ek), value) in enumerate(zip(members, coefexps, strict=True)):
        message = signed_open(group, value, vk, f"coefexps[{i}]")
        if not isinstance(message, dict) or set(message) != {"coefexps"} or not message["coefexps"]:
            raise ThresholdError(f"coefexps[{i}]: expected coefficient commitments")
        out.append([group.parse(a) for a in message["coefexps"]])
    if len({len(c) for c in out}) != 1:
        raise ThresholdError("the members' polynomials do not have the same degree")
    return out


def _expected_key(group: Group[E], commitments: list[list[E]], j: int) -> E:
    """Π_i Π_k A_ik^(j^k): member j's verification key as the commitments fix it."""
    return group.prod([group.pow(a_ik, pow(j, k, group.q)) for a_i in commitments for k, a_ik in enumerate(a_i)])


def voutput_make(group: Group[E], seed: str, certs: Sequence[Any], vinput: Any) -> dict[str, Any]:
    """Step 5: member j checks every share against its sender's commitments (g^s_ij = Π_k A_ik^(j^k)), adds them
    into its decryption key S_j, and returns it encrypted to itself with the public key g^S_j and its proof."""
    members = certs_checked(group, certs)
    keys = member_keys(group, seed)
    j = _my_index(group, keys, members) + 1
    if not isinstance(vinput, dict) or set(vinput) != {"polynomial", "secrets", "coefexps"}:
        raise ThresholdError("expected a vinput {polynomial, secrets, coefexps}")
    commitments = _commitments(group, members, vinput["coefexps"])
    if len(vinput["secrets"]) != len(members):
        raise ThresholdError("expected one secret per member")
    total = 0
    for i, ((vk, _ek), text) in enumerate(zip(members, vinput["secrets"], strict=True)):
        secret = receive(group, keys, vk, text, f"secrets[{i}]")
        # belenios-tool does not always reduce f_i(j) modulo q: read the number and reduce it
        digits = str(secret.get("secret", "")) if isinstance(secret, dict) else ""
        s_ij = int(digits) % group.q if digits.isdigit() and len(digits) <= MAX_DIGITS else None
        if s_ij is None or group.g_pow(s_ij) != group.prod(
            [group.pow(a, pow(j, k, group.q)) for k, a in enumerate(commitments[i])]
        ):
            raise ThresholdError(f"secrets[{i}]: the share does not match its sender's commitments")
        total = (total + s_ij) % group.q
    return {
        "private_key": send(group, keys.sk, keys.ek, _text({"decryption_key": str(total)})),
        "public_key": {"pok": proof_json(pok_prove(group, total)), "public_key": group.to_str(group.g_pow(total))},
    }


def threshold_parameters_make(
    group: Group[E], certs: Sequence[Any], polynomials: Sequence[Any], voutputs: Sequence[Any]
) -> dict[str, Any]:
    """Step 6 (the server): check every voutput's public key against the commitments, with its proof, and publish
    the threshold parameters (threshold = the polynomials' degree + 1)."""
    members = certs_checked(group, certs)
    coefexps = [p["coefexps"] for p in polynomials]
    commitments = _commitments(group, members, coefexps)
    if len(voutputs) != len(members):
        raise ThresholdError("expected one voutput per member")
    for j, vo in enumerate(voutputs, start=1):
        try:
            key = trustee_public_key(group, vo["public_key"], f"voutputs[{j - 1}]")
        except (Failed, KeyError, TypeError) as exc:
            raise ThresholdError(str(exc)) from exc
        if key != _expected_key(group, commitments, j):
            raise ThresholdError(f"voutputs[{j - 1}]: the public key does not match the commitments")
    return {
        "threshold": len(commitments[0]),
        "certs": list(certs),
        "coefexps": coefexps,
        "verification_keys": [vo["public_key"] for vo in voutputs],
    }


def decryption_key_open(group: Group[E], seed: str, dkey: str) -> int:
    """A member's decryption key S_j from its voutput's private_key (the .dkey the server hands back at tally)."""
    keys = member_keys(group, seed)
    value = receive(group, keys, keys.vk, dkey, "decryption key")
    if not isinstance(value, dict) or set(value) != {"decryption_key"}:
        raise ThresholdError("expected {decryption_key}")
    return group.parse_scalar(str(value["decryption_key"]))
