// Progressive enhancements only: every action also works without this file.
(function () {
  "use strict";
  const root = document.documentElement;
  const order = { system: "dark", dark: "light", light: "system" };

  // The sticky top bar's real height (it wraps on narrow screens): sticky notices sit below it
  // (--topbar-height in townhall.css).
  const topbar = document.querySelector(".topbar");
  if (topbar) {
    const measure = function () { root.style.setProperty("--topbar-height", topbar.offsetHeight + "px"); };
    measure();
    if ("ResizeObserver" in window) new ResizeObserver(measure).observe(topbar);
  }

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
