// The voting booth: reads the choices and the credential, encrypts and signs the ballot on this device
// (belenios.js), shows its tracker, and then either casts it (posting only the signed ballot) or audits it
// (Benaloh: reveals its randomness, checks it holds exactly the choices, and throws it away).
import { ballotAudit, ballotCreate, credentialIsWellFormed } from "./belenios.js";

const booth = document.getElementById("booth");
const choices = document.getElementById("booth-choices");
const review = document.getElementById("booth-review");
const auditResult = document.getElementById("booth-audit-result");
const status = document.getElementById("booth-status");
const credentialInput = document.getElementById("booth-credential");
const msg = booth.dataset;

let electionText = null;
let current = null; // {ballot, tracker, audit}

function fieldsets() {
  return Array.from(choices.querySelectorAll("fieldset[data-question]"));
}

function clearErrors() {
  for (const el of booth.querySelectorAll(".field-error")) el.remove();
  for (const el of booth.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const summary = document.getElementById("booth-errors");
  if (summary) summary.remove();
}

function showErrors(errors) {
  // One error summary at the top of the form (as the server-rendered pages do), each line linking to its field.
  const summary = document.createElement("div");
  summary.id = "booth-errors";
  summary.className = "notice error";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  const list = document.createElement("ul");
  for (const [target, text] of errors) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#" + target.id;
    link.textContent = text;
    item.appendChild(link);
    list.appendChild(item);
    target.setAttribute("aria-invalid", "true");
  }
  summary.appendChild(list);
  choices.prepend(summary);
  summary.focus();
}

// The plaintext of one question: 0/1 per answer, with a leading blank flag when the question allows blank.
function plaintextOf(fieldset, errors) {
  const min = Number(fieldset.dataset.min);
  const max = Number(fieldset.dataset.max);
  const blankAllowed = fieldset.dataset.blank === "1";
  const answers = Array.from(fieldset.querySelectorAll("input[data-answer]"));
  const blank = fieldset.querySelector("input[data-blank-choice]");
  const picked = answers.map((input) => (input.checked ? 1 : 0));
  const count = picked.reduce((a, b) => a + b, 0);
  const first = answers[0];
  if (!first.id) first.id = "booth-q" + fieldset.dataset.question;
  if (blank && blank.checked) {
    if (count > 0) errors.push([first, msg.msgBlankAlone]);
    return [1, ...picked.map(() => 0)];
  }
  if (count === 0 && max === 1) errors.push([first, msg.msgChoose]);
  else if (count < min) errors.push([first, msg.msgTooFew.replace("%(n)s", String(min))]);
  else if (count > max) errors.push([first, msg.msgTooMany.replace("%(n)s", String(max))]);
  return blankAllowed ? [0, ...picked] : picked;
}

function choicesText(plaintexts) {
  // Readable choices for the audit: the labels of the answers that hold a 1.
  return fieldsets().map((fieldset, i) => {
    const legend = fieldset.querySelector("legend").textContent.trim();
    const labels = Array.from(fieldset.querySelectorAll("input[data-answer]")).map((input) =>
      input.parentElement.textContent.trim(),
    );
    const values = plaintexts[i];
    const offset = fieldset.dataset.blank === "1" ? 1 : 0;
    if (offset && values[0] === 1) return legend + ": " + msg.msgBlank;
    const chosen = labels.filter((_, j) => values[j + offset] === 1);
    return legend + ": " + chosen.join(", ");
  });
}

async function electionBytes() {
  if (electionText === null) {
    const response = await fetch(msg.election, { credentials: "same-origin" });
    if (!response.ok) throw new Error("election.json: " + response.status);
    electionText = await response.text();
  }
  return electionText;
}

function show(section) {
  for (const s of [choices, review, auditResult]) s.hidden = s !== section;
  section.focus();
}

choices.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const errors = [];
  const plaintexts = fieldsets().map((fieldset) => plaintextOf(fieldset, errors));
  // The secret is derived from the dashed spelling (XXX-XXX-XXX-XXX-XXX), as on the letter: put the dashes back.
  const typed = credentialInput.value.replace(/[\s-]/g, "");
  const credential = typed.length === 15 ? typed.match(/.{3}/g).join("-") : credentialInput.value.trim();
  if (!credentialIsWellFormed(credential)) errors.push([credentialInput, msg.msgCredential]);
  if (errors.length) {
    showErrors(errors);
    return;
  }
  const button = document.getElementById("booth-encrypt");
  button.disabled = true;
  status.textContent = msg.msgWorking;
  try {
    current = await ballotCreate(await electionBytes(), credential, plaintexts);
    current.plaintexts = plaintexts;
    document.getElementById("booth-tracker").textContent = current.tracker;
    document.getElementById("booth-ballot").value = current.ballot;
    status.textContent = "";
    show(review);
  } catch (error) {
    status.textContent = msg.msgFailed;
    console.error(error);
  } finally {
    button.disabled = false;
  }
});

document.getElementById("booth-cast").addEventListener("submit", () => {
  document.getElementById("booth-cast-button").disabled = true;
});

document.getElementById("booth-change").addEventListener("click", () => {
  current = null;
  document.getElementById("booth-ballot").value = "";
  show(choices);
});

document.getElementById("booth-audit").addEventListener("click", async () => {
  const ballot = current;
  current = null;
  document.getElementById("booth-ballot").value = ""; // an audited ballot is never cast
  const outcome = await ballotAudit(await electionBytes(), ballot.ballot, ballot.audit);
  const verdict = document.getElementById("booth-audit-verdict");
  verdict.textContent = outcome.ok ? msg.msgAuditOk : msg.msgAuditBad;
  verdict.dataset.ok = outcome.ok ? "1" : "0";
  const list = document.getElementById("booth-audit-choices");
  list.replaceChildren(
    ...choicesText(outcome.plaintexts).map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }),
  );
  document.getElementById("booth-audit-data").textContent = JSON.stringify(
    { ballot: JSON.parse(ballot.ballot), audit: ballot.audit },
    null,
    1,
  );
  show(auditResult);
});

document.getElementById("booth-again").addEventListener("click", () => show(choices));

booth.hidden = false;
