// Progressive enhancements only: every action also works without this file.
(function () {
  "use strict";
  const root = document.documentElement;
  const order = { system: "dark", dark: "light", light: "system" };

  // The sticky top bar's real height (one row, but its height follows the font size): sticky notices sit below it
  // (--topbar-height in townhall.css).
  const topbar = document.querySelector(".topbar");
  if (topbar) {
    const measure = function () { root.style.setProperty("--topbar-height", topbar.offsetHeight + "px"); };
    measure();
    if ("ResizeObserver" in window) new ResizeObserver(measure).observe(topbar);
  }

  // Disclosure menus (details[data-menu], the top bar's account menu) open and close without this file;
  // with it, a click elsewhere or Escape closes them, and Escape returns focus to the menu's button.
  const closeMenus = function (except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  };
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details[data-menu]"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const menu = document.activeElement && document.activeElement.closest("details[data-menu][open]");
    closeMenus(null);
    if (menu) menu.querySelector("summary").focus();
  });

  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      event.preventDefault();
      const next = order[root.dataset.theme || "system"] || "system";
      root.dataset.theme = next;
      // A theme selector on this page (settings) follows: the theme in force is the pressed, filled button.
      document.querySelectorAll("button[name='theme'][aria-pressed]").forEach(function (button) {
        const on = button.value === next;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.classList.toggle("secondary", !on);
      });
      const form = toggle.closest("form");
      const body = new FormData(form);
      body.set("theme", next);
      fetch(form.action, { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" });
      return;
    }
    const sidebarToggle = event.target.closest("[data-sidebar-toggle]");
    if (sidebarToggle) {
      const sidebar = document.getElementById("sidebar");
      const open = sidebar.classList.toggle("open");
      sidebarToggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
  });

  // The real-time stream lives in stream.js (loaded for signed-in people): pages listen for
  // "townhall:broadcast" events on document.

  // Form errors over htmx (core/htmx.py): a refused form answers 422 with the form again, its errors
  // beside its fields and the typed text kept, and it is swapped in where the server says (HX-Retarget).
  // Every other error status is never swapped into the page: it shows as a message (below).
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true }
    ];
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    const xhr = event.detail && event.detail.xhr;
    const swapped = event.target;
    if (!xhr || xhr.status !== 422 || !(swapped instanceof Element) || !swapped.isConnected) return;
    const field = swapped.querySelector("[aria-invalid='true']");
    if (field && document.activeElement !== field) field.focus();
  });

  // Ask before destructive actions (core/confirm.py): a form with data-confirm sends confirm=yes only
  // once the person says yes in a native dialog. This listens in the capture phase, so htmx (listening
  // on the form itself) never sees the unconfirmed submit. Without JavaScript the server asks instead.
  let dialog = null;
  let parts = null;
  const buildDialog = function () {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    const form = document.createElement("form");
    form.method = "dialog";
    form.className = "stack";
    const title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    const detail = document.createElement("p");
    detail.id = "confirm-dialog-detail";
    const row = document.createElement("div");
    row.className = "row";
    const no = document.createElement("button");
    no.type = "submit";
    no.value = "no";
    no.className = "secondary";
    no.textContent = "Cancel";
    no.autofocus = true;
    const yes = document.createElement("button");
    yes.type = "submit";
    yes.value = "yes";
    yes.className = "danger";
    row.append(no, yes);
    form.append(title, detail, row);
    dialog.append(form);
    document.body.append(dialog);
    parts = { title: title, detail: detail, yes: yes };
  };
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (form.querySelector("input[name='confirm'][value='yes']")) return;  // said yes already
    if (typeof HTMLDialogElement !== "function") return;  // the server's confirmation page asks
    event.preventDefault();
    event.stopPropagation();
    if (!dialog) buildDialog();
    parts.title.textContent = form.dataset.confirm;
    parts.detail.textContent = form.dataset.confirmDetail || "";
    parts.detail.hidden = !form.dataset.confirmDetail;
    parts.yes.textContent = form.dataset.confirmButton || "Yes";
    const submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    dialog.returnValue = "";
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "yes" || !form.isConnected) {
        if (submitter && submitter.isConnected) submitter.focus();
        return;
      }
      const said = document.createElement("input");
      said.type = "hidden";
      said.name = "confirm";
      said.value = "yes";
      form.append(said);
      if (form.requestSubmit) form.requestSubmit(submitter || undefined); else form.submit();
      // A form that stays on the page (an htmx swap elsewhere) asks again next time.
      setTimeout(function () { said.remove(); }, 1000);
    }, { once: true });
    dialog.showModal();
  }, true);

  // "Post deleted. Undo" (core/undo.py): the undo button goes after a few seconds, but not while the
  // reader is on it (the server's own window is longer and decides).
  document.querySelectorAll("form[data-undo-seconds]").forEach(function (form) {
    let left = parseInt(form.dataset.undoSeconds, 10) || 8;
    const tick = setInterval(function () {
      if (form.matches(":hover, :focus-within")) return;
      left -= 1;
      if (left > 0) return;
      clearInterval(tick);
      form.remove();
    }, 1000);
  });

  // htmx does not swap 4xx/5xx answers; show their reason (the error page's first paragraph) as a
  // message instead of leaving the click without any visible effect.
  document.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    let reason = "Something went wrong; reload the page and try again.";
    try {
      const doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      const found = doc.querySelector("main .card p");
      if (found && found.textContent.trim()) reason = found.textContent.trim();
    } catch (e) { /* keep the generic reason */ }
    const main = document.getElementById("main");
    if (!main) return;
    let list = main.querySelector("ul.messages");
    if (!list) {
      const region = document.createElement("div");
      region.setAttribute("role", "status");
      list = document.createElement("ul");
      list.className = "messages";
      region.append(list);
      main.prepend(region);
    }
    const item = document.createElement("li");
    item.className = "message message-error";
    item.textContent = reason;
    list.append(item);
  });
})();

