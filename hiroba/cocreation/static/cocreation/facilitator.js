/* The facilitator view, live (progressive enhancement).
 *
 * Without this file the page reloads itself every few seconds (a <meta http-equiv="refresh"> inside <noscript>) and
 * the timer shows the time left at that moment. With it, the live part of the page ([data-live-region]) is fetched
 * again in the background and swapped in place — so new idea cards appear without the page jumping — and the
 * presenter's timer counts down every second, turning to "over time" when the time is up. A "full screen" button is
 * added for the projector.
 */
(function () {
  "use strict";

  const root = document.getElementById("facilitator");
  if (!root) {
    return;
  }
  const every = Math.max(3, parseInt(root.dataset.live, 10) || 10) * 1000;
  let started = Date.now();

  function clock(seconds) {
    const left = Math.abs(seconds);
    const minutes = Math.floor(left / 60);
    const rest = String(left % 60).padStart(2, "0");
    return minutes + ":" + rest;
  }

  function tick() {
    const timer = root.querySelector("[data-timer]");
    if (!timer) {
      return;
    }
    const remaining = parseInt(timer.dataset.remaining, 10) - Math.floor((Date.now() - started) / 1000);
    const over = remaining < 0;
    timer.classList.toggle("overtime", over);
    timer.textContent = (over ? timer.dataset.msgOvertime + " " : "") + clock(remaining);
  }

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live-region]");
        const current = root.querySelector("[data-live-region]");
        if (fresh && current && fresh.innerHTML !== current.innerHTML) {
          const focused = document.activeElement && document.activeElement.closest("[data-live-region]");
          if (!focused) {
            current.replaceWith(document.importNode(fresh, true));
            started = Date.now();
          }
        }
        tick();
      })
      .catch(function () { /* the next round tries again */ });
  }

  if (root.requestFullscreen) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary fac-fullscreen";
    button.textContent = root.dataset.msgFullscreen;
    button.addEventListener("click", function () { root.requestFullscreen(); });
    root.appendChild(button);
  }

  tick();
  window.setInterval(tick, 1000);
  window.setInterval(refresh, every);
})();
