// @mention suggestions while typing, for every textarea with data-mention-url (discussions and chat):
// the box named by data-mention-box fills with people to pick. Everything works without this file.
(function () {
  "use strict";
  const pattern = /(^|[^\w@])@(\w{1,30})$/;

  document.addEventListener("input", function (event) {
    const area = event.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.dataset.mentionUrl) return;
    const box = document.getElementById(area.dataset.mentionBox || "");
    if (!box) return;
    const match = pattern.exec(area.value.slice(0, area.selectionStart));
    clearTimeout(area.mentionTimer);
    if (!match) { box.replaceChildren(); box.hidden = true; return; }
    area.mentionTimer = setTimeout(function () {
      fetch(area.dataset.mentionUrl + "?q=" + encodeURIComponent(match[2]), {
        headers: { "HX-Request": "true" }, credentials: "same-origin"
      })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          const doc = new DOMParser().parseFromString(html, "text/html");
          box.replaceChildren.apply(box, Array.from(doc.body.childNodes));
          box.hidden = box.querySelector("[data-mention]") === null;
        });
    }, 200);
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-mention]");
    if (!button) return;
    const box = button.closest("[data-mention-for]");
    const area = box && document.getElementById(box.dataset.mentionFor);
    if (!area) return;
    const caret = area.selectionStart;
    const before = area.value.slice(0, caret).replace(/@(\w{0,30})$/, "@" + button.dataset.mention + " ");
    area.value = before + area.value.slice(caret);
    area.focus();
    area.setSelectionRange(before.length, before.length);
    box.replaceChildren();
    box.hidden = true;
  });
})();
