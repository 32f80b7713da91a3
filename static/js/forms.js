// After a failed submit, focus goes to the error summary, so it is read first and the learner
// starts from the list of what to fix; each link in it moves focus to its field, with the
// field's label scrolled into view too. Without JavaScript the summary still leads the page.
(function () {
  "use strict";
  function setUp() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-field]");
      if (!link) return;
      var field = document.getElementById(link.dataset.field);
      if (!field) return;
      event.preventDefault();
      // A group of boxes or buttons: focus its first one, and show its legend.
      var target = field.matches("input, select, textarea, button") ? field : field.querySelector("input, select, textarea");
      var label = document.querySelector('label[for="' + field.id + '"]') || field.closest("fieldset");
      (label || field).scrollIntoView();
      if (target) target.focus({ preventScroll: true });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
