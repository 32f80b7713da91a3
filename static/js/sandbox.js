// Sandbox pages: copy a new key, show the learner's own key in the playground's snippets, and
// move focus to a key that was just created. Everything here is an enhancement: the pages work
// without it.
(function () {
  "use strict";

  const KEY = /sbx_test_([0-9a-f]{12})_[0-9a-f]{40}/g;

  function rawKeys() {
    // The key is only ever in the form the learner typed it into, never in a response.
    const found = new Map();
    const form = document.getElementById("playground-form");
    if (!form) return found;
    for (const input of form.querySelectorAll("input, textarea")) {
      for (const match of (input.value || "").matchAll(KEY)) found.set(match[1], match[0]);
    }
    return found;
  }

  function setUp(root) {
    for (const button of root.querySelectorAll("[data-copy]:not([data-bound])")) {
      if (!navigator.clipboard) continue;
      button.dataset.bound = "1";
      button.hidden = false;
      button.addEventListener("click", async () => {
        const target = document.querySelector(button.dataset.copy);
        if (!target) return;
        await navigator.clipboard.writeText(target.textContent.trim());
        button.textContent = "Copied";
      });
    }
    for (const button of root.querySelectorAll("[data-reveal]:not([data-bound])")) {
      button.dataset.bound = "1";
      button.hidden = false;
      button.addEventListener("click", () => {
        const found = rawKeys();
        const slots = document.querySelectorAll(".key-slot");
        const showing = button.getAttribute("aria-pressed") === "true";
        for (const slot of slots) {
          const id = (slot.dataset.masked.match(/sbx_test_([0-9a-f]{12})_/) || [])[1];
          slot.textContent = !showing && id && found.has(id) ? found.get(id) : slot.dataset.masked;
        }
        button.setAttribute("aria-pressed", String(!showing));
        button.textContent = showing ? "Show my key in these snippets" : "Mask my key again";
      });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    setUp(document);
    const focus = document.querySelector("[data-focus-on-load]");
    if (focus) focus.focus();
  });
  // After htmx swaps in a response, bind what it brought (bound elements are skipped).
  document.addEventListener("htmx:afterSettle", () => setUp(document));

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail && event.detail.target;
    if (!target) return;
    // A preset's fields came in: only that preset is marked as the chosen one.
    if (target.id === "request-fields" || (target.closest && target.closest("#request-fields"))) {
      const fields = document.getElementById("request-fields");
      const chosen = fields ? fields.dataset.preset : "";
      for (const link of document.querySelectorAll(".preset-list a[data-preset]")) {
        if (link.dataset.preset === chosen) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      }
    }
    // A response came in: its status line is read out from the region that stays in the page
    // (emptied first, so the same status twice is read again), and focus goes to its heading.
    if (target.id === "result") {
      const verdict = document.getElementById("result-verdict");
      const status = target.querySelector("[data-result-status]");
      if (verdict && status) {
        verdict.textContent = "";
        setTimeout(() => { verdict.textContent = status.textContent.replace(/\s+/g, " ").trim(); }, 50);
      }
      const heading = document.getElementById("result-title");
      if (heading) heading.focus();
    }
  });
})();
