// EWC help: as a person types into a field marked data-ewc-search, the matching codes of the
// European waste list (all 842, searched on the server: /api/ewc) fill the page's datalist.
(function () {
  "use strict";
  var list = document.getElementById("ewc-codes");
  if (!list) { return; }
  var timer = null;
  function fill(codes) {
    list.textContent = "";
    codes.forEach(function (c) {
      var option = document.createElement("option");
      option.value = c.code;
      option.label = c.title + (c.hazardous ? " (*)" : "");
      option.textContent = c.title;
      list.appendChild(option);
    });
  }
  document.querySelectorAll("input[data-ewc-search]").forEach(function (input) {
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { fill([]); return; }
      timer = setTimeout(function () {
        fetch("/api/ewc?q=" + encodeURIComponent(q), {headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {codes: []}; })
          .then(function (data) { fill(data.codes || []); })
          .catch(function () { fill([]); });
      }, 150);
    });
  });
}());
