/* The kiosk's balance page: a "read aloud" button with the browser's speech synthesis (progressive enhancement).
 *
 * The page works without this file: the figures are on screen and a Refresh header brings the start page back.
 * Where the browser can speak, the hidden button is shown; it reads the text in `data-speech`, in which every figure
 * is already written in kana (1日 as ついたち), so that the voice cannot misread it. Leaving the page stops it.
 */
(function () {
  "use strict";

  const button = document.querySelector("[data-read-aloud]");
  if (!button || !("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    window.speechSynthesis.cancel();
    const utterance = new window.SpeechSynthesisUtterance(button.dataset.speech);
    utterance.lang = button.dataset.lang;
    utterance.rate = 0.9;
    window.speechSynthesis.speak(utterance);
  });
  window.addEventListener("pagehide", function () { window.speechSynthesis.cancel(); });
})();
