// Threads, live. On wide screens "Reply in thread" and "N replies" open the thread in a side panel
// beside the channel (the address becomes the channel's with ?thread=<id>, which the server renders the
// same way, so the link can be shared or reloaded); on phones and without JavaScript they open the full
// thread page. Broadcasts carry ids only: an open thread fetches a new or changed reply as its reader may
// see it (/chat/r/<id>/), and the channel fetches a thread's root again to update its reply count.
(function () {
  "use strict";
  const WIDE = window.matchMedia("(min-width: 64rem)");
  const layout = document.getElementById("chat-layout");
  const panel = document.getElementById("chat-thread-panel");

  const nodeOf = function (html) {
    const holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  };
  const get = function (url, headers) {
    return fetch(url, { headers: Object.assign({ "HX-Request": "true" }, headers || {}), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; });
  };
  const thread = function () { return document.querySelector("[data-thread-root]"); };
  const fragmentUrl = function (box, key, id) { return box.dataset[key].replace("/0/", "/" + id + "/"); };

  // --- the side panel ------------------------------------------------------------------------------
  const spaceUrl = function () { return location.pathname; };
  const openPanel = function (href, push) {
    const id = (href.match(/\/thread\/(\d+)\//) || [])[1];
    if (!id) return false;
    get(href, { "HX-Target": "chat-thread-panel" }).then(function (html) {
      if (!html) { location.href = href; return; }
      // The channel narrows beside the panel: keep its log where the reader was (the newest, usually).
      const log = layout.querySelector(".chat-log");
      const fromEnd = log ? log.scrollHeight - log.scrollTop : 0;
      panel.innerHTML = html;
      layout.classList.add("with-thread");
      if (log) log.scrollTop = log.scrollHeight - fromEnd;
      if (window.htmx) window.htmx.process(panel);
      if (push !== false) history.pushState({ thread: id }, "", spaceUrl() + "?thread=" + id);
      const box = panel.querySelector("[data-thread-root]");
      const replies = document.getElementById("thread-replies");
      if (replies) replies.scrollTop = replies.scrollHeight;
      const heading = box && box.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }).catch(function () { location.href = href; });
    return true;
  };
  let opener = null;  // the link that opened the panel: focus goes back to it when the panel closes
  const closePanel = function () {
    panel.innerHTML = "";
    layout.classList.remove("with-thread");
    history.pushState({}, "", spaceUrl());
    if (opener && document.contains(opener)) opener.focus();
  };
  if (layout && panel) {
    document.addEventListener("click", function (event) {
      const link = event.target.closest("a[data-thread-link], a[data-thread-close]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      if (link.hasAttribute("data-thread-close")) { event.preventDefault(); closePanel(); return; }
      if (!WIDE.matches) return;  // phones: the full thread page
      if (openPanel(link.getAttribute("href"))) { opener = link; event.preventDefault(); }
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && thread()) { event.preventDefault(); closePanel(); }
    });
    window.addEventListener("popstate", function () {
      // Back and forward: the address says which thread (if any) the panel shows.
      const id = new URLSearchParams(location.search).get("thread");
      const open = thread();
      if (!id && open) { panel.innerHTML = ""; layout.classList.remove("with-thread"); }
      else if (id && (!open || open.dataset.threadRoot !== id)) openPanel(spaceUrl().replace(/\/$/, "") + "/chat/thread/" + id + "/", false);
    });
  }

  // --- live ----------------------------------------------------------------------------------------
  const placeReply = function (box, id, append) {
    get(fragmentUrl(box, "replyUrl", id)).then(function (html) {
      const node = html && nodeOf(html);
      if (!node) return;
      const current = document.getElementById("r-" + id);
      const list = document.getElementById("thread-replies");
      if (current) current.replaceWith(node);
      else if (append && list) { list.append(node); markRead(box, id); }
      else return;
      if (window.htmx) window.htmx.process(node);
    }).catch(function () { /* a reload shows it */ });
  };
  // A reply shown live in the open thread is read: move the read position (the Threads count follows).
  const csrf = function () {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  };
  const markRead = function (box, id) {
    if (!document.body.dataset.stream) return;  // visitors have no read position
    const body = new URLSearchParams({ up_to: String(id) });
    fetch(box.dataset.readUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrf() },
    }).then(function () { refreshThreadsLink(); }).catch(function () { /* the next visit reads it */ });
  };
  // "Threads · N unread" in the channel's header, fetched again as this reader sees it.
  let linkTimer = null;
  const refreshThreadsLink = function () {
    const link = document.getElementById("chat-threads-link");
    if (!link) return;
    clearTimeout(linkTimer);
    linkTimer = setTimeout(function () {
      get(link.dataset.threadsLinkUrl).then(function (html) {
        const node = html && nodeOf(html);
        const current = document.getElementById("chat-threads-link");
        if (node && current) current.replaceWith(node);
      }).catch(function () { /* a reload shows it */ });
    }, 800);
  };
  const refreshRoot = function (id) {
    // The channel's copy of the root (its "N replies" line); chat.js knows the channel's fragment URL.
    const current = document.getElementById("m-" + id);
    const box = document.querySelector("[data-chat-space]");
    if (!current || !box) return;
    get(box.dataset.messageUrl.replace("/0/", "/" + id + "/")).then(function (html) {
      const node = html && nodeOf(html);
      if (!node) return;
      current.replaceWith(node);
      if (window.htmx) window.htmx.process(node);
    }).catch(function () { /* a reload shows it */ });
  };
  const reloadThread = function (box) {
    // The thread moved to a topic: show it closed, with the topic's link.
    if (!box.closest(".chat-thread-panel")) { location.reload(); return; }
    openPanel(spaceUrl().replace(/\/$/, "") + "/chat/thread/" + box.dataset.threadRoot + "/", false);
  };

  document.addEventListener("townhall:broadcast", function (event) {
    const msg = event.detail || {};
    if (msg.type !== "chat" || !msg.message_id) return;
    const box = thread();
    const open = box && String(msg.space_id) === box.dataset.threadSpace;
    const channel = document.querySelector("[data-chat-space]");
    const here = channel && String(msg.space_id) === channel.dataset.chatSpace;
    if (here && (msg.op === "thread_reply" || msg.op === "thread_read")) refreshThreadsLink();
    if (msg.op === "thread_reply") {
      refreshRoot(msg.root_id);
      if (open && String(msg.root_id) === box.dataset.threadRoot) {
        // The writer's own reply arrives through htmx; give it a moment before fetching it again.
        setTimeout(function () {
          if (!document.getElementById("r-" + msg.message_id)) placeReply(box, msg.message_id, true);
        }, 600);
      }
    } else if (msg.op === "message_promoted" && open && String(msg.message_id) === box.dataset.threadRoot) {
      reloadThread(box);
    } else if (open && document.getElementById("r-" + msg.message_id)) {
      placeReply(box, msg.message_id, false);
    }
  });
})();
