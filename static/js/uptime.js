/* Uptime days that open a popover: that day's incidents and maintenance, with links.
 *
 * Without this script (or in a browser without the Popover API) each such day is a
 * plain link to the day in the history, and its popover stays `hidden`. With it, the
 * link becomes a button (click, tap, Enter or Space) that opens the popover in the
 * top layer, where no card's `overflow: hidden` clips it; Escape or a click elsewhere
 * closes it (the browser's light dismiss) and focus returns to the day.
 * An external file because the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  if (!Object.prototype.hasOwnProperty.call(HTMLElement.prototype, "popover")) {
    return;
  }
  var GAP = 8;

  function place(link, box) {
    // Below the day, centred on it, kept inside the viewport; above it when there is no room.
    var day = link.getBoundingClientRect();
    var width = box.offsetWidth;
    var height = box.offsetHeight;
    var left = day.left + day.width / 2 - width / 2;
    left = Math.max(GAP, Math.min(left, document.documentElement.clientWidth - width - GAP));
    var top = day.bottom + GAP;
    if (top + height > window.innerHeight - GAP && day.top - height - GAP > GAP) {
      top = day.top - height - GAP;
    }
    // Absolute in the top layer is relative to the document: it scrolls with the page.
    box.style.left = left + window.scrollX + "px";
    box.style.top = top + window.scrollY + "px";
  }

  function enhance(link) {
    var box = document.getElementById(link.getAttribute("data-popover"));
    if (!box) {
      return;
    }
    box.popover = "auto";
    box.hidden = false;
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
    link.setAttribute("aria-controls", box.id);

    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (box.matches(":popover-open")) {
        box.hidePopover();
        return;
      }
      box.showPopover();
      place(link, box);
      box.focus();
    });
    link.addEventListener("keydown", function (event) {
      if (event.key === " ") {  // a button answers Space as well as Enter
        event.preventDefault();
        link.click();
      }
    });
    box.addEventListener("toggle", function (event) {
      var open = event.newState === "open";
      link.setAttribute("aria-expanded", open ? "true" : "false");
      var focus = document.activeElement;
      if (!open && (focus === document.body || focus === null || box.contains(focus))) {
        link.focus();
      }
    });
  }

  document.querySelectorAll("a.day-link[data-popover]").forEach(enhance);
})();
