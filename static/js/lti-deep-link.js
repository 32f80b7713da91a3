// The deep-linking answer goes back to the LMS by posting its form as soon as the page loads;
// without JavaScript the page's Continue button posts the same form.
(function () {
  "use strict";
  var form = document.querySelector("form[data-lti-auto-submit]");
  if (!form) return;
  var sending = form.querySelector("[data-lti-sending]");
  if (sending) sending.hidden = false;
  form.submit();
})();
