// A region that scrolls sideways (a wide table on a phone) says so above it, while it is wider
// than its box: a shadow at the edge is easy to miss, and "there is more" should be read too.
(function () {
  "use strict";
  function check(region) {
    var hint = region.previousElementSibling;
    if (!hint || !hint.hasAttribute("data-scroll-hint")) {
      hint = document.createElement("p");
      hint.className = "scroll-hint";
      hint.setAttribute("data-scroll-hint", "");
      hint.textContent = "Scroll sideways to see all of it →";
      hint.hidden = true;
      region.parentNode.insertBefore(hint, region);
    }
    var wider = region.scrollWidth > region.clientWidth + 1;
    hint.hidden = !wider;
    region.toggleAttribute("data-overflowing", wider);
  }
  function checkAll() {
    document.querySelectorAll(".table-scroll, .chart-scroll").forEach(check);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", checkAll);
  else checkAll();
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(checkAll, 150);
  });
  document.addEventListener("htmx:afterSettle", checkAll);
})();
