// A chat channel's live extras (docs/stream-protocol.md): "Ana is typing…" under the log, and presence
// dots on the authors' names. Frames come from stream.js as "townhall:broadcast" events and go out as
// "townhall:stream-send" events; without JavaScript (or without a stream) the page simply shows neither
// change.
(function () {
  "use strict";
  const box = document.querySelector("[data-chat-space]");
  if (!box) return;
  const spaceId = Number(box.dataset.chatSpace);
  const line = document.getElementById("chat-typing");
  const list = document.getElementById("chat-messages");

  const SEND_EVERY = 3000; // a "start" at most this often while typing (the server allows 1 a second)
  const SHOW_FOR = 6000; // a typist is shown this long after their last "start"

  const send = function (op) {
    document.dispatchEvent(new CustomEvent("townhall:stream-send", {
      detail: { type: "typing", op: op, space_id: spaceId }
    }));
  };

  // --- sending: the composer says when its person types, and when they stop ---------------------------
  let lastStart = 0;
  let idle = null;
  const stop = function () {
    clearTimeout(idle);
    if (!lastStart) return;
    lastStart = 0;
    send("stop");
  };
  document.addEventListener("input", function (event) {
    if (!event.target || event.target.id !== "chat-body" || !box.contains(event.target)) return;
    if (!event.target.value.trim()) { stop(); return; }
    const now = Date.now();
    if (now - lastStart >= SEND_EVERY) { lastStart = now; send("start"); }
    clearTimeout(idle);
    idle = setTimeout(stop, SHOW_FOR - 1000); // paused typing: say so before others' lines expire
  });
  document.addEventListener("submit", function (event) {
    if (event.target && event.target.id === "chat-compose") stop();
  }, true);
  window.addEventListener("pagehide", stop);

  // --- names: from the page's own messages, else asked once from the server ---------------------------
  const names = new Map();
  const asked = new Set();
  const learnNames = function (root) {
    root.querySelectorAll(".chat-meta").forEach(function (meta) {
      const dot = meta.querySelector("[data-presence-user]");
      const strong = meta.querySelector("strong");
      if (dot && strong) names.set(Number(dot.dataset.presenceUser), strong.textContent.trim());
    });
  };
  learnNames(box);
  const askNames = function (ids) {
    const missing = ids.filter(function (id) { return !names.has(id) && !asked.has(id); });
    if (!missing.length || !box.dataset.peopleUrl) return;
    missing.forEach(function (id) { asked.add(id); });
    fetch(box.dataset.peopleUrl + "?ids=" + missing.join(","), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.names) return;
        Object.keys(data.names).forEach(function (id) { names.set(Number(id), data.names[id]); });
        render();
      })
      .catch(function () { /* the line says "Someone" */ });
  };

  // --- showing: who is typing now ---------------------------------------------------------------------
  const typing = new Map(); // user id -> time their line expires
  let expiry = null;
  let shown = "";
  const render = function () {
    if (!line) return;
    const now = Date.now();
    typing.forEach(function (until, id) { if (until <= now) typing.delete(id); });
    const ids = Array.from(typing.keys());
    const who = ids.map(function (id) { return names.get(id) || "Someone"; });
    let text = "";
    if (who.length === 1) text = who[0] + " is typing…";
    else if (who.length === 2) text = who[0] + " and " + who[1] + " are typing…";
    else if (who.length > 2) text = "Several people are typing…";
    if (text !== shown) { shown = text; line.textContent = text; } // a renewed "start" says nothing new
    clearTimeout(expiry);
    if (ids.length) {
      const next = Math.min.apply(null, Array.from(typing.values()));
      expiry = setTimeout(render, Math.max(50, next - now));
    }
  };

  // --- presence: keep every dot of a person current -----------------------------------------------------
  const LABEL = { online: "online", away: "away", offline: "offline" };
  const setPresence = function (userId, state) {
    if (!LABEL[state]) return;
    box.querySelectorAll('[data-presence-user="' + userId + '"]').forEach(function (dot) {
      dot.dataset.state = state;
      dot.title = LABEL[state].charAt(0).toUpperCase() + LABEL[state].slice(1);
      const words = dot.querySelector(".visually-hidden");
      if (words) words.textContent = " (" + LABEL[state] + ")";
    });
  };
  const known = new Map(); // presence heard since the page loaded, for messages added later

  document.addEventListener("townhall:broadcast", function (event) {
    const frame = event.detail || {};
    if (frame.type === "stream" && frame.op === "live" && box.dataset.me) {
      // This page's own stream is open: its person is here (the page may have rendered before).
      setPresence(Number(box.dataset.me), document.hidden ? "away" : "online");
      return;
    }
    if (frame.type === "typing" && Number(frame.space_id) === spaceId && frame.user_id) {
      const id = Number(frame.user_id);
      if (frame.op === "start") {
        typing.set(id, Date.now() + SHOW_FOR);
        askNames([id]);
      } else {
        typing.delete(id);
      }
      render();
    } else if (frame.type === "presence" && frame.user_id) {
      known.set(Number(frame.user_id), frame.op);
      setPresence(Number(frame.user_id), frame.op);
      if (frame.op === "offline" && typing.delete(Number(frame.user_id))) render();
    }
  });

  // --- read position: messages that arrive while the channel is open and seen count as read ----------
  let readUpTo = 0;
  let unsent = 0;
  let readTimer = null;
  const csrf = function () {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  };
  const sendRead = function () {
    if (!unsent || document.hidden || !box.dataset.readUrl) return;
    const upTo = unsent;
    unsent = 0;
    const body = new URLSearchParams({ up_to: String(upTo) });
    fetch(box.dataset.readUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() }
    }).catch(function () { /* the next visit marks it read */ });
  };
  const seen = function (id) {
    if (id <= readUpTo) return;
    readUpTo = unsent = id;
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 400);
  };
  document.addEventListener("visibilitychange", function () { if (!document.hidden) sendRead(); });

  // A message that arrives ends its author's typing line; its author's dot takes the state heard live.
  if (list) {
    new MutationObserver(function (records) {
      let changed = false;
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (!(node instanceof Element)) return;
          learnNames(node);
          if (/^m-\d+$/.test(node.id) && node === list.lastElementChild) seen(Number(node.id.slice(2)));
          const author = Number(node.dataset ? node.dataset.author : 0);
          if (author && typing.delete(author)) changed = true;
          node.querySelectorAll("[data-presence-user]").forEach(function (dot) {
            const id = Number(dot.dataset.presenceUser);
            if (known.has(id)) setPresence(id, known.get(id));
          });
        });
      });
      if (changed) render();
    }).observe(list, { childList: true });
  }
})();
