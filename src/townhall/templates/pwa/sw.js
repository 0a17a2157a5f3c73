// {{ community_name }}'s service worker (served at /sw.js for the whole site): shows web pushes, opens
// their page when clicked, and shows an offline page when a page cannot be loaded.
"use strict";

const VERSION = "__VERSION__";
const CACHE = "townhall-offline-" + VERSION;
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const ASSETS = [OFFLINE_URL, "{{ css_url|escapejs }}", "{{ icon_url|escapejs }}"];
const ICON = "{{ icon_url|escapejs }}";
const DEFAULT_TITLE = "{{ community_name|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("townhall-offline-") && n !== CACHE).map((n) => caches.delete(n)));
    if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // The network always; the offline page only when the network fails.
    event.respondWith((async () => {
      try {
        const preloaded = await event.preloadResponse;
        return preloaded || await fetch(request);
      } catch (error) {
        return (await caches.match(OFFLINE_URL, { cacheName: CACHE })) || Response.error();
      }
    })());
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(fetch(request).catch(async () => (await caches.match(request, { cacheName: CACHE })) || Response.error()));
  }
});

function sameOriginUrl(value) {
  try {
    const url = new URL(value || "/", self.location.origin);
    return url.origin === self.location.origin ? url.href : self.location.origin + "/";
  } catch (error) {
    return self.location.origin + "/";
  }
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const options = { body: data.body || "", icon: ICON, data: { url: sameOriginUrl(data.url) } };
  if (data.tag) {
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(data.title || DEFAULT_TITLE, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const client of windows) {
      if (client.url === target && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(target);
  })());
});
