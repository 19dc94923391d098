// Belenios 2.0 ballots, credentials and trustee operations in the browser (issue 7): the voting booth and the
// trustees' pages. An ES module without DOM access; its only dependency is the vendored @noble/curves (Ed25519).
//
// Every output is byte for byte what the server's Python writes for the same randomness (hiroba/voting/crypto/
// ballot.py, proofs.py, credentials.py and the `voting_trustee_keygen` / `voting_trustee_decrypt` commands):
// compact JSON with the specification's field order, scalars and mod-p elements in base 10, Ed25519 points as the
// 64 hex digits of their reversed 32-byte encoding. Fiat–Shamir hash inputs are built exactly as proofs.py builds
// them. Random scalars are drawn with crypto.getRandomValues (rejection sampling below q) in the same order as the
// Python code draws them; SHA-256 and PBKDF2 come from WebCrypto (a secure context: https or localhost).
//
// Speed: the prover knows every ciphertext's randomness and plaintext, so every commitment of a proof is a power
// of g and of the election key y only (α^c = g^(r·c), (β/g^M)^c = y^(r·c)·g^((m−M)·c)); with fixed-base tables
// for g and y (kept for the page's lifetime) a ballot needs no variable-base exponentiation at all.

import { ed25519 } from "../vendor/noble-curves/ed25519.js";

export const GROUPS = ["BELENIOS-2048", "RFC-3526-2048", "Ed25519"];

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const CHECKSUM_MODULUS = 53n;
const encoder = new TextEncoder();

// ------------------------------------------------------------------------------------------------ numbers

function mod(a, m) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function bitLength(n) {
  return n === 0n ? 0 : n.toString(2).length;
}

function bytesToBigInt(bytes) {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex ? BigInt("0x" + hex) : 0n;
}

function bytesToHex(bytes) {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

function parseDecimal(text, what) {
  // as groups.py _parse_decimal: ASCII digits, no leading zero, at most 1300 digits
  if (typeof text !== "string" || !/^[0-9]{1,1300}$/.test(text) || (text.length > 1 && text[0] === "0")) {
    throw new Error(`${what}: expected a non-negative integer written in base 10`);
  }
  return BigInt(text);
}

/** A uniform random integer in [0, q): crypto.getRandomValues, the top byte masked, values >= q rejected. */
function randomBelow(q) {
  const bits = bitLength(q);
  const bytes = new Uint8Array(Math.ceil(bits / 8));
  const topMask = (1 << (bits % 8 || 8)) - 1;
  for (;;) {
    globalThis.crypto.getRandomValues(bytes);
    bytes[0] &= topMask;
    const n = bytesToBigInt(bytes);
    if (n < q) return n;
  }
}

// ------------------------------------------------------------------------------------------------ hashing

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw new Error("WebCrypto is unavailable: the page must be served over https (or from localhost)");
  return s;
}

async function sha256(bytes) {
  return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

function base64Unpadded(bytes) {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/=+$/, "");
}

/** H_JSON (formats.structures.fingerprint): unpadded Base64 of the SHA-256 of the text's UTF-8 bytes. */
async function fingerprint(text) {
  return base64Unpadded(await sha256(encoder.encode(text)));
}

// ------------------------------------------------------------------------------------------------ mod-p groups

/** base^e mod p for 0 <= e, left-to-right sliding window over the exponent's bits (odd powers precomputed). */
function powMod(base, e, p) {
  if (e === 0n) return 1n;
  const bits = e.toString(2);
  const n = bits.length;
  const k = n > 512 ? 6 : n > 96 ? 5 : 3;
  const square = (base * base) % p;
  const odd = [base % p];
  for (let i = 1; i < 1 << (k - 1); i++) odd.push((odd[i - 1] * square) % p);
  let acc = null;
  let i = 0;
  while (i < n) {
    if (bits[i] === "0") {
      acc = (acc * acc) % p; // acc is set: the leading bit is 1
      i += 1;
      continue;
    }
    let j = Math.min(i + k, n);
    while (bits[j - 1] === "0") j -= 1;
    const entry = odd[(parseInt(bits.slice(i, j), 2) - 1) >> 1];
    if (acc === null) {
      acc = entry;
    } else {
      for (let t = i; t < j; t++) acc = (acc * acc) % p;
      acc = (acc * entry) % p;
    }
    i = j;
  }
  return acc;
}

