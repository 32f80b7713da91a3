// Keys 1-5 or A-E pick an option in any form marked data-choices, unless the learner is typing.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio")) return;
    var form = document.querySelector("form[data-choices]");
    if (!form) return;
    var key = event.key.toUpperCase();
    var index = "12345".indexOf(key);
    if (index < 0) index = "ABCDE".indexOf(key);
    if (index < 0 || key.length !== 1) return;
    var radios = form.querySelectorAll('input[type="radio"][name="choice"]');
    if (index >= radios.length) return;
    event.preventDefault();
    radios[index].checked = true;
    radios[index].focus();
    radios[index].dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.documentElement.dataset.choiceKeys = "ready";
})();
