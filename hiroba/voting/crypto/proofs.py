"""ElGamal and the Σ-protocol proofs of the Belenios specification 2.0 (sections 4.5, 4.6.1, 4.11–4.14, 4.18).

Every proof is (challenge, response) with the commitment recomputed as g^response · X^challenge, so
`response = w - secret · challenge mod q`. The Fiat–Shamir hashes take verbatim prefixes and group elements in
the group's serialisation (`Group.to_str`), joined by "|" and "," exactly as the specification writes them:

    pok|G|X|A                     trustee public key proof (G = the election's group name)
    sigmsg|M|A                    signed messages of threshold trustees (certificates, coefficients)
    sig|H|A                       ballot signature with the voter's credential (H = ballot hash)
    prove|S|α,β|A0,B0,…,Ak,Bk     interval membership (individual and overall proofs)
    bproof0|S|A0,B0,AΣ,BΣ         blank_proof  (m0 = 0 ∨ mΣ = 0)
    bproof1|S|A0,B0,…,Ak,Bk       overall_proof of a blank-allowed question (m0 = 1 ∨ mΣ ∈ [min, max])
    decrypt|φ|X|A,B               partial decryption factor
"""

# The proof functions take their arguments positionally in the specification's order (group, key, prefix,
# ciphertexts, proofs), which reads like the formulas they implement.
# ruff: noqa: PLR0917

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic

from hiroba.voting.crypto.groups import E, Group


@dataclass(frozen=True, slots=True)
class Proof:
    challenge: int
    response: int


@dataclass(frozen=True, slots=True)
class Ciphertext(Generic[E]):
    alpha: E
    beta: E


# --- ElGamal -----------------------------------------------------------------------------------------------


def elgamal_encrypt(group: Group[E], y: E, m: int, r: int) -> Ciphertext[E]:
    """(g^r, y^r · g^m): the exponential ElGamal of the specification (m is a small integer)."""
    return Ciphertext(group.g_pow(r), group.mul(group.pow(y, r), group.g_pow(m)))


def ciphertext_mul(group: Group[E], a: Ciphertext[E], b: Ciphertext[E]) -> Ciphertext[E]:
    return Ciphertext(group.mul(a.alpha, b.alpha), group.mul(a.beta, b.beta))


def ciphertext_pow(group: Group[E], a: Ciphertext[E], n: int) -> Ciphertext[E]:
    return Ciphertext(group.pow(a.alpha, n), group.pow(a.beta, n))


def ciphertext_str(group: Group[E], c: Ciphertext[E]) -> str:
    return f"{group.to_str(c.alpha)},{group.to_str(c.beta)}"


# --- Schnorr-style proofs of knowledge ----------------------------------------------------------------------


def _schnorr_prove(group: Group[E], secret: int, hash_of_commitment: _CommitmentHash[E]) -> Proof:
    w = group.random_scalar()
    challenge = hash_of_commitment(group.g_pow(w))
    return Proof(challenge, (w - secret * challenge) % group.q)


class _CommitmentHash(Generic[E]):
    def __init__(self, group: Group[E], template: str) -> None:
        self._group = group
        self._template = template

    def __call__(self, commitment: E) -> int:
        return self._group.hash_to_scalar(self._template.replace("\x00", self._group.to_str(commitment)))


def _schnorr_verify(group: Group[E], public: E, proof: Proof, hash_of_commitment: _CommitmentHash[E]) -> bool:
    if not (0 <= proof.challenge < group.q and 0 <= proof.response < group.q):
        return False
    commitment = group.g_pow_mul(proof.response, public, proof.challenge)
    return hash_of_commitment(commitment) == proof.challenge


def pok_prove(group: Group[E], x: int) -> Proof:
    """Proof of knowledge of the trustee private key x (section 4.5)."""
    public = group.g_pow(x)
    return _schnorr_prove(group, x, _CommitmentHash(group, f"pok|{group.name}|{group.to_str(public)}|\x00"))


def pok_verify(group: Group[E], public: E, proof: Proof) -> bool:
    return _schnorr_verify(
        group, public, proof, _CommitmentHash(group, f"pok|{group.name}|{group.to_str(public)}|\x00")
    )


def sigmsg_sign(group: Group[E], sk: int, message: str) -> Proof:
    """Signature of a threshold trustee's message (section 4.6.1)."""
    return _schnorr_prove(group, sk, _CommitmentHash(group, f"sigmsg|{message}|\x00"))