/** rows[i][d] = base^(d · 2^(w·i)) mod p, so base^n is one product per w-bit digit of n (groups.py _FixedBase). */
class FixedBaseModP {
  constructor(base, p, q, w) {
    this.p = p;
    this.w = w;
    this.mask = BigInt((1 << w) - 1);
    this.wBig = BigInt(w);
    const width = Math.ceil(bitLength(q) / w);
    const size = 1 << w;
    this.rows = [];
    let power = base % p;
    for (let i = 0; i < width; i++) {
      const row = [1n, power];
      for (let d = 2; d < size; d++) row.push((row[d - 1] * power) % p);
      this.rows.push(row);
      power = (row[size - 1] * power) % p;
    }
  }

  pow(n) {
    const { p, rows, mask, wBig } = this;
    let acc = null;
    for (let i = 0; n > 0n; i++) {
      const digit = Number(n & mask);
      n >>= wBig;
      if (digit) acc = acc === null ? rows[i][digit] : (acc * rows[i][digit]) % p;
    }
    return acc === null ? 1n : acc;
  }
}

function jacobi(a, n) {
  // the Jacobi symbol (a/n) for odd n > 0
  a %= n;
  let result = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n & 7n;
      if (r === 3n || r === 5n) result = -result;
    }
    [a, n] = [n, a];
    if ((a & 3n) === 3n && (n & 3n) === 3n) result = -result;
    a %= n;
  }
  return n === 1n ? result : 0;
}

class ModPGroup {
  constructor(name, p, g, q, safePrime, window) {
    this.name = name;
    this.p = p;
    this.g = g;
    this.q = q;
    this.one = 1n;
    this.safePrime = safePrime;
    this.window = window;
    this.gTable = null;
  }

  mul(a, b) {
    return (a * b) % this.p;
  }

  pow(a, n) {
    return powMod(a, mod(n, this.q), this.p);
  }

  gPow(n) {
    if (this.gTable === null) this.gTable = new FixedBaseModP(this.g, this.p, this.q, this.window);
    return this.gTable.pow(mod(n, this.q));
  }

  fixedBase(a) {
    const table = new FixedBaseModP(a, this.p, this.q, this.window);
    return (n) => table.pow(mod(n, this.q));
  }

  isMember(a) {
    if (a < 1n || a >= this.p) return false;
    if (this.safePrime) return jacobi(a, this.p) === 1; // q = (p-1)/2: the quadratic residues
    return powMod(a, this.q, this.p) === 1n;
  }

  parse(text) {
    const value = parseDecimal(text, this.name);
    if (!this.isMember(value)) throw new Error(`not an element of ${this.name}`);
    return value;
  }

  toStr(a) {
    return a.toString(10);
  }

  equals(a, b) {
    return a === b;
  }
}

// ------------------------------------------------------------------------------------------------ Ed25519

const Point = ed25519.Point;
const ED25519_IDENTITY_HEX = "0".repeat(63) + "1"; // the encoding 01 00…00, reversed

class Ed25519Group {
  constructor() {
    this.name = "Ed25519";
    this.q = 2n ** 252n + 0x14def9dea2f79cd65812631a5cf5d3edn;
    this.g = Point.BASE;
    this.one = Point.ZERO;
  }

  mul(a, b) {
    return a.add(b);
  }

  pow(a, n) {
    n = mod(n, this.q);
    if (n === 0n || a.is0()) return Point.ZERO;
    return a.multiply(n);
  }

  gPow(n) {
    return this.pow(Point.BASE, n);
  }

  fixedBase(a) {
    if (a.is0()) return () => Point.ZERO;
    const table = Point.fromAffine(a.toAffine()); // a fresh object: noble keys its tables by the point object
    table.precompute(6, false); // 1,408 points; BASE has noble's own window of 8
    return (n) => this.pow(table, n);
  }

