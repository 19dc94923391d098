/* Passkey ceremonies (WebAuthn) for the sign-in, invitation and passkey pages.
 *
 * Loaded with <script defer> (the CSP allows scripts from this server only). Each <form data-passkey="authenticate">
 * or <form data-passkey="register"> asks its data-options-url for options (JSON, as py_webauthn writes them), runs
 * navigator.credentials.get() or .create(), and posts the credential as JSON to the form's action together with the
 * form's other fields (`next`, `name`). The CSRF token comes from the form's own csrfmiddlewaretoken input.
 * Without JavaScript the forms stay hidden and the page explains that passkeys need it.
 */
(function () {
  "use strict";

  function toBase64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i += 1) {
      text += String.fromCharCode(bytes[i]);
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromBase64url(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const text = atob(base64 + "===".slice((base64.length + 3) % 4));
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i += 1) {
      bytes[i] = text.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return Object.assign({}, d, { id: fromBase64url(d.id) });
    });
  }

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      user: Object.assign({}, json.user, { id: fromBase64url(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: fromBase64url(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try {
        return credential.toJSON();
      } catch (ignored) {
        // some password managers hand back objects whose toJSON throws: encode by hand below
      }
    }
    const r = credential.response;
    const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) {
        response.userHandle = toBase64url(r.userHandle);
      }
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
  }

  function ServerRefusal(body, status) {
    this.body = body;
    this.status = status;
  }

  async function post(form, url, payload) {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": token ? token.value : "",
      },
      body: JSON.stringify(payload),
    });
    let body = null;
    try {
      body = await response.json();
    } catch (ignored) {
      body = null;
    }
    if (!response.ok) {
      throw new ServerRefusal(body, response.status);
    }
    return body;
  }

  function describe(form, error) {
    if (error instanceof ServerRefusal && error.body && error.body.message) {
      const english = (document.documentElement.lang || "").slice(0, 2) === "en";
      const text = english ? error.body.message.en : error.body.message.ja;
      return text + " (" + error.body.code + ")";
    }
    if (error && (error.name === "NotAllowedError" || error.name === "AbortError")) {
      return form.dataset.msgCancelled;
    }
    return form.dataset.msgFailed;
  }

  function show(form, selector, text, className) {
    const element = form.querySelector(selector);
    if (!element) {
      return;
    }
    element.textContent = text;
    element.className = text ? className : "";
  }

  function fields(form) {
    const values = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") {
        values[name] = value;
      }
    });
    return values;
  }

  async function run(form, button) {
    if (button.disabled) {
      return;
    }
    button.disabled = true;
    show(form, "[data-passkey-error]", "", "");
    show(form, "[data-passkey-status]", form.dataset.msgWaiting, "meta");
    try {
      const options = await post(form, form.dataset.optionsUrl, {});
      const credential =
        form.dataset.passkey === "register"
          ? await navigator.credentials.create({ publicKey: creationOptions(options) })
          : await navigator.credentials.get({ publicKey: requestOptions(options) });
      const payload = Object.assign(fields(form), { credential: credentialJSON(credential) });
      const result = await post(form, form.getAttribute("action"), payload);
      window.location.assign(result.redirect);
    } catch (error) {
      show(form, "[data-passkey-status]", "", "");
      show(form, "[data-passkey-error]", describe(form, error), "notice error");
      button.disabled = false;
    }
  }

  function init() {
    const supported = typeof window.PublicKeyCredential === "function" && Boolean(navigator.credentials);
    document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
      if (supported) {
        note.hidden = true;
      } else {
        note.textContent = note.dataset.msgUnsupported;
      }
    });
    if (!supported) {
      return;
    }
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      const button = form.querySelector("[data-passkey-start]");
      form.hidden = false;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        run(form, button);
      });
      if (button.type === "button") {
        button.addEventListener("click", function () {
          run(form, button);
        });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
