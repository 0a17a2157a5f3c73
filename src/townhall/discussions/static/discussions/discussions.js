// Discussions enhancements: a notice when others reply to or change the open topic (the @mention
// suggestions live in content/mentions.js). Everything works without this file.
(function () {
  "use strict";
  // Live notice: the stream (townhall.js) announces topic changes by id; the reader decides when to look.
  const live = document.getElementById("topic-live");
  const UPDATES = ["post_edited", "post_hidden", "post_restored", "answer_accepted", "answer_unaccepted", "moved"];
  if (live) {
    const fresh = [];
    let changed = false;
    const show = function () {
      const link = document.createElement("a");
      if (fresh.length) {
        link.href = live.dataset.postUrl.replace("/0/", "/" + fresh[0] + "/");
        link.textContent = fresh.length === 1 ? "1 new reply: show it" : fresh.length + " new replies: show them";
      } else {
        link.href = location.pathname + location.search;
        link.textContent = "This topic was updated: reload to see the changes";
      }
      const line = document.createElement("p");
      line.className = "small";
      line.append(link);
      live.replaceChildren(line);
    };
    document.addEventListener("townhall:broadcast", function (event) {
      const msg = event.detail || {};
      if (msg.type !== "topic" || String(msg.topic_id) !== live.dataset.topicId) return;
      if (msg.op === "post_created" && msg.post_id) {
        // The reader's own reply arrives on the page through htmx; give it a moment before counting.
        setTimeout(function () {
          if (document.getElementById("post-" + msg.post_id) || fresh.indexOf(msg.post_id) !== -1) return;
          fresh.push(msg.post_id);
          show();
        }, 1000);
      } else if (UPDATES.indexOf(msg.op) !== -1 && !changed) {
        changed = true;
        if (!fresh.length) show();
      }
    });
  }
})();