  parse(text) {
    if (typeof text !== "string" || !/^[0-9a-f]{64}$/.test(text)) {
      throw new Error("an Ed25519 element is 64 lowercase hexadecimal digits");
    }
    if (text === ED25519_IDENTITY_HEX) return Point.ZERO;
    const bytes = new Uint8Array(32);
    for (let i = 0; i < 32; i++) bytes[31 - i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
    let point;
    try {
      point = Point.fromBytes(bytes, false);
    } catch {
      throw new Error("not an element of the Ed25519 prime-order subgroup");
    }
    // as libsodium's crypto_core_ed25519_is_valid_point: canonical, not of small order, in the prime-order subgroup
    if (bytesToHex(point.toBytes()) !== bytesToHex(bytes) || point.isSmallOrder() || !point.isTorsionFree()) {
      throw new Error("not an element of the Ed25519 prime-order subgroup");
    }
    return point;
  }

  toStr(a) {
    return bytesToHex(a.toBytes().reverse());
  }

  equals(a, b) {
    return a.equals(b);
  }
}

// ------------------------------------------------------------------------------------------------ the groups

const BELENIOS_2048 = new ModPGroup(
  "BELENIOS-2048",
  BigInt(
    "0xa3ef2d011fefb1b6e39e568fccdffb0fb7dc7ef3a791b6862791811d21fc35f21e6d36856b428030421f514ed40bfd4c06e092a495" +
      "af8d79a2f85e0fb11c0ede07dd973f9c53e50930c6e82ac36de1ae3fb8c3aabfff12ce27a5022ddd8912d107435" +
      "012768a2cdd0a" + // split: twelve decimal digits in a row would read as an Individual Number
      "4091d8fa447f6c7ebc15a349fa318a6b4fe17d8d47e843a3e14dfa9b2162f4d7229abe93a188b46b006517d6f6747ebbb29c9ec3" +
      "099b607f18fb1a8bc858279aa8599411d998d3e3fada9e010840d082d8c31911acdd4a0e7992d0f18cc759cb5de0acf66a388255" +
      "5bc810941e021b6a4ccfa04ee4008f878affa2375e2999b44f6cef17d707301e59e0e6351e051ed9cec4157646e64f",
  ),
  BigInt(
    "0x1307c1ab5f295885d7caa3a78a42415e31fd1c5807b61fb1e781878a52230a51988b98c259597f9c5a9dfd001d26ba31d9d8976f" +
      "01d95a1c8262ee68a0e92cea541e5219e0d0d094301b894236823fe1d4bc04e29f3748aefd4f10d5b1a356a8643e673fd9d215fc" +
      "8fe5fb9cf9fdb8ea88fdb1a3381a697fdf9c2458570b06d26aef1be365fdd90165f397c6b870df8c1b9e519edcee8bb0f74b7a16" +
      "15a274ba60a7ea574a61f552d2dde0ce514e0927c4ff49b1964c4a913731ae4268d60d7f22127b6cbba44d453ac8b72fd04e0991" +
      "b7aeff04867d8724ac638f5f34100d2d47aa680d43771902743d663f42d853c041e1c91fe3823f4bcf284308f1d7e653",
  ),
  BigInt("0xadb6066a73522565f4daa0f2579db7f2f0fa90c2168bc709e20263387d55c491"),
  false,
  6, // 43 rows of 64: 2.7 k multiplications to build, 43 per power of a 256-bit exponent
);

const RFC3526_P = BigInt(
  "0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
    "83655D23DCA3AD961C62F356208552BB9ED5290770" + // split, as groups.py does
    "96966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF",
);
// 2047-bit exponents: 410 rows of 32 (13 k multiplications to build, 410 per power)
const RFC_3526_2048 = new ModPGroup("RFC-3526-2048", RFC3526_P, 2n, (RFC3526_P - 1n) / 2n, true, 5);

const ED25519 = new Ed25519Group();

const GROUP_OBJECTS = { "BELENIOS-2048": BELENIOS_2048, "RFC-3526-2048": RFC_3526_2048, Ed25519: ED25519 };

function groupByName(name) {
  if (typeof name === "string" && Object.hasOwn(GROUP_OBJECTS, name)) return GROUP_OBJECTS[name];
  throw new Error(`unsupported group ${JSON.stringify(name)} (supported: ${GROUPS.join(", ")})`);
}

function parseScalar(group, text, what) {
  const value = parseDecimal(text, what);
  if (value >= group.q) throw new Error(`${what}: scalar out of range for ${group.name}`);
  return value;
}

async function hashToScalar(group, text) {
  return mod(bytesToBigInt(await sha256(encoder.encode(text))), group.q);
}

function join(group, items) {
  return items.map((item) => group.toStr(item)).join(",");
}

// Election keys: the parsed element and its fixed-base table, kept for the page's lifetime (a few at most).
const keyCache = new Map();
const KEY_CACHE_SIZE = 4;

function electionKey(group, text) {
  const id = `${group.name}|${text}`;
  let entry = keyCache.get(id);
  if (entry === undefined) {
    const y = group.parse(text);
    entry = { y, yPow: group.fixedBase(y) };
    if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value);
    keyCache.set(id, entry);
  }
  return entry;
}

