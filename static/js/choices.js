// Keys 1-5 or A-E pick an option in a form marked data-choices. Single-key shortcuts must not
// fire by accident (WCAG 2.1.4): they act only while focus is in the question (its form, its
// heading) or on the page itself, never on a link or button elsewhere, and a learner can turn
// them off with the switch under the options; the choice is remembered in this browser.
(function () {
  "use strict";
  var STORE = "learnapp:choice-keys";

  function enabled() {
    try { return localStorage.getItem(STORE) !== "off"; } catch (e) { return true; }
  }

  function remember(on) {
    try {
      if (on) localStorage.removeItem(STORE);
      else localStorage.setItem(STORE, "off");
    } catch (e) { /* private mode: the switch still holds for this page */ }
    document.documentElement.toggleAttribute("data-choice-keys-off", !on);
  }

  function inScope(target, form) {
    if (!target || target === document.body || target === document.documentElement) return true;
    if (target.id === "main") return true; // the skip link's target is the page itself
    var question = form.closest(".question-card") || form;
    return question.contains(target);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (!enabled()) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && target.type !== "radio")) return;
    var form = document.querySelector("form[data-choices]");
    if (!form || !inScope(target, form)) return;
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

  function setUp() {
    var on = enabled();
    document.documentElement.toggleAttribute("data-choice-keys-off", !on);
    document.querySelectorAll("[data-choice-keys-switch]").forEach(function (holder) {
      var box = holder.querySelector("input[type=checkbox]");
      if (!box) return;
      box.checked = on;
      holder.hidden = false;
      box.addEventListener("change", function () { remember(box.checked); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
  document.documentElement.dataset.choiceKeys = "ready";
})();
