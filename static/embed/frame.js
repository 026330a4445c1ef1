/*
 * The status card tells the page that frames it how tall it is, so that page's
 * copy of /embed/resize.js can fit the iframe to it (no clipped card, no gap).
 * The height is all it says: nothing private, so any framing page may hear it.
 */
(function () {
  "use strict";

  if (window.parent === window) {
    return;
  }
  var last = 0;

  function report() {
    var card = document.querySelector("main");
    if (!card) {
      return;
    }
    var height = Math.ceil(card.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ herald: "frame-height", height: height }, "*");
    }
  }

  function start() {
    report();
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(report).observe(document.querySelector("main"));
    } else {
      window.addEventListener("resize", report);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", report);
})();