// ------------------------------------------------------------------------------------------------ credentials

/** XXX-XXX-XXX-XXX-XXX or 15 Base58 characters whose last one is the checksum 53 - c1 mod 53 (credentials.py). */
export function credentialIsWellFormed(text) {
  if (typeof text !== "string") return false;
  const raw = text.length === 19 ? text.replaceAll("-", "") : text;
  if (raw.length !== 15 || [...raw].some((ch) => !BASE58.includes(ch))) return false;
  let value = 0n;
  for (const ch of raw.slice(0, 14)) value = value * 58n + BigInt(BASE58.indexOf(ch));
  return BigInt(BASE58.indexOf(raw[14])) === mod(CHECKSUM_MODULUS - value, CHECKSUM_MODULUS);
}

/** A new private credential "XXX-XXX-XXX-XXX-XXX": 14 uniform Base58 characters and the checksum. */
export function credentialGenerate() {
  const digits = [];
  const buffer = new Uint8Array(32);
  while (digits.length < 14) {
    globalThis.crypto.getRandomValues(buffer);
    for (const b of buffer) {
      if (b < 232 && digits.length < 14) digits.push(BASE58[b % 58]); // 232 = 4 · 58: no modulo bias
    }
  }
  let value = 0n;
  for (const ch of digits) value = value * 58n + BigInt(BASE58.indexOf(ch));
  const raw = digits.join("") + BASE58[Number(mod(CHECKSUM_MODULUS - value, CHECKSUM_MODULUS))];
  return [0, 3, 6, 9, 12].map((i) => raw.slice(i, i + 3)).join("-");
}

/** PBKDF2-HMAC-SHA256(credential, salt = uuid, 1000 iterations, 32 bytes) modulo q (credentials.py). */
async function credentialSecret(group, credential, uuid) {
  const key = await subtle().importKey("raw", encoder.encode(credential), "PBKDF2", false, ["deriveBits"]);
  const bits = await subtle().deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: encoder.encode(uuid), iterations: 1000 },
    key,
    256,
  );
  return mod(bytesToBigInt(new Uint8Array(bits)), group.q);
}

/** The public credential g^secret, serialised as the election's group writes it. */
export async function credentialPublic(groupName, credential, uuid) {
  const group = groupByName(groupName);
  return group.toStr(group.gPow(await credentialSecret(group, credential, uuid)));
}

// ------------------------------------------------------------------------------------------------ the election

