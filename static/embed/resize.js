/*
 * Herald status card, self-sizing.
 *
 *   <iframe src="https://status.example.com/embed/frame" title="…" width="340" height="150"
 *           style="border:0;max-width:100%"></iframe>
 *   <script src="https://status.example.com/embed/resize.js" async></script>
 *
 * The card (static/embed/frame.js) posts its height; this script sets that height on
 * the iframe it came from. It listens only to the Herald it was loaded from, takes
 * only a number, within bounds, and touches no other element of the page.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var origin = new URL(script.src).origin;
  var registry = (window.__heraldResize = window.__heraldResize || {});
  if (registry[origin]) {
    return; // pasted twice: one listener is enough
  }
  registry[origin] = true;

  var MIN = 60;
  var MAX = 2000;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.herald !== "frame-height") {
      return;
    }
    var height = Number(data.height);
    if (!isFinite(height)) {
      return;
    }
    height = Math.min(MAX, Math.max(MIN, Math.ceil(height)));
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        frames[i].style.setProperty("height", height + "px");
      }
    }
  });
})();
