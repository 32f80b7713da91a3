// After htmx swaps in a practice answer's feedback, bring the set's overview up to date: the
// current question's dot turns right or wrong and the "answered" count goes up the first time.
// Without JavaScript the form posts and the whole page, overview included, comes back fresh.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var result = event.target.querySelector && event.target.querySelector("[data-practice-result]");
    if (!result) return;
    var right = result.dataset.practiceResult === "right";
    var dot = document.querySelector('.question-overview a[aria-current="step"]');
    if (!dot) return;
    var wasAnswered = dot.classList.contains("qdot-right") || dot.classList.contains("qdot-wrong");
    dot.classList.toggle("qdot-right", right);
    dot.classList.toggle("qdot-wrong", !right);
    dot.setAttribute("aria-label", dot.getAttribute("aria-label").replace(
      /: .*$/, ": " + (right ? "last answered right" : "last answered wrong")));
    var count = document.querySelector("[data-answered-count]");
    if (count && !wasAnswered) {
      var answered = parseInt(count.dataset.answeredCount, 10) + 1;
      count.dataset.answeredCount = String(answered);
      count.textContent = answered + " of " + count.dataset.total + " answered";
    }
  });
})();