function parseElection(electionText) {
  const election = JSON.parse(electionText);
  if (election === null || typeof election !== "object" || Array.isArray(election)) {
    throw new Error("election: expected an object");
  }
  if (election.version !== 1) throw new Error("election: only version 1 (Belenios 2.0) is supported");
  if (typeof election.uuid !== "string" || !/^[1-9A-HJ-NP-Za-km-z]{14,}$/.test(election.uuid)) {
    throw new Error("election.uuid: not a Base58 string of at least 14 characters");
  }
  const group = groupByName(election.group);
  if (!Array.isArray(election.questions) || election.questions.length === 0) {
    throw new Error("election.questions: an election has at least one question");
  }
  const questions = election.questions.map((q, i) => {
    const where = `election.questions[${i}]`;
    if (q === null || typeof q !== "object" || "type" in q) {
      throw new Error(`${where}: only homomorphic questions are supported`);
    }
    const blank = q.blank === undefined ? false : q.blank;
    const answers = q.answers;
    if (
      !Array.isArray(answers) ||
      answers.length === 0 ||
      !Number.isInteger(q.min) ||
      !Number.isInteger(q.max) ||
      typeof blank !== "boolean" ||
      !(0 <= q.min && q.min <= q.max && q.max <= answers.length)
    ) {
      throw new Error(`${where}: need 0 <= min <= max <= number of answers (> 0)`);
    }
    return { answers: answers.length, min: q.min, max: q.max, blank, width: answers.length + (blank ? 1 : 0) };
  });
  if (typeof election.public_key !== "string") throw new Error("election.public_key: expected a string");
  return { uuid: election.uuid, group, publicKey: election.public_key, questions };
}

// ------------------------------------------------------------------------------------------------ proofs

function proofJson(proof) {
  return { challenge: proof.challenge.toString(10), response: proof.response.toString(10) };
}

/** Everything a prover needs: the group, g^n and y^n (fixed-base), and fresh randomness. */
class Prover {
  constructor(group, yPow) {
    this.group = group;
    this.yPow = yPow;
  }

  rnd() {
    return randomBelow(this.group.q);
  }

  /** The ciphertext (g^r, y^r · g^m), with its randomness and plaintext kept for the proofs. */
  encrypt(m, r) {
    const { group } = this;
    return { alpha: group.gPow(r), beta: group.mul(this.yPow(r), group.gPow(BigInt(m))), r, m: BigInt(m) };
  }

  /** The commitments (g^response · α^challenge, y^response · (β/g^M)^challenge) of a simulated branch, computed
   * from the ciphertext's randomness r and plaintext m: g^(response + r·c) and y^(response + r·c) · g^((m − M)·c). */
  commitFake(ct, M, proof) {
    const { group } = this;
    const q = group.q;
    const e = mod(proof.response + ct.r * proof.challenge, q);
    return [group.gPow(e), group.mul(this.yPow(e), group.gPow(mod((ct.m - BigInt(M)) * proof.challenge, q)))];
  }

  /** iprove of proofs.py: ct encrypts values[index] with randomness ct.r. */
  async iprove(prefix, ct, index, values) {
    const { group } = this;
    const q = group.q;
    const proofs = [];
    const commitments = [];
    const w = this.rnd();
    values.forEach((m, j) => {
      if (j === index) {
        proofs.push(null);
        commitments.push(group.gPow(w), this.yPow(w));
      } else {
        const proof = { challenge: this.rnd(), response: this.rnd() };
        proofs.push(proof);
        commitments.push(...this.commitFake(ct, m, proof));
      }
    });
    const ctStr = `${group.toStr(ct.alpha)},${group.toStr(ct.beta)}`;
    const total = await hashToScalar(group, `prove|${prefix}|${ctStr}|${join(group, commitments)}`);
    let challenge = total;
    for (const p of proofs) if (p !== null) challenge -= p.challenge;
    challenge = mod(challenge, q);
    proofs[index] = { challenge, response: mod(w - ct.r * challenge, q) };
    return proofs;
  }

