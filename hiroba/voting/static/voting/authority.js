/* The credential authority's letters (authority.html), generated in this browser.
 *
 * One credential per voter is generated here (belenios.js: 15 Base58 characters with a checksum) and written into
 * that voter's letter for printing. Only after the authority confirms that the letters are printed are the public
 * credentials computed, shuffled (so that their order says nothing about the voter list) and posted with their
 * weights as a JSON list ["credential,weight", …], in parts of CHUNK; the private credentials are then removed from
 * the page. Nothing private is sent or stored: not in a request, not in storage.
 *
 * Without JavaScript the page tells the authority to use `hiroba voting credentials` instead.
 */
import { credentialGenerate, credentialPublic } from "./belenios.js";

const CHUNK = 1000;

function shuffle(items) {
  const word = new Uint32Array(1);
  for (let i = items.length - 1; i > 0; i--) {
    const range = i + 1;
    const limit = Math.floor(0x100000000 / range) * range; // rejection sampling: no modulo bias
    do {
      globalThis.crypto.getRandomValues(word);
    } while (word[0] >= limit);
    const j = word[0] % range;
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function init(root) {
  const letters = document.querySelector("[data-letters]");
  const generate = root.querySelector("[data-generate]");
  const print = root.querySelector("[data-print]");
  const confirm = root.querySelector("[data-confirm]");
  const register = root.querySelector("[data-register]");
  const status = root.querySelector("[data-status]");
  const problem = root.querySelector("[data-problem]");
  const token = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const msg = root.dataset;
  let issued = null; // [{credential, weight}] while the letters are on the page
  let pending = null; // public credentials not yet registered (kept for a retry after a failure)

  document.querySelectorAll("[data-nojs]").forEach((element) => { element.hidden = true; });
  root.hidden = false;

  function fail(text) {
    problem.textContent = text;
    problem.hidden = false;
    problem.focus();
  }

  generate.addEventListener("click", () => {
    issued = [];
    for (const letter of letters.querySelectorAll("[data-letter]")) {
      const credential = credentialGenerate();
      letter.querySelector("[data-credential]").textContent = credential;
      issued.push({ credential, weight: Number(letter.dataset.weight) });
    }
    letters.hidden = false;
    generate.disabled = true;
    print.disabled = false;
    confirm.disabled = false;
    register.disabled = false;
    status.textContent = msg.msgGenerated;
  });

  print.addEventListener("click", () => window.print());

  register.addEventListener("click", async () => {
    problem.hidden = true;
    problem.textContent = "";
    if (issued === null) return;
    if (!confirm.checked) {
      fail(msg.msgConfirm);
      return;
    }
    register.disabled = true;
    confirm.disabled = true;
    try {
      if (pending === null) {
        status.textContent = msg.msgComputing;
        const lines = [];
        for (const { credential, weight } of issued) {
          lines.push(`${await credentialPublic(msg.group, credential, msg.uuid)},${weight}`);
        }
        pending = shuffle(lines);
      }
      status.textContent = msg.msgSending;
      let total = 0;
      while (pending.length > 0) {
        const part = pending.slice(0, CHUNK);
        const response = await fetch(msg.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
          body: JSON.stringify(part),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(body.line || `HTTP ${response.status}`);
        pending = pending.slice(part.length);
        total = body.total;
      }
      for (const element of letters.querySelectorAll("[data-credential]")) element.textContent = "";
      letters.hidden = true;
      issued = null;
      pending = null;
      print.disabled = true;
      status.textContent = msg.msgDone.replace("%(total)s", String(total));
    } catch (error) {
      register.disabled = false;
      confirm.disabled = false;
      status.textContent = "";
      fail(`${msg.msgFailed} ${error.message}`);
    }
  });
}

const root = document.querySelector("[data-authority]");
if (root) init(root);
