// Scanning tickets in the page, where the browser has BarcodeDetector (progressive: without it the
// section stays hidden, and the camera app or the ticket code box do the job). A QR code that holds a
// ticket URL of this date opens it; anything else is ignored.
(function () {
  "use strict";
  const box = document.querySelector("[data-door-scanner]");
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  const start = box.querySelector("[data-scan-start]");
  const video = box.querySelector("[data-scan-video]");
  const status = box.querySelector("[data-scan-status]");
  const prefix = box.dataset.ticketPrefix;
  box.hidden = false;
  start.addEventListener("click", async function () {
    let detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
    } catch (error) {
      status.textContent = "The camera is not available here; use the phone's camera app or the ticket code.";
      return;
    }
    start.hidden = true;
    status.textContent = "Looking for a ticket's QR code…";
    const look = async function () {
      try {
        const codes = await detector.detect(video);
        const hit = codes.map(function (c) { return c.rawValue; }).find(function (v) { return v.indexOf(prefix) === 0; });
        if (hit) { status.textContent = "Ticket found, opening it…"; window.location.assign(hit); return; }
        if (codes.length) status.textContent = "That code is not a ticket for this date.";
      } catch (error) { /* a frame that could not be read: try the next one */ }
      window.setTimeout(look, 250);
    };
    look();
  });
})();