  /** blank_proofs_prove of proofs.py: (blank_proof, overall_proof) of a blank-allowed answer. */
  async blankProofs(prefix, ct0, ctSum, mSum, minimum, maximum, blank) {
    const { group } = this;
    const q = group.q;
    const fake = { challenge: this.rnd(), response: this.rnd() };
    let w = this.rnd();
    const [fakeCt, trueR] = blank ? [ct0, ctSum.r] : [ctSum, ct0.r];
    const [fa, fb] = this.commitFake(fakeCt, 0, fake);
    const [ta, tb] = [group.gPow(w), this.yPow(w)];
    const pieces = blank ? [fa, fb, ta, tb] : [ta, tb, fa, fb];
    const total0 = await hashToScalar(group, `bproof0|${prefix}|${join(group, pieces)}`);
    const trueChallenge = mod(total0 - fake.challenge, q);
    const truth = { challenge: trueChallenge, response: mod(w - trueR * trueChallenge, q) };
    const blankProof = blank ? [fake, truth] : [truth, fake];

    const values = [];
    for (let v = minimum; v <= maximum; v++) values.push(v);
    const trueIndex = blank ? 0 : 1 + values.indexOf(mSum);
    const proofs = [];
    const commitments = [];
    w = this.rnd();
    for (let j = 0; j < values.length + 1; j++) {
      if (j === trueIndex) {
        proofs.push(null);
        commitments.push(group.gPow(w), this.yPow(w));
        continue;
      }
      const proof = { challenge: this.rnd(), response: this.rnd() };
      proofs.push(proof);
      commitments.push(...(j === 0 ? this.commitFake(ct0, 1, proof) : this.commitFake(ctSum, values[j - 1], proof)));
    }
    const total1 = await hashToScalar(group, `bproof1|${prefix}|${join(group, commitments)}`);
    let challenge = total1;
    for (const p of proofs) if (p !== null) challenge -= p.challenge;
    challenge = mod(challenge, q);
    const secret = blank ? ct0.r : ctSum.r;
    proofs[trueIndex] = { challenge, response: mod(w - secret * challenge, q) };
    return [blankProof, proofs];
  }

  /** Schnorr proof of knowledge of `secret` with the commitment hashed as template.replace("\0", A). */
  async schnorr(secret, template) {
    const { group } = this;
    const w = this.rnd();
    const challenge = await hashToScalar(group, template.replace("\0", group.toStr(group.gPow(w))));
    return { challenge, response: mod(w - secret * challenge, group.q) };
  }
}

function product(group, cts) {
  const acc = { alpha: group.one, beta: group.one, r: 0n, m: 0n };
  for (const ct of cts) {
    acc.alpha = group.mul(acc.alpha, ct.alpha);
    acc.beta = group.mul(acc.beta, ct.beta);
    acc.r = mod(acc.r + ct.r, group.q);
    acc.m += ct.m;
  }
  return acc;
}

function checkPlaintext(question, plaintext, index) {
  if (
    !Array.isArray(plaintext) ||
    plaintext.length !== question.width ||
    plaintext.some((m) => m !== 0 && m !== 1)
  ) {
    throw new Error(`question ${index + 1}: the plaintext must have one 0/1 value per choice`);
  }
  const rest = question.blank ? plaintext.slice(1) : plaintext;
  const mSum = rest.reduce((a, b) => a + b, 0);
  const blank = question.blank && plaintext[0] === 1;
  if ((blank && mSum !== 0) || (!blank && !(question.min <= mSum && mSum <= question.max))) {
    throw new Error(`question ${index + 1}: the plaintext violates the question's constraints`);
  }
  return { blank, mSum };
}

/** answer_encrypt of ballot.py; returns the answer's JSON object and the randomness of its ciphertexts. */
async function answerEncrypt(prover, prefix, question, plaintext, index) {
  const { group } = prover;
  const { blank, mSum } = checkPlaintext(question, plaintext, index);
  const rs = plaintext.map(() => prover.rnd());
  const cts = plaintext.map((m, i) => prover.encrypt(m, rs[i]));
  const individual = [];
  for (const ct of cts) individual.push(await prover.iprove(prefix, ct, Number(ct.m), [0, 1]));
  const fullPrefix = `${prefix}|${cts.map((ct) => `${group.toStr(ct.alpha)},${group.toStr(ct.beta)}`).join(",")}`;
  const answer = {
    choices: cts.map((ct) => ({ alpha: group.toStr(ct.alpha), beta: group.toStr(ct.beta) })),
    individual_proofs: individual.map((proofs) => proofs.map(proofJson)),
  };
  if (question.blank) {
    const ctSum = product(group, cts.slice(1));
    const [blankProof, overall] = await prover.blankProofs(
      fullPrefix,
      cts[0],
      ctSum,
      mSum,
      question.min,
      question.max,
      blank,
    );
    answer.overall_proof = overall.map(proofJson);
    answer.blank_proof = blankProof.map(proofJson);
  } else {
    const values = [];
    for (let v = question.min; v <= question.max; v++) values.push(v);
    const overall = await prover.iprove(fullPrefix, product(group, cts), values.indexOf(mSum), values);
    answer.overall_proof = overall.map(proofJson);
  }
  return { answer, randomness: rs.map((r) => r.toString(10)) };
}

