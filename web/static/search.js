// While a search runs: show the progress line and keep the button from a second press.
// The text is in the page (translated there); this file only shows it. Served from 'self' (CSP).
(function () {
  var form = document.getElementById("search-form");
  var busy = document.getElementById("searching");
  if (!form || !busy) return;
  form.addEventListener("submit", function () {
    busy.hidden = false;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
  });
  // back from the results with the browser's history: the page may come from its cache
  window.addEventListener("pageshow", function () {
    busy.hidden = true;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
  });
})();
