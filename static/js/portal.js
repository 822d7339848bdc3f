/* Small progressive enhancements; every page works without JavaScript. */
(function () {
  "use strict";
  // Pages of a running background job carry data-poll-url: reload the status fragment every
  // two seconds until the server marks it finished (data-poll-done), then stop.
  function poll(el) {
    var url = el.getAttribute("data-poll-url");
    if (!url || el.hasAttribute("data-poll-done")) return;
    window.setTimeout(function () {
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var tmp = document.createElement("div");
          tmp.innerHTML = html;
          var fresh = tmp.firstElementChild;
          if (fresh) { el.replaceWith(fresh); poll(fresh); }
        })
        .catch(function () { poll(el); });
    }, 2000);
  }
  // Select-all checkbox for bulk actions: <input type=checkbox data-select-all="name">.
  function selectAll(box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('input[type=checkbox][name="' + box.getAttribute("data-select-all") + '"]')
        .forEach(function (b) { b.checked = box.checked; });
    });
  }
  // Wide tables scroll inside their own region (WCAG 1.4.10 reflow); a region that scrolls can
  // be reached and scrolled with the keyboard and is named after its table (WCAG 2.1.1).
  function scrollRegions() {
    document.querySelectorAll(".table-wrap, .chart__svg").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        var caption = wrap.querySelector("caption, title");
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", caption && caption.textContent.trim() ? caption.textContent.trim() : document.title);
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  window.addEventListener("resize", scrollRegions);
  document.addEventListener("DOMContentLoaded", function () {
    scrollRegions();
    document.querySelectorAll("[data-poll-url]").forEach(poll);
    document.querySelectorAll("[data-select-all]").forEach(selectAll);
  });
})();