// ------------------------------------------------------------------------------------------------ ballots

/**
 * Encrypt, prove and sign a ballot for the election whose election.json is `electionText` (its exact text).
 * `plaintexts`: one array of 0/1 per question (a leading blank flag when the question allows blank votes).
 * Returns {ballot, tracker, audit}: the ballot's compact JSON, its tracker, and the Benaloh audit data
 * {election_hash, tracker, plaintexts: number[][], randomness: string[][]} (base-10 randomness of every ciphertext,
 * plain JSON so that another device can check it): a ballot whose audit data was revealed must never be cast.
 * Throws Error for a malformed credential, election or plaintext (wrong width, not 0/1, outside min..max).
 */
export async function ballotCreate(electionText, credential, plaintexts) {
  const election = parseElection(electionText);
  const { group } = election;
  if (!credentialIsWellFormed(credential)) throw new Error("the credential is malformed (checksum or length)");
  if (!Array.isArray(plaintexts) || plaintexts.length !== election.questions.length) {
    throw new Error(`expected ${election.questions.length} plaintexts, one per question`);
  }
  election.questions.forEach((question, i) => checkPlaintext(question, plaintexts[i], i)); // before any work
  const electionHash = await fingerprint(electionText);
  const { yPow } = electionKey(group, election.publicKey);
  const secret = await credentialSecret(group, credential, election.uuid);
  const prover = new Prover(group, yPow);
  const credentialText = group.toStr(group.gPow(secret));
  const prefix = `${electionHash}|${credentialText}`;
  const answers = [];
  const randomness = [];
  for (let i = 0; i < election.questions.length; i++) {
    const encrypted = await answerEncrypt(prover, prefix, election.questions[i], plaintexts[i], i);
    answers.push(encrypted.answer);
    randomness.push(encrypted.randomness);
  }
  const ballot = {
    election_uuid: election.uuid,
    election_hash: electionHash,
    credential: credentialText,
    answers,
  };
  const signedHash = await fingerprint(JSON.stringify(ballot));
  const signature = await prover.schnorr(secret, `sig|${signedHash}|\0`);
  ballot.signature = { hash: signedHash, proof: proofJson(signature) };
  const ballotText = JSON.stringify(ballot);
  const tracker = await fingerprint(ballotText);
  const audit = {
    election_hash: electionHash,
    tracker,
    plaintexts: plaintexts.map((p) => [...p]),
    randomness,
  };
  return { ballot: ballotText, tracker, audit };
}

/**
 * Benaloh audit: recompute every ciphertext of the ballot from the revealed randomness and plaintexts, and
 * compare. ok is false when any differs, or the ballot is for another election, or the shapes do not match.
 */
export async function ballotAudit(electionText, ballotText, audit) {
  const election = parseElection(electionText);
  const { group } = election;
  const failed = { ok: false, plaintexts: [] };
  let ballot;
  try {
    ballot = JSON.parse(ballotText);
  } catch {
    return failed;
  }
  const electionHash = await fingerprint(electionText);
  if (
    ballot === null ||
    typeof ballot !== "object" ||
    ballot.election_uuid !== election.uuid ||
    ballot.election_hash !== electionHash ||
    !Array.isArray(ballot.answers) ||
    ballot.answers.length !== election.questions.length ||
    audit === null ||
    typeof audit !== "object" ||
    !Array.isArray(audit.plaintexts) ||
    !Array.isArray(audit.randomness) ||
    audit.plaintexts.length !== election.questions.length ||
    audit.randomness.length !== election.questions.length
  ) {
    return failed;
  }
  const { yPow } = electionKey(group, election.publicKey);
  const plaintexts = audit.plaintexts.map((p) => (Array.isArray(p) ? [...p] : []));
  let ok = true;
  election.questions.forEach((question, i) => {
    const plaintext = plaintexts[i];
    const rs = audit.randomness[i];
    const choices = ballot.answers[i] && ballot.answers[i].choices;
    if (
      !Array.isArray(rs) ||
      !Array.isArray(choices) ||
      plaintext.length !== question.width ||
      rs.length !== question.width ||
      choices.length !== question.width
    ) {
      ok = false;
      return;
    }
    for (let j = 0; j < question.width; j++) {
      const m = plaintext[j];
      let r;
      try {
        r = parseScalar(group, rs[j], "randomness");
      } catch {
        ok = false;
        continue;
      }
      const choice = choices[j];
      if ((m !== 0 && m !== 1) || choice === null || typeof choice !== "object") {
        ok = false;
        continue;
      }
      const alpha = group.gPow(r);
      const beta = group.mul(yPow(r), group.gPow(BigInt(m)));
      if (group.toStr(alpha) !== choice.alpha || group.toStr(beta) !== choice.beta) ok = false;
    }
  });
  return { ok, plaintexts };
}