def sigmsg_verify(group: Group[E], vk: E, message: str, proof: Proof) -> bool:
    return _schnorr_verify(group, vk, proof, _CommitmentHash(group, f"sigmsg|{message}|\x00"))


def ballot_sign(group: Group[E], credential_secret: int, ballot_hash: str) -> Proof:
    """The ballot signature with the voter's credential (section 4.14); ballot_hash is HJSON of the ballot."""
    return _schnorr_prove(group, credential_secret, _CommitmentHash(group, f"sig|{ballot_hash}|\x00"))


def ballot_signature_verify(group: Group[E], credential: E, ballot_hash: str, proof: Proof) -> bool:
    return _schnorr_verify(group, credential, proof, _CommitmentHash(group, f"sig|{ballot_hash}|\x00"))


# --- Interval membership (section 4.12) --------------------------------------------------------------------


def _check_ranges(group: Group[E], proofs: Sequence[Proof]) -> bool:
    return all(0 <= p.challenge < group.q and 0 <= p.response < group.q for p in proofs)


def _commit_pair(group: Group[E], y: E, ct_alpha: E, beta_over: E, proof: Proof) -> tuple[E, E]:
    """A = g^response · α^challenge and B = y^response · (β/g^M)^challenge."""
    a = group.g_pow_mul(proof.response, ct_alpha, proof.challenge)
    b = group.mul(group.pow(y, proof.response), group.pow(beta_over, proof.challenge))
    return a, b


def iprove(
    group: Group[E], y: E, prefix: str, ct: Ciphertext[E], r: int, index: int, values: Sequence[int]
) -> list[Proof]:
    """Proof that ct encrypts values[index] with randomness r, among `values` (iprove of the specification)."""
    q = group.q
    proofs: list[Proof | None] = []
    commitments: list[E] = []
    w = group.random_scalar()
    for j, m in enumerate(values):
        if j == index:
            proofs.append(None)
            commitments += [group.g_pow(w), group.pow(y, w)]
        else:
            proof = Proof(group.random_scalar(), group.random_scalar())
            proofs.append(proof)
            commitments += list(_commit_pair(group, y, ct.alpha, group.div(ct.beta, group.g_pow(m)), proof))
    total = _iprove_hash(group, prefix, ct, commitments)
    challenge = (total - sum(p.challenge for p in proofs if p is not None)) % q
    proofs[index] = Proof(challenge, (w - r * challenge) % q)
    return [p for p in proofs if p is not None]


def _iprove_hash(group: Group[E], prefix: str, ct: Ciphertext[E], commitments: list[E]) -> int:
    return group.hash_to_scalar(f"prove|{prefix}|{ciphertext_str(group, ct)}|{group.join(commitments)}")


def iproof_verify(
    group: Group[E], y: E, prefix: str, ct: Ciphertext[E], proofs: Sequence[Proof], values: Sequence[int]
) -> bool:
    if len(proofs) != len(values) or not _check_ranges(group, proofs):
        return False
    commitments: list[E] = []
    for proof, m in zip(proofs, values, strict=True):
        commitments += list(_commit_pair(group, y, ct.alpha, group.div(ct.beta, group.g_pow(m)), proof))
    return _iprove_hash(group, prefix, ct, commitments) == sum(p.challenge for p in proofs) % group.q


# --- Possibly-blank votes (section 4.13) -------------------------------------------------------------------


def blank_proof_verify(
    group: Group[E], y: E, prefix: str, ct0: Ciphertext[E], ct_sum: Ciphertext[E], proofs: Sequence[Proof]
) -> bool:
    """blank_proof: m0 = 0 ∨ mΣ = 0."""
    if len(proofs) != 2 or not _check_ranges(group, proofs):  # noqa: PLR2004 - a couple of proofs
        return False
    a0, b0 = _commit_pair(group, y, ct0.alpha, ct0.beta, proofs[0])
    a_s, b_s = _commit_pair(group, y, ct_sum.alpha, ct_sum.beta, proofs[1])
    expected = group.hash_to_scalar(f"bproof0|{prefix}|{group.join([a0, b0, a_s, b_s])}")
    return expected == (proofs[0].challenge + proofs[1].challenge) % group.q


