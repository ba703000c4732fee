/* The API's interactive reference (templates/monitoring/api_docs.html): Swagger UI from drf-spectacular-sidecar.
 *
 * The schema's address comes from the container's data-schema-url, so the page needs no inline script. Without
 * this script (or without Swagger UI's bundle) the container keeps its text, which links the OpenAPI description.
 * Only GET requests can be tried (the API is read-only), and no online validator is asked about the schema (the
 * CSP allows nothing from other hosts).
 */
(function () {
  "use strict";

  function start() {
    var container = document.getElementById("swagger-ui");
    if (!container || !container.dataset.schemaUrl || typeof window.SwaggerUIBundle !== "function") {
      return;
    }
    container.replaceChildren();
    window.SwaggerUIBundle({
      url: container.dataset.schemaUrl,
      domNode: container,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      supportedSubmitMethods: ["get", "head"],
      validatorUrl: null,
      displayRequestDuration: true,
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
