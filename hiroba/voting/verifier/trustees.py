"""Checks of the trustees' published material (specification 2.0, sections 4.5–4.7) and the Lagrange coefficients
of threshold decryption, shared by the verifier and the server's registration of trustees. Free of Django."""

from __future__ import annotations

from typing import Any

from hiroba.voting.crypto.groups import Group, GroupError
from hiroba.voting.crypto.proofs import Proof, pok_verify, sigmsg_verify
from hiroba.voting.formats.archive import ArchiveError, json_loads


class Failed(Exception):
    """A check failed in a way that makes the later checks meaningless."""


def proof_parsed(group: Group[Any], value: Any) -> Proof:
    """A {challenge, response} proof (two numbers written as strings); GroupError when malformed."""
    if not isinstance(value, dict) or set(value) != {"challenge", "response"}:
        raise GroupError("expected a proof {challenge, response}")
    if not isinstance(value["challenge"], str) or not isinstance(value["response"], str):
        raise GroupError("a proof holds two numbers as strings")
    return Proof(group.parse_scalar(value["challenge"]), group.parse_scalar(value["response"]))


def trustee_public_key(group: Group[Any], value: Any, where: str) -> Any:
    if not isinstance(value, dict) or set(value) != {"pok", "public_key"}:
        raise Failed(f"{where}: expected a trustee_public_key {{pok, public_key}}")
    key = group.parse(value["public_key"])
    if not pok_verify(group, key, proof_parsed(group, value["pok"])):
        raise Failed(f"{where}: invalid proof of knowledge of the private key")
    return key


def signed_message(group: Group[Any], value: Any, vk: Any, where: str) -> Any:
    if not isinstance(value, dict) or set(value) != {"message", "signature"} or not isinstance(value["message"], str):
        raise Failed(f"{where}: expected a signed_msg {{message, signature}}")
    if vk is not None and not sigmsg_verify(group, vk, value["message"], proof_parsed(group, value["signature"])):
        raise Failed(f"{where}: invalid signature")
    try:
        return json_loads(value["message"].encode())
    except ArchiveError as exc:
        raise Failed(f"{where}: {exc}") from exc


def pedersen_checked(group: Group[Any], value: Any, where: str) -> tuple[Any, list[Any], int]:
    if not isinstance(value, dict) or set(value) != {"threshold", "certs", "coefexps", "verification_keys"}:
        raise Failed(f"{where}: expected threshold_parameters {{threshold, certs, coefexps, verification_keys}}")
    certs, coefexps, vks = value["certs"], value["coefexps"], value["verification_keys"]
    threshold = value["threshold"]
    m = len(certs) if isinstance(certs, list) else -1
    if not (isinstance(coefexps, list) and isinstance(vks, list) and m == len(coefexps) == len(vks) and m > 0):
        raise Failed(f"{where}: certs, coefexps and verification_keys must have the same length")
    if not isinstance(threshold, int) or isinstance(threshold, bool) or not 1 <= threshold <= m:
        raise Failed(f"{where}: threshold must be between 1 and {m}")
    verification = []
    for i, cert in enumerate(certs):
        message = signed_message(group, cert, None, f"{where}.certs[{i}]")
        if not isinstance(message, dict) or "verification" not in message or "encryption" not in message:
            raise Failed(f"{where}.certs[{i}]: the message is not a cert_keys structure")
        vk = group.parse(message["verification"])
        group.parse(message["encryption"])
        signed_message(group, cert, vk, f"{where}.certs[{i}]")
        verification.append(vk)
    commitments: list[list[Any]] = []
    for i, signed in enumerate(coefexps):
        message = signed_message(group, signed, verification[i], f"{where}.coefexps[{i}]")
        if not isinstance(message, dict) or set(message) != {"coefexps"} or len(message["coefexps"]) != threshold:
            raise Failed(f"{where}.coefexps[{i}]: expected {threshold} coefficient commitments")
        commitments.append([group.parse(a) for a in message["coefexps"]])
    keys = []
    for j, vk_value in enumerate(vks, start=1):
        key = trustee_public_key(group, vk_value, f"{where}.verification_keys[{j - 1}]")
        expected = group.prod(
            [group.pow(a_ik, pow(j, k, group.q)) for a_i in commitments for k, a_ik in enumerate(a_i)]
        )
        if key != expected:
            raise Failed(f"{where}.verification_keys[{j - 1}]: does not match the trustees' coefficient commitments")
        keys.append(key)
    return group.prod([a_i[0] for a_i in commitments]), keys, threshold


def lagrange(index: int, indexes: list[int], q: int) -> int:
    """λ = Π_{k ≠ index} k / (k - index) mod q (interpolation at 0)."""
    numerator, denominator = 1, 1
    for k in indexes:
        if k != index:
            numerator = numerator * k % q
            denominator = denominator * (k - index) % q
    return numerator * pow(denominator, -1, q) % q