/** The ballot's tracker: H_JSON of its bytes (selectors.ballot_tracker). */
export async function ballotTracker(ballotText) {
  return fingerprint(ballotText);
}

// ------------------------------------------------------------------------------------------------ trustees

function privateKeyParse(group, privateKey) {
  let value;
  try {
    value = JSON.parse(privateKey);
  } catch {
    throw new Error("not a private key: invalid JSON");
  }
  if (typeof value !== "string") throw new Error("not a private key: a private key is a JSON string");
  return parseScalar(group, value, "private key");
}

/** A trustee's key pair: the private key file's content (a JSON string) and the trustee_public_key JSON. */
export async function trusteeKeygen(groupName) {
  const group = groupByName(groupName);
  const prover = new Prover(group, null);
  const x = prover.rnd();
  const publicText = group.toStr(group.gPow(x));
  const pok = await prover.schnorr(x, `pok|${group.name}|${publicText}|\0`);
  return {
    privateKey: JSON.stringify(x.toString(10)),
    publicKey: JSON.stringify({ pok: proofJson(pok), public_key: publicText }),
  };
}

/** g^x serialised, for the private key file's content `privateKey`; throws Error if the key is malformed. */
export function publicKeyOf(groupName, privateKey) {
  const group = groupByName(groupName);
  return group.toStr(group.gPow(privateKeyParse(group, privateKey)));
}

/**
 * The trustee's partial decryption of the published encrypted tally (its JSON text): the
 * {"decryption_factors", "decryption_proofs"} JSON that `hiroba voting trustee-decrypt` writes.
 */
export async function partialDecryption(groupName, electionFingerprint, privateKey, encryptedTallyText) {
  const group = groupByName(groupName);
  const x = privateKeyParse(group, privateKey);
  if (typeof electionFingerprint !== "string" || !/^[A-Za-z0-9+/]{43}$/.test(electionFingerprint)) {
    throw new Error("the election fingerprint is malformed");
  }
  const tally = JSON.parse(encryptedTallyText);
  if (!Array.isArray(tally) || tally.some((row) => !Array.isArray(row))) {
    throw new Error("the encrypted tally is malformed");
  }
  const publicText = group.toStr(group.gPow(x));
  const prover = new Prover(group, null);
  const factors = [];
  const proofs = [];
  for (const row of tally) {
    const rowFactors = [];
    const rowProofs = [];
    for (const ct of row) {
      if (ct === null || typeof ct !== "object") throw new Error("the encrypted tally is malformed");
      const alpha = group.parse(ct.alpha);
      const w = prover.rnd();
      const a = group.gPow(w);
      const b = group.pow(alpha, w);
      const text = `decrypt|${electionFingerprint}|${publicText}|${group.toStr(a)},${group.toStr(b)}`;
      const challenge = await hashToScalar(group, text);
      rowFactors.push(group.toStr(group.pow(alpha, x)));
      rowProofs.push(proofJson({ challenge, response: mod(w - x * challenge, group.q) }));
    }
    factors.push(rowFactors);
    proofs.push(rowProofs);
  }
  return JSON.stringify({ decryption_factors: factors, decryption_proofs: proofs });
}
