/* Pickers (issue 14): an <input data-lookup-url list="…-options"> gets suggestions in its
   <datalist> from the portal's JSON lookup as the user types. The browser's own datalist UI
   does the keyboard and screen-reader work; without JavaScript the user types the code. */
(function () {
  "use strict";
  function attach(input) {
    var url = input.getAttribute("data-lookup-url");
    var list = document.getElementById(input.getAttribute("list"));
    if (!url || !list) return;
    var timer = null, last = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        // data-lookup-multiple: several codes separated by commas; suggest for the last one
        var multiple = input.hasAttribute("data-lookup-multiple");
        var parts = multiple ? input.value.split(/[\s,;]+/) : [input.value];
        var q = parts.pop().trim();
        var prefix = multiple && parts.length ? parts.filter(Boolean).join(", ") + ", " : "";
        if (q === last) return;
        last = q;
        fetch(url + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" }, credentials: "same-origin"
        })
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (data) {
            list.textContent = "";
            (data.results || []).forEach(function (item) {
              var option = document.createElement("option");
              option.value = prefix + item.value;
              option.label = item.label;
              option.textContent = item.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional: typing the code still works */ });
      }, 200);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-lookup-url]").forEach(attach);
  });
})();
