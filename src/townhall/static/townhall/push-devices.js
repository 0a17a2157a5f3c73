// "Devices for push": subscribe this browser with the Push API and hand the subscription to the page's
// form (a plain POST, CSRF-protected); mark the row of this browser's device. No inline script.
(function () {
  "use strict";

  function keyBytes(base64url) {
    const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(base64);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, key) {
    const given = subscription.options && subscription.options.applicationServerKey;
    if (!given) return true;
    const a = new Uint8Array(given);
    return a.length === key.length && a.every((b, i) => b === key[i]);
  }

  async function start() {
    const section = document.querySelector("[data-push-subscribe]");
    if (!section) return;
    const status = section.querySelector("[data-push-status]");
    const form = section.querySelector("[data-push-form]");
    const button = section.querySelector("[data-push-button]");
    const say = (text) => { status.textContent = text; };
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("This browser cannot receive web push.");
      return;
    }
    const key = keyBytes(section.dataset.key);
    let registration;
    try {
      registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
      await navigator.serviceWorker.ready;
    } catch (error) {
      say("This browser could not start the service worker that receives pushes.");
      return;
    }
    let current = await registration.pushManager.getSubscription().catch(() => null);
    const row = current && document.querySelector(`[data-endpoint="${CSS.escape(current.endpoint)}"]`);
    if (row) row.querySelector("[data-this-browser]").hidden = false;
    if (Notification.permission === "denied") {
      say("Notifications are blocked for this site in your browser's settings; allow them there to turn push on.");
      return;
    }
    if (row) {
      say("Push is on in this browser.");
      return;
    }
    say("Push is off in this browser.");
    if (!button) return;
    button.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      try {
        if ((await Notification.requestPermission()) !== "granted") {
          say("Your browser did not allow notifications, so push stays off.");
          return;
        }
        if (current && !sameKey(current, key)) {
          await current.unsubscribe();
          current = null;
        }
        const subscription = current || await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: key });
        const json = subscription.toJSON();
        form.elements.endpoint.value = json.endpoint;
        form.elements.p256dh.value = json.keys.p256dh;
        form.elements.auth.value = json.keys.auth;
        form.submit();
      } catch (error) {
        say(`This browser could not turn push on (${error && error.message ? error.message : error}).`);
      } finally {
        button.disabled = false;
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
