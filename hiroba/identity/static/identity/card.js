/* Hiroba card client for the test rig's virtual My Number Card.
 *
 * It does in the browser what the card does for a real client: the PIN unlocks the private key locally (it is never
 * sent anywhere), and the key signs SHA-256(origin) || SHA-256(nonce) with RSASSA-PKCS1-v1_5 / SHA-256. The origin is
 * the page's own (location.origin), as in Web eID: the server rebuilds the same bytes from its own state.
 * A native card client would fill the same hidden fields.
 */
(function () {
  "use strict";

  const enc = new TextEncoder();

  function b64ToBytes(text) {
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64(buffer) {
    const bytes = new Uint8Array(buffer);
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin);
  }

  async function sha256(text) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(text)));
  }

  async function unwrapKey(wrapped, secret) {
    const base = await crypto.subtle.importKey("raw", enc.encode(secret), "PBKDF2", false, ["deriveKey"]);
    const aes = await crypto.subtle.deriveKey(
      { name: "PBKDF2", hash: "SHA-256", salt: b64ToBytes(wrapped.salt), iterations: wrapped.iterations },
      base, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
    let pkcs8;
    try {
      pkcs8 = await crypto.subtle.decrypt({ name: "AES-GCM", iv: b64ToBytes(wrapped.iv) }, aes, b64ToBytes(wrapped.data));
    } catch (e) {
      throw new Error("secret");
    }
    return crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  }

  async function readCard(input) {
    const file = input.files && input.files[0];
    if (!file) throw new Error("file");
    const card = JSON.parse(await file.text());
    if (card.format !== "hiroba-virtual-card/1") throw new Error("file");
    return card;
  }

  async function sign(form) {
    const card = await readCard(form.querySelector("[data-card-file]"));
    const nonce = form.querySelector("input[name=nonce]").value;
    const data = new Uint8Array(64);
    data.set(await sha256(location.origin), 0);
    data.set(await sha256(nonce), 32);
    for (const secret of form.querySelectorAll("[data-card-key]")) {
      const which = secret.dataset.cardKey;
      const key = await unwrapKey(card[which].key, which === "sign" ? secret.value.toUpperCase() : secret.value);
      const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, data);
      form.querySelector(`[data-card-certificate=${which}]`).value = card[which].certificate;
      form.querySelector(`[data-card-signature=${which}]`).value = bytesToB64(signature);
    }
    const token = form.querySelector("input[name=token]");
    if (token) token.value = card.token;
  }

  function showError(form, message) {
    const box = form.querySelector("[data-card-error]");
    box.textContent = message;
    box.hidden = false;
    box.focus();
  }

  for (const form of document.querySelectorAll("form[data-card-form]")) {
    form.querySelector("[data-card-nojs]")?.remove();
    form.querySelector("[data-card-controls]").hidden = false;
    form.addEventListener("submit", async (event) => {
      if (form.dataset.signed === "yes") return;
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await sign(form);
        form.dataset.signed = "yes";
        for (const secret of form.querySelectorAll("[data-card-key]")) secret.value = "";
        form.submit();
      } catch (e) {
        const reason = e.message === "secret" ? "msgSecret" : e.message === "file" ? "msgFile" : "msgFailed";
        showError(form, form.dataset[reason]);
        button.disabled = false;
      }
    });
  }
})();
