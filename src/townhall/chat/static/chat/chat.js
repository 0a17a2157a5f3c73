// A chat space's channel, live: stream.js dispatches every broadcast as "townhall:broadcast"; for a
// message of this channel the page fetches the message as its reader may see it (/chat/m/<id>/, the
// same fragment the server renders) and adds or replaces it. Without JavaScript the page still works.
(function () {
  "use strict";
  const box = document.querySelector("[data-chat-space]");
  const list = document.getElementById("chat-messages");
  if (!box || !list) return;
  const live = box.dataset.chatLive === "1";  // an earlier page (?before=) does not grow at the end
  const url = function (id) { return box.dataset.messageUrl.replace("/0/", "/" + id + "/"); };

  const place = function (id, html) {
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    const node = holder.content.firstElementChild;
    if (!node) return;
    const current = document.getElementById("m-" + id);
    if (current) current.replaceWith(node);
    else if (live) list.append(node);
    else return;
    if (window.htmx) window.htmx.process(node);
  };

  const fetchMessage = function (id) {
    fetch(url(id), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html) place(id, html); })
      .catch(function () { /* the next broadcast or a reload shows it */ });
  };

  // The Pinned area changes when a message is pinned or unpinned, and when a pinned one is deleted or
  // restored: fetch it again as this reader may see it.
  const PINNING = ["message_pinned", "message_unpinned", "message_deleted", "message_restored"];
  const fetchPinned = function () {
    fetch(box.dataset.pinnedUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        const current = document.getElementById("chat-pinned");
        if (!html || !current) return;
        const holder = document.createElement("template");
        holder.innerHTML = html.trim();
        const node = holder.content.firstElementChild;
        if (!node) return;
        current.replaceWith(node);
        if (window.htmx) window.htmx.process(node);
      })
      .catch(function () { /* a reload shows it */ });
  };

  document.addEventListener("townhall:broadcast", function (event) {
    const msg = event.detail || {};
    if (msg.type !== "chat" || String(msg.space_id) !== box.dataset.chatSpace || !msg.message_id) return;
    if (msg.op === "message_created") {
      // The sender's own message arrives through htmx; give it a moment before fetching it again.
      setTimeout(function () {
        if (!document.getElementById("m-" + msg.message_id)) fetchMessage(msg.message_id);
      }, 600);
    } else if (document.getElementById("m-" + msg.message_id)) {
      fetchMessage(msg.message_id);
    }
    if (PINNING.indexOf(msg.op) !== -1) fetchPinned();
  });

  // Keep the newest message in view when the channel opens and when one is added at the end.
  const log = box.querySelector(".chat-log");
  // With unread messages the log opens at the "New messages" divider instead (the link "Jump to unread"
  // is the same without JavaScript).
  const divider = document.getElementById("chat-unread");
  if (log && live && !location.hash) {
    log.scrollTop = log.scrollHeight;
    if (divider) {
      log.scrollTop = Math.max(0, log.scrollTop + divider.getBoundingClientRect().top - log.getBoundingClientRect().top - 8);
    }
  }
  if (log) {
    new MutationObserver(function (records) {
      const last = list.lastElementChild;
      const atEnd = records.some(function (r) { return Array.prototype.indexOf.call(r.addedNodes, last) !== -1; });
      if (live && atEnd) log.scrollTop = log.scrollHeight;
    }).observe(list, { childList: true });
  }
})();
