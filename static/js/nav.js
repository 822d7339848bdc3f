/* Main navigation: a <details> that is a "Menu" button on narrow screens. Without JavaScript
   the button simply stays (and opens the menu); with it, the menu is always open on wide
   screens and the button is hidden there (html.js-nav, see portal.css). */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 60em)");
  document.documentElement.classList.add("js-nav");
  function sync() {
    document.querySelectorAll("details.main-nav__toggle").forEach(function (d) { d.open = wide.matches; });
  }
  if (wide.addEventListener) { wide.addEventListener("change", sync); }
  document.addEventListener("DOMContentLoaded", sync);
})();
