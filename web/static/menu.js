// The menu folds away on narrow screens: a button opens it. Without this script the menu
// simply stays open (the CSS folds it only when the page has the js-menu class).
(function () {
  "use strict";
  var header = document.querySelector("header.top");
  var button = header && header.querySelector(".menu-toggle");
  if (!button) { return; }
  header.classList.add("js-menu");
  button.addEventListener("click", function () {
    var open = header.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
}());