def overall_blank_proof_verify(
    group: Group[E],
    y: E,
    prefix: str,
    ct0: Ciphertext[E],
    ct_sum: Ciphertext[E],
    proofs: Sequence[Proof],
    minimum: int,
    maximum: int,
) -> bool:
    """overall_proof of a blank-allowed question: m0 = 1 ∨ mΣ ∈ [min, max]."""
    values = list(range(minimum, maximum + 1))
    if len(proofs) != len(values) + 1 or not _check_ranges(group, proofs):
        return False
    commitments = list(_commit_pair(group, y, ct0.alpha, group.div(ct0.beta, group.g), proofs[0]))
    for proof, m in zip(proofs[1:], values, strict=True):
        commitments += list(_commit_pair(group, y, ct_sum.alpha, group.div(ct_sum.beta, group.g_pow(m)), proof))
    expected = group.hash_to_scalar(f"bproof1|{prefix}|{group.join(commitments)}")
    return expected == sum(p.challenge for p in proofs) % group.q


def blank_proofs_prove(
    group: Group[E],
    y: E,
    prefix: str,
    ct0: Ciphertext[E],
    r0: int,
    ct_sum: Ciphertext[E],
    r_sum: int,
    m_sum: int,
    minimum: int,
    maximum: int,
    *,
    blank: bool,
) -> tuple[list[Proof], list[Proof]]:
    """(blank_proof, overall_proof) for a blank-allowed answer; `blank` says whether m0 = 1 (then m_sum = 0)."""
    q = group.q
    rnd = group.random_scalar
    # blank_proof: the true branch is m0 = 0 (non-blank) or mΣ = 0 (blank).
    fake = Proof(rnd(), rnd())
    w = rnd()
    fake_ct, true_r = (ct0, r_sum) if blank else (ct_sum, r0)
    fa, fb = _commit_pair(group, y, fake_ct.alpha, fake_ct.beta, fake)
    ta, tb = group.g_pow(w), group.pow(y, w)
    pieces = [fa, fb, ta, tb] if blank else [ta, tb, fa, fb]
    total = group.hash_to_scalar(f"bproof0|{prefix}|{group.join(pieces)}")
    true = Proof((total - fake.challenge) % q, 0)
    true = Proof(true.challenge, (w - true_r * true.challenge) % q)
    blank_proof = [fake, true] if blank else [true, fake]

    values = list(range(minimum, maximum + 1))
    true_index = 0 if blank else 1 + values.index(m_sum)
    proofs: list[Proof | None] = []
    commitments: list[E] = []
    w = rnd()
    for j in range(len(values) + 1):
        if j == true_index:
            proofs.append(None)
            commitments += [group.g_pow(w), group.pow(y, w)]
            continue
        proof = Proof(rnd(), rnd())
        proofs.append(proof)
        if j == 0:
            commitments += list(_commit_pair(group, y, ct0.alpha, group.div(ct0.beta, group.g), proof))
        else:
            beta_over = group.div(ct_sum.beta, group.g_pow(values[j - 1]))
            commitments += list(_commit_pair(group, y, ct_sum.alpha, beta_over, proof))
    total = group.hash_to_scalar(f"bproof1|{prefix}|{group.join(commitments)}")
    challenge = (total - sum(p.challenge for p in proofs if p is not None)) % q
    secret = r0 if blank else r_sum
    proofs[true_index] = Proof(challenge, (w - secret * challenge) % q)
    return blank_proof, [p for p in proofs if p is not None]


# --- Partial decryption (section 4.18) ---------------------------------------------------------------------


def decryption_factor_prove(group: Group[E], fingerprint: str, x: int, alpha: E) -> tuple[E, Proof]:
    """(alpha^x, proof) for a trustee with private key x."""
    public = group.g_pow(x)
    w = group.random_scalar()
    a, b = group.g_pow(w), group.pow(alpha, w)
    challenge = _decrypt_hash(group, fingerprint, public, a, b)
    return group.pow(alpha, x), Proof(challenge, (w - x * challenge) % group.q)


def _decrypt_hash(group: Group[E], fingerprint: str, public: E, a: E, b: E) -> int:
    return group.hash_to_scalar(f"decrypt|{fingerprint}|{group.to_str(public)}|{group.to_str(a)},{group.to_str(b)}")


def decryption_factor_verify(group: Group[E], fingerprint: str, public: E, alpha: E, factor: E, proof: Proof) -> bool:
    if not _check_ranges(group, [proof]):
        return False
    a = group.g_pow_mul(proof.response, public, proof.challenge)
    b = group.mul(group.pow(alpha, proof.response), group.pow(factor, proof.challenge))
    return _decrypt_hash(group, fingerprint, public, a, b) == proof.challenge
