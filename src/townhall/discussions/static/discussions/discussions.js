// Discussions enhancements: the open topic's new and changed replies, live (the @mention suggestions
// live in content/mentions.js). Everything works without this file.
(function () {
  "use strict";
  // Live replies: the stream (stream.js) announces topic changes by id; the page fetches each post as its
  // reader may see it (/p/<id>/live/) and puts it in place. A new reply is added at the end only on the
  // last page of the flat view (and not when that page is full: it opens the next one); elsewhere a
  // link says how many came. Edits, hiding and deletion replace the post where it is. Changes to the
  // topic as a whole (an accepted answer, a move) offer a reload.
  const live = document.getElementById("topic-live");
  const posts = document.getElementById("posts");
  const REPLACE = ["post_edited", "post_hidden", "post_restored", "post_deleted"];
  const UPDATES = ["answer_accepted", "answer_unaccepted", "moved"];
  if (live && posts) {
    const insertHere = live.dataset.insert === "1";
    const perPage = Number(live.dataset.perPage) || 0;
    const fresh = [];
    const wanted = new Set();
    let changed = false;
    // Said once to screen readers, without a visible banner, when a reply is added in place.
    const said = document.createElement("div");
    said.className = "visually-hidden";
    said.setAttribute("role", "status");
    live.after(said);

    const show = function () {
      const link = document.createElement("a");
      if (fresh.length) {
        link.href = live.dataset.postUrl.replace("/0/", "/" + fresh[fresh.length - 1] + "/");
        link.textContent = fresh.length === 1 ? "1 new reply — go to newest" : fresh.length + " new replies — go to newest";
      } else {
        link.href = location.pathname + location.search;
        link.textContent = "This topic was updated: reload to see the changes";
      }
      const line = document.createElement("p");
      line.className = "small";
      line.append(link);
      live.replaceChildren(line);
    };
    const articles = function () { return posts.querySelectorAll(":scope > article[id^='post-']"); };
    const idOf = function (node) { return Number(node.id.slice(5)); };
    const node = function (html) {
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      const el = holder.content.firstElementChild;
      return el && el.tagName === "ARTICLE" ? el : null;
    };
    const fetchPost = function (id) {
      return fetch(live.dataset.fragmentUrl.replace("/0/", "/" + id + "/"), {
        headers: { "HX-Request": "true" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) { return html ? node(html) : null; });
    };
    const insert = function (id) {
      if (wanted.has(id)) return;
      wanted.add(id);
      fetchPost(id).then(function (el) {
        if (!el || document.getElementById("post-" + id)) return; // gone, or already here (htmx, a retry)
        // In order of id (replies are numbered as they come), whatever order the fetches finish in.
        const later = Array.prototype.find.call(articles(), function (a) { return idOf(a) > id; });
        if (later) later.before(el); else posts.append(el);
        if (window.htmx) window.htmx.process(el);
        said.textContent = "A new reply was added below.";
      }).catch(function () { wanted.delete(id); });
    };
    const replace = function (id) {
      const current = document.getElementById("post-" + id);
      if (!current) return;
      if (current.contains(document.activeElement) || current.querySelector("form textarea")) {
        // The reader is working in this post (an inline reply or edit): do not pull it from under them.
        if (!changed) { changed = true; if (!fresh.length) show(); }
        return;
      }
      fetchPost(id).then(function (el) {
        const now = document.getElementById("post-" + id);
        if (!el || !now) return;
        now.replaceWith(el);
        if (window.htmx) window.htmx.process(el);
      }).catch(function () { /* a reload shows it */ });
    };

    document.addEventListener("townhall:broadcast", function (event) {
      const msg = event.detail || {};
      if (msg.type !== "topic" || String(msg.topic_id) !== live.dataset.topicId) return;
      const id = Number(msg.post_id);
      if (msg.op === "post_created" && id) {
        // The reader's own reply arrives on the page through htmx; give it a moment first.
        setTimeout(function () {
          if (document.getElementById("post-" + id) || fresh.indexOf(id) !== -1) return;
          if (insertHere && (!perPage || articles().length < perPage)) { insert(id); return; }
          fresh.push(id);
          show();
        }, 1000);
      } else if (REPLACE.indexOf(msg.op) !== -1 && id) {
        replace(id);
      } else if (UPDATES.indexOf(msg.op) !== -1 && !changed) {
        changed = true;
        if (!fresh.length) show();
      }
    });
  }
})();
