/* Scan a shop's QR code with the camera, where the browser has BarcodeDetector (progressive enhancement).
 *
 * The page works without this file: the shop ID can be typed and a QR's contents pasted. When the browser can
 * detect QR codes and has a camera API, the hidden "scan" section is shown; the first QR code found fills the
 * hidden `qr` field and submits the same GET form as the paste form, so the server does all the checking.
 */
(function () {
  "use strict";

  const section = document.querySelector("[data-scan]");
  if (!section || !("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }

  const start = section.querySelector("[data-scan-start]");
  const video = section.querySelector("[data-scan-video]");
  const status = section.querySelector("[data-scan-status]");
  const form = section.querySelector("[data-scan-form]");
  let stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
  }

  async function scan(detector) {
    if (!stream) return;
    try {
      const codes = await detector.detect(video);
      const found = codes.find(function (c) { return c.rawValue; });
      if (found) {
        stop();
        form.elements.qr.value = found.rawValue;
        form.submit();
        return;
      }
    } catch (e) {
      /* the video may not have a frame yet: try again */
    }
    window.setTimeout(function () { scan(detector); }, 250);
  }

  async function begin() {
    start.disabled = true;
    try {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      status.textContent = status.dataset.msgLooking;
      scan(detector);
    } catch (e) {
      stop();
      video.hidden = true;
      start.disabled = false;
      status.textContent = status.dataset.msgDenied;
    }
  }

  Promise.resolve(window.BarcodeDetector.getSupportedFormats ? window.BarcodeDetector.getSupportedFormats() : [])
    .then(function (formats) {
      if (formats.indexOf("qr_code") === -1) return;
      section.hidden = false;
      start.addEventListener("click", begin);
      window.addEventListener("pagehide", stop);
    })
    .catch(function () { /* no detector after all: the typed form stays */ });
})();