// Live fragments (a sidebar link's count, the Messages inbox): `data-live="<url>"` is fetched again, at
// most every two seconds, when a broadcast of one of the types in `data-live-on` arrives, and its content
// replaced; `data-live-load` fetches it once the page has loaded too, and `data-live-hide-empty` hides
// the element while the fragment is empty. The server renders the same fragment into the page. The
// elements are looked up each time, so a part of the page swapped in later (the sidebar refreshed by
// sidebar.js) keeps working; such a swap announces itself with a bubbling "townhall:swapped" event.
(function () {
  "use strict";
  const within = function (root) { return Array.from(root.querySelectorAll("[data-live]")); };
  const fill = function (url, html) {
    within(document).forEach(function (node) {
      if (node.dataset.live !== url) return;
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      node.replaceChildren(holder.content);
      if (node.hasAttribute("data-live-hide-empty")) node.hidden = !node.textContent.trim();
      if (window.htmx) window.htmx.process(node);
    });
  };
  const refresh = function (url) {
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) fill(url, html); })
      .catch(function () { /* the next broadcast or page shows it */ });
  };
  const pending = new Map();
  const soon = function (url) {
    if (pending.has(url)) return;
    pending.set(url, setTimeout(function () { pending.delete(url); refresh(url); }, 2000));
  };
  const loadIn = function (root) {
    const urls = new Set();
    within(root).forEach(function (node) { if (node.hasAttribute("data-live-load")) urls.add(node.dataset.live); });
    urls.forEach(refresh);
  };
  loadIn(document);
  document.addEventListener("townhall:swapped", function (event) {
    if (event.target instanceof Element) loadIn(event.target);
  });
  document.addEventListener("townhall:broadcast", function (event) {
    const type = (event.detail || {}).type;
    if (!type) return;
    const urls = new Set();
    within(document).forEach(function (node) {
      if ((node.dataset.liveOn || "").split(" ").indexOf(type) !== -1) urls.add(node.dataset.live);
    });
    urls.forEach(soon);
  });
})();
