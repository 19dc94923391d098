// The time-out warning (WCAG 2.2.1): two minutes before a signed-in session would end for want of use, a dialog
// offers to stay signed in. Without JavaScript the session simply ends, as before; the server decides either way.
(function () {
  "use strict";
  var dialog = document.getElementById("session-warning");
  if (!dialog || typeof dialog.showModal !== "function") return;
  var WARN_BEFORE = 120; // seconds
  var timer = null;

  function schedule(secondsLeft) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(function () {
      if (!dialog.open) dialog.showModal();
    }, Math.max(0, secondsLeft - WARN_BEFORE) * 1000);
  }

  function stay() {
    var token = dialog.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(dialog.dataset.extend, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        schedule(answer.idle_seconds_left);
      })
      .catch(function () {
        window.location.reload(); // the session has ended already: the page leads to signing in again
      });
  }

  dialog.addEventListener("close", function () {
    if (dialog.returnValue === "stay") stay();
  });
  // a request made in the page (htmx) counts as use, as it does on the server
  document.body.addEventListener("htmx:afterRequest", function () {
    schedule(Number(dialog.dataset.idleLeft));
  });
  schedule(Number(dialog.dataset.idleLeft));
})();
