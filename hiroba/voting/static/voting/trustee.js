// The trustee's link page (voting/trustee.html): make the key pair in this browser and save the private key as a
// file, then post only the public key; after the poll closes, read the private key file back, check it is the
// registered one, compute the partial decryption and post only that. The private key is never put in a form
// field and never leaves the browser. Also the committee's "copy the link" button (voting/committee_trustees.html).

function show(element) {
  if (element) element.hidden = false;
}

function say(root, text) {
  root.querySelector("[data-problem]").textContent = "";
  root.querySelector("[data-status]").textContent = text;
}

function complain(root, text) {
  root.querySelector("[data-status]").textContent = "";
  root.querySelector("[data-problem]").textContent = text;
}

function library(root) {
  return import(root.dataset.belenios);
}

function readText(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(file);
  });
}

function setUpKeygen(root) {
  const generate = root.querySelector("[data-keygen]");
  const download = root.querySelector("[data-download]");
  const saved = root.querySelector("[data-saved]");
  const register = root.querySelector("[data-register]");
  const field = root.querySelector("[data-public-key-field]");
  let objectUrl = null;

  generate.addEventListener("click", async () => {
    generate.disabled = true;
    say(root, root.dataset.msgWorking);
    try {
      const { trusteeKeygen } = await library(root);
      const { privateKey, publicKey } = await trusteeKeygen(root.dataset.group);
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(new Blob([privateKey], { type: "application/json" }));
      download.href = objectUrl;
      download.download = `${root.dataset.uuid}-trustee-${root.dataset.number}.privkey`;
      show(download.closest("[data-download-row]"));
      field.value = publicKey;
      saved.disabled = false;
      saved.checked = false;
      register.disabled = true;
      say(root, root.dataset.msgGenerated);
      download.focus();
    } catch (error) {
      generate.disabled = false;
      complain(root, `${root.dataset.msgFailed} (${error.message})`);
    }
  });
  saved.addEventListener("change", () => {
    register.disabled = !(saved.checked && field.value);
  });
}

function setUpDecrypt(root) {
  const input = root.querySelector("[data-private-key]");
  const decrypt = root.querySelector("[data-decrypt]");
  const publish = root.querySelector("[data-publish]");
  const field = root.querySelector("[data-decryption-field]");

  input.addEventListener("change", () => {
    field.value = "";
    publish.disabled = true;
  });
  decrypt.addEventListener("click", async () => {
    const file = input.files && input.files[0];
    if (!file) {
      complain(root, root.dataset.msgChoose);
      input.focus();
      return;
    }
    decrypt.disabled = true;
    say(root, root.dataset.msgWorking);
    try {
      const { partialDecryption, publicKeyOf } = await library(root);
      const privateKey = (await readText(file)).trim();
      let mine;
      try {
        mine = publicKeyOf(root.dataset.group, privateKey);
      } catch {
        complain(root, root.dataset.msgNotKey);
        return;
      }
      if (mine !== root.dataset.publicKey) {
        complain(root, root.dataset.msgWrongKey);
        return;
      }
      field.value = await partialDecryption(
        root.dataset.group,
        root.dataset.fingerprint,
        privateKey,
        root.dataset.tally,
      );
      publish.disabled = false;
      say(root, root.dataset.msgDecrypted);
      publish.focus();
    } catch (error) {
      complain(root, `${root.dataset.msgFailed} (${error.message})`);
    } finally {
      decrypt.disabled = false;
    }
  });
}

function setUpCopy(button) {
  const target = document.getElementById(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  if (!target || !navigator.clipboard) return;
  show(button.closest("[data-copy-row]"));
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(target.value);
      if (status) status.textContent = button.dataset.copied;
    } catch {
      target.select();
    }
  });
}

const root = document.querySelector("[data-trustee]");
if (root) {
  root.querySelectorAll("[data-js-only]").forEach(show);
  if (root.dataset.step === "keygen") setUpKeygen(root);
  if (root.dataset.step === "decrypt") setUpDecrypt(root);
}
document.querySelectorAll("[data-copy]").forEach(setUpCopy);
