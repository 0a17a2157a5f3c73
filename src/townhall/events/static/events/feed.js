// The calendar settings page: a Copy button beside the feed address (the address stays selectable
// without JavaScript; the button shows only where the clipboard can be written).
(function () {
  function setup(root) {
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (!navigator.clipboard || button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.querySelector(button.dataset.copy);
        var status = button.closest(".form-row").querySelector("[data-copy-status]");
        if (!field) return;
        navigator.clipboard.writeText(field.value).then(
          function () { if (status) status.textContent = "Copied."; },
          function () { field.select(); if (status) status.textContent = "Select the address and copy it."; }
        );
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSwap", function (event) { setup(event.target); });
})();
