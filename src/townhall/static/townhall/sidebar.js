// The sidebar's unread counts, live: when the stream says something that may change them (a new chat
// message or reply in a space, a channel read in another tab, the spaces one may read changed, or the
// stream came back after a pause), fetch the sidebar again as this reader sees it (/sidebar/) and put
// it in place. A burst of broadcasts costs one fetch. Without JavaScript, each page shows fresh counts.
(function () {
  "use strict";
  const aside = document.getElementById("sidebar");
  const url = document.body && document.body.dataset.sidebarUrl;
  if (!aside || !url) return;
  const WAIT = 1500; // gather a burst; the chat page marks what it shows as read within this time

  const COUNTS = {
    chat: ["message_created", "message_deleted", "message_restored", "read"],
    topic: ["created", "post_created", "post_deleted", "post_hidden", "post_restored", "deleted", "moved"],
    stream: ["subscriptions_changed", "reset"]
  };
  let timer = null;
  let resumed = false;

  const refresh = function () {
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const nav = holder.content.querySelector('nav[aria-label="Your spaces"]');
        const current = aside.querySelector('nav[aria-label="Your spaces"]');
        if (!nav || !current) return;
        // Live fragments in it (the Messages count) keep what they show until townhall.js fetches them.
        nav.querySelectorAll("[data-live]").forEach(function (node) {
          const before = current.querySelector('[data-live="' + node.dataset.live + '"]');
          if (!before) return;
          node.replaceChildren.apply(node, Array.from(before.childNodes));
          node.hidden = before.hidden;
          node.removeAttribute("data-live-load");
        });
        // Keep what has focus (a link in the sidebar) where it is: swap only the counts' lists' content.
        if (current.contains(document.activeElement)) {
          const fresh = nav.querySelectorAll(".nav-list");
          const old = current.querySelectorAll(".nav-list");
          if (fresh.length === old.length) {
            old.forEach(function (list, i) {
              if (list.contains(document.activeElement)) return;
              list.replaceWith(fresh[i]);
              fresh[i].dispatchEvent(new CustomEvent("townhall:swapped", { bubbles: true }));
            });
            return;
          }
        }
        current.replaceWith(nav);
        nav.dispatchEvent(new CustomEvent("townhall:swapped", { bubbles: true }));
      })
      .catch(function () { /* the next page shows fresh counts */ });
  };
  const soon = function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, WAIT);
  };

  document.addEventListener("townhall:broadcast", function (event) {
    const frame = event.detail || {};
    if (frame.type === "stream" && frame.op === "live") {
      if (resumed) soon(); // back after a pause: counts may have moved meanwhile
      resumed = true;
      return;
    }
    const ops = COUNTS[frame.type];
    if (ops && ops.indexOf(frame.op) !== -1) soon();
  });
})();
