// Test mode: save each choice the moment it is made, and never lose one.
// Unsent choices wait in localStorage until the server confirms them, so a reload, a closed tab
// or a dropped connection loses nothing; the page says plainly when a choice is not yet saved.
(function () {
  "use strict";

  function csrfToken() {
    var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function storageKey(attempt) { return "learnapp:test:" + attempt + ":pending"; }

  // The server takes at most an hour per report (more is a tab left open) and adds reports up.
  var MAX_ELAPSED_MS = 60 * 60 * 1000;
  function clampElapsed(ms) { return Math.min(Math.max(0, Math.round(ms || 0)), MAX_ELAPSED_MS); }

  function loadPending(attempt) {
    try { return JSON.parse(localStorage.getItem(storageKey(attempt)) || "{}"); }
    catch (e) { return {}; }
  }

  function savePending(attempt, pending) {
    try {
      if (Object.keys(pending).length) localStorage.setItem(storageKey(attempt), JSON.stringify(pending));
      else localStorage.removeItem(storageKey(attempt));
    } catch (e) { /* private mode: the in-memory copy still retries */ }
  }

  function Saver(attempt, statusEl) {
    this.attempt = attempt;
    this.status = statusEl;
    this.pending = loadPending(attempt);
    this.delay = 1000;
    this.timer = null;
    this.busy = false;
    this.onIdle = [];
  }

  Saver.prototype.say = function (text, state) {
    if (!this.status) return;
    this.status.textContent = text;
    this.status.dataset.state = state;
  };

  // What the form holds for its question, by type, as the fields the server reads.
  function readAnswer(form) {
    var qtype = form.dataset.qtype || "single";
    if (qtype === "multiple") {
      var ticked = Array.prototype.map.call(
        form.querySelectorAll('input[name="choices"]:checked'), function (box) { return box.value; });
      return { choices: ticked, clear: "1" };
    }
    if (qtype === "numeric") {
      var input = form.querySelector('input[name="value"]');
      return { value: input ? input.value : "" };
    }
    if (qtype === "ordering") {
      return { order: Array.prototype.map.call(
        form.querySelectorAll("[data-ordering] [data-step]"), function (li) { return li.dataset.step; }) };
    }
    var checked = form.querySelector('input[name="choice"]:checked');
    return { choice: checked ? checked.value : "" };
  }

  // Show an answer kept in this browser but never confirmed by the server.
  function applyAnswer(form, fields) {
    if (fields.choice) {
      var radio = form.querySelector('input[name="choice"][value="' + fields.choice + '"]');
      if (radio) radio.checked = true;
    }
    if (fields.choices) {
      form.querySelectorAll('input[name="choices"]').forEach(function (box) {
        box.checked = fields.choices.indexOf(box.value) >= 0;
      });
    }
    if (typeof fields.value === "string") {
      var input = form.querySelector('input[name="value"]');
      if (input) input.value = fields.value;
    }
    if (fields.order) {
      var list = form.querySelector("[data-ordering]");
      if (list) {
        fields.order.forEach(function (letter) {
          var li = list.querySelector('[data-step="' + letter + '"]');
          if (li) list.appendChild(li);
        });
        refreshOrdering(list);
      }
    }
  }

  // After a step moves: the first step cannot go up, the last cannot go down.
  function refreshOrdering(list) {
    var steps = list.querySelectorAll("[data-step]");
    steps.forEach(function (li, index) {
      var up = li.querySelector('button[value^="up:"]'), down = li.querySelector('button[value^="down:"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === steps.length - 1;
    });
  }

  // Move a step in place instead of posting the form; focus stays on a button of that step.
  function moveStep(button) {
    var parts = button.value.split(":"), li = button.closest("[data-step]"), list = li.parentNode;
    if (parts[0] === "up" && li.previousElementSibling) list.insertBefore(li, li.previousElementSibling);
    else if (parts[0] === "down" && li.nextElementSibling) list.insertBefore(li.nextElementSibling, li);
    refreshOrdering(list);
    var focus = button.disabled ? li.querySelector("button:not([disabled])") : button;
    if (focus) focus.focus();
  }

  Saver.prototype.queue = function (number, fields, elapsed) {
    // Time not yet reported for this question is kept when the answer changes again.
    var earlier = this.pending[number];
    if (earlier && earlier.elapsed) elapsed = clampElapsed((elapsed || 0) + earlier.elapsed);
    this.pending[number] = { fields: fields, elapsed: elapsed };
    savePending(this.attempt, this.pending);
    this.say("Saving…", "saving");
    this.flush();
  };

  Saver.prototype.flush = function () {
    var self = this;
    if (self.busy) return;
    var numbers = Object.keys(self.pending);
    if (!numbers.length) {
      var waiting = self.onIdle; self.onIdle = [];
      waiting.forEach(function (fn) { fn(); });
      return;
    }
    var number = numbers[0], item = self.pending[number];
    // Entries kept by an earlier version of this script hold a single choice.
    var fields = item.fields || { choice: item.choice };
    var body = new URLSearchParams({ number: number });
    Object.keys(fields).forEach(function (name) {
      [].concat(fields[name]).forEach(function (value) { body.append(name, value); });
    });
    if (item.elapsed) body.set("elapsed_ms", String(clampElapsed(item.elapsed)));
    self.busy = true;
    fetch("/tests/" + self.attempt + "/answer/", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        self.busy = false;
        if (response.ok) {
          if (self.pending[number] === item) delete self.pending[number];
          savePending(self.attempt, self.pending);
          self.delay = 1000;
          markAnswered(number);
          if (!Object.keys(self.pending).length) self.say("Saved.", "saved");
          self.flush();
        } else if (response.status >= 400 && response.status < 500) {
          // The server will never take this one (for example the test was submitted).
          delete self.pending[number];
          savePending(self.attempt, self.pending);
          self.say((data && data.error) || "This answer could not be saved.", "error");
          self.flush();
        } else {
          self.retry();
        }
      });
    }).catch(function () {
      self.busy = false;
      self.retry();
    });
  };

  Saver.prototype.retry = function () {
    var self = this, seconds = Math.round(self.delay / 1000);
    self.say("Not saved yet: no connection. Retrying in " + seconds + " s… Your choice is kept in this browser.", "offline");
    clearTimeout(self.timer);
    self.timer = setTimeout(function () { self.flush(); }, self.delay);
    self.delay = Math.min(self.delay * 2, 15000);
  };

  Saver.prototype.whenIdle = function (fn) {
    this.onIdle.push(fn);
    this.flush();
  };

  function markAnswered(number) {
    var dot = document.querySelector('[data-qdot="' + number + '"]');
    if (dot && !dot.classList.contains("qdot-answered")) {
      dot.classList.add("qdot-answered");
      dot.setAttribute("aria-label", "Question " + number + ": answered");
      var count = document.querySelector("[data-answered-count]");
      if (count) count.textContent = String(parseInt(count.textContent, 10) + 1);
    }
  }

  // The server enforces the time limit; this only shows it, and reloads when it runs out so the
  // server can submit the attempt and show what happens next.
  function startCountdown() {
    var holder = document.querySelector("[data-deadline]");
    if (!holder) return;
    var deadline = Date.parse(holder.dataset.deadline), out = holder.querySelector("[data-time-left]");
    // The ticking clock is not read out (every second would drown everything else); the time
    // left is said once as it passes 5 minutes and 1 minute, on the page where that happens.
    var announce = document.querySelector("[data-time-announce]");
    var thresholds = [[300, "5 minutes left."], [60, "1 minute left."]];
    var previous = null;
    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60), seconds = left % 60;
      out.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      thresholds.forEach(function (pair) {
        if (announce && previous !== null && previous > pair[0] && left <= pair[0]) announce.textContent = pair[1];
      });
      previous = left;
      if (left === 0) { window.location.reload(); return; }
      setTimeout(tick, 1000);
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    startCountdown();
    var form = document.querySelector("form[data-test-form], form[data-submit-form]");
    if (!form) return;
    var attempt = form.dataset.attempt;
    var saver = new Saver(attempt, form.querySelector("[data-save-status]"));
    // Time on this question since it was last reported: each save sends it and starts afresh.
    var lastReport = Date.now();
    function takeElapsed() {
      var now = Date.now(), elapsed = clampElapsed(now - lastReport);
      lastReport = now;
      return elapsed;
    }

    if (form.hasAttribute("data-test-form")) {
      var number = form.dataset.number;
      // A choice made here earlier but never confirmed: show it, and send it again.
      var waiting = saver.pending[number];
      if (waiting) applyAnswer(form, waiting.fields || { choice: waiting.choice });
      // A choice clicked before this script ran (slow network) is sent now.
      var checked = form.querySelector('input[name="choice"]:checked');
      if (checked && !waiting && checked.value !== form.dataset.savedChoice) {
        saver.queue(number, readAnswer(form), null);
      }
      form.addEventListener("change", function (event) {
        if (/^(choice|choices|value)$/.test(event.target.name)) {
          saver.queue(number, readAnswer(form), takeElapsed());
        }
      });
      // Ordering: with JavaScript, "Up" and "Down" move the step here and save in the background.
      form.addEventListener("click", function (event) {
        var button = event.target.closest && event.target.closest('button[name="move"]');
        if (!button || !form.contains(button)) return;
        event.preventDefault();
        moveStep(button);
        saver.queue(number, readAnswer(form), takeElapsed());
      });
      // Navigation buttons still work without JavaScript; with it, they wait for the save and
      // then carry the time spent since, so "Save and next" adds to the total.
      form.addEventListener("submit", function (event) {
        if (!Object.keys(saver.pending).length) {
          var field = form.querySelector('input[name="elapsed_ms"]');
          if (!field) {
            field = document.createElement("input");
            field.type = "hidden";
            field.name = "elapsed_ms";
            form.appendChild(field);
          }
          field.value = String(takeElapsed());
          return;
        }
        event.preventDefault();
        var submitter = event.submitter;
        saver.whenIdle(function () { form.requestSubmit(submitter); });
      });
    } else {
      form.addEventListener("submit", function (event) {
        if (!Object.keys(saver.pending).length) return;
        event.preventDefault();
        saver.say("Saving your last answers before submitting…", "saving");
        saver.whenIdle(function () { form.submit(); });
      });
    }
    form.dataset.ready = "true";
    window.addEventListener("beforeunload", function (event) {
      if (Object.keys(saver.pending).length) { event.preventDefault(); event.returnValue = ""; }
    });
    saver.flush();
  });
})();
