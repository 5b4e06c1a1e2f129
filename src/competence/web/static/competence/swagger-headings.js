/* Swagger UI titles the page with an h1 and its sections with h3: to assistive technology,
   every heading below the title is one level higher (h3 is read as level 2), so that no level
   is skipped. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.MutationObserver) { return; }
  function level() {
    root.querySelectorAll("h3, h4, h5, h6").forEach(function (h) {
      var wanted = String(Number(h.tagName.charAt(1)) - 1);
      if (h.getAttribute("aria-level") !== wanted) { h.setAttribute("aria-level", wanted); }
    });
  }
  new MutationObserver(level).observe(root, { childList: true, subtree: true });
  level();
})();
