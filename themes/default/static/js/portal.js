/* Shuyuan portal: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";
  // Sort selects submit their form as soon as they change (the <noscript> button
  // does the same without script).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
  // Long facet lists show their first values and a button for the rest.
  document.querySelectorAll(".facet").forEach(function (facet) {
    var hidden = facet.querySelectorAll(".facet-more");
    if (!hidden.length) { return; }
    facet.classList.add("collapsed");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "facet-toggle";
    button.textContent = document.documentElement.lang.indexOf("zh") === 0 ? "显示全部" : "Show all";
    button.addEventListener("click", function () {
      facet.classList.remove("collapsed");
      button.remove();
    });
    facet.appendChild(button);
  });
  // Forms that destroy something ask first (the page's text, in the visitor's language).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
