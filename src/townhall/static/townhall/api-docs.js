// The API docs page: start Swagger UI (served from our static files) with django-ninja's settings.
// Deep links are off: Swagger UI nests them inside each operation's toggle button, which screen readers
// and keyboards cannot tell apart (axe: nested-interactive); the operation ids stay in the page.
(function () {
  "use strict";
  const settings = JSON.parse(document.getElementById("swagger-settings").textContent);
  const body = document.body.dataset;
  settings.dom_id = "#swagger-ui";
  settings.deepLinking = false;
  settings.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  if (body.apiCsrf && body.csrfToken) {
    settings.requestInterceptor = function (request) {
      request.headers["X-CSRFToken"] = body.csrfToken;
      return request;
    };
  }
  window.ui = SwaggerUIBundle(settings);
})();
