// After htmx swaps in a practice answer's feedback, bring the set's overview up to date: the
// current question's dot turns right or wrong and the "answered" count goes up the first time.
// Without JavaScript the form posts and the whole page, overview included, comes back fresh.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var result = event.target.querySelector && event.target.querySelector("[data-practice-result]");
    if (!result) return;
    // The verdict alone is announced (the status line stays in the page; emptied first so the
    // same verdict twice is still read), and focus goes to the feedback's heading, where
    // "Next question" and "Try again" follow.
    var verdict = document.getElementById("practice-verdict");
    var title = result.querySelector(".feedback-title");
    if (verdict && title) {
      verdict.textContent = "";
      setTimeout(function () { verdict.textContent = title.textContent.trim(); }, 50);
    }
    if (title) title.focus();
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

// Ordering: "Up" and "Down" move the step in place, with focus kept on a button of that step.
// Without JavaScript each press posts the form and the page comes back with the step moved.
(function () {
  "use strict";
  function refresh(list) {
    var steps = list.querySelectorAll("[data-step]");
    steps.forEach(function (li, index) {
      var up = li.querySelector('button[value^="up:"]'), down = li.querySelector('button[value^="down:"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === steps.length - 1;
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest('form[data-practice-form] button[name="move"]');
    if (!button) return;
    event.preventDefault();
    var li = button.closest("[data-step]"), list = li.parentNode;
    if (button.value.indexOf("up:") === 0 && li.previousElementSibling) {
      list.insertBefore(li, li.previousElementSibling);
    } else if (button.value.indexOf("down:") === 0 && li.nextElementSibling) {
      list.insertBefore(li.nextElementSibling, li);
    }
    refresh(list);
    var focus = button.disabled ? li.querySelector("button:not([disabled])") : button;
    if (focus) focus.focus();
  });
  document.documentElement.dataset.practiceReady = "true";
})();
