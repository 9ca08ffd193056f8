// The public draw page: a countdown to the drand round's publish time, and
// the print button. No data leaves the page.
(function () {
  "use strict";
  var el = document.getElementById("countdown");
  if (el) {
    var at = parseInt(el.getAttribute("data-publish"), 10);
    var done = el.getAttribute("data-done") || "";
    // The server's clock (a rehearsal's may differ from the browser's), run on from page load.
    var serverNow = parseInt(el.getAttribute("data-now"), 10);
    var loaded = Date.now();
    var tick = function () {
      var left = Math.round(at - serverNow - (Date.now() - loaded) / 1000);
      if (left <= 0) {
        el.textContent = done;
        return;
      }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600),
          m = Math.floor(left % 3600 / 60), s = left % 60;
      el.textContent = (d > 0 ? d + "d " : "") + h + "h " + m + "m " + s + "s";
      window.setTimeout(tick, 1000);
    };
    if (!isNaN(at) && !isNaN(serverNow)) { tick(); }
  }
  var print = document.getElementById("print-notice");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
})();
