/* Uptime days that open a popover: that day's downtime, incidents and maintenance, with links.
 *
 * Without this script (or in a browser without the Popover API) each such day is a plain
 * link to the day in the history, named and tooltipped by the day's words. With it, the
 * link becomes a button (click, tap, Enter or Space) that opens a popover in the top layer,
 * where no card's `overflow: hidden` clips it; Escape or a click elsewhere closes it (the
 * browser's light dismiss) and focus returns to the day.
 *
 * The page carries no popover markup (it would double the status page): a popover is built
 * on first opening from the link's title ("<day>: <downtime>[: <incidents>]"), its
 * `data-events` ([[id, name, is maintenance], ...]) and its href, and kept for next time.
 * An external file because the Content-Security-Policy allows no inline script.
 */
(function () {
  "use strict";
  if (!Object.prototype.hasOwnProperty.call(HTMLElement.prototype, "popover")) {
    return;
  }
  var GAP = 8;
  var SEPARATOR = ": ";
  var script = document.currentScript;
  var maintenanceCountsAs = script ? script.getAttribute("data-maintenance-counts-as") : null;
  var incidentUrl = (script && script.getAttribute("data-incident-url")) || "/incidents/";
  var built = 0;

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

  function paragraph(className, text) {
    var p = document.createElement("p");
    p.className = className;
    p.textContent = text;
    return p;
  }

  function eventList(events) {
    var list = document.createElement("ul");
    list.className = "popover-events";
    events.forEach(function (event) {
      var item = document.createElement("li");
      var anchor = document.createElement("a");
      anchor.href = incidentUrl + encodeURIComponent(event[0]);
      anchor.textContent = event[1];
      item.appendChild(anchor);
      if (event[2]) {
        var pill = document.createElement("span");
        pill.className = "pill";
        pill.textContent = "Maintenance";
        item.appendChild(document.createTextNode(" "));
        item.appendChild(pill);
      }
      list.appendChild(item);
    });
    return list;
  }

  function build(link) {
    // The label and the downtime never hold ": " (app/services/uptime.py promises it).
    var words = link.title.split(SEPARATOR);
    var events = JSON.parse(link.getAttribute("data-events") || "[]");
    var id = "day-popover-" + ++built;
    var box = document.createElement("div");
    box.className = "day-popover";
    box.id = id;
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-labelledby", id + "-title");
    box.tabIndex = -1;
    box.popover = "auto";
    var title = paragraph("popover-title", words[0]);
    title.id = id + "-title";
    box.appendChild(title);
    box.appendChild(paragraph("popover-headline", words[1] || ""));
    if (events.length) {
      box.appendChild(eventList(events));
    }
    if (maintenanceCountsAs && events.some(function (event) { return event[2]; })) {
      box.appendChild(paragraph(
        "popover-note",
        "Scheduled maintenance counts as " + maintenanceCountsAs + " on this page."
      ));
    }
    var more = paragraph("popover-more", "");
    var anchor = document.createElement("a");
    anchor.href = link.getAttribute("href");
    anchor.textContent = "All of " + words[0] + " in the history";
    more.appendChild(anchor);
    box.appendChild(more);
    box.addEventListener("toggle", function (event) {
      var open = event.newState === "open";
      link.setAttribute("aria-expanded", open ? "true" : "false");
      var focus = document.activeElement;
      if (!open && (focus === document.body || focus === null || box.contains(focus))) {
        link.focus();
      }
    });
    link.insertAdjacentElement("afterend", box);
    link.setAttribute("aria-controls", id);
    return box;
  }

  function toggle(link) {
    var id = link.getAttribute("aria-controls");
    var box = id ? document.getElementById(id) : build(link);
    if (box.matches(":popover-open")) {
      box.hidePopover();
      return;
    }
    box.showPopover();
    place(link, box);
    box.focus();
  }

  function dayLink(event) {
    return event.target.closest ? event.target.closest("a.day-link") : null;
  }

  document.querySelectorAll("a.day-link").forEach(function (link) {
    link.setAttribute("role", "button");
    link.setAttribute("aria-expanded", "false");
  });
  // One listener each for the whole page: a status page can draw a thousand such days.
  document.addEventListener("click", function (event) {
    var link = dayLink(event);
    if (link) {
      event.preventDefault();
      toggle(link);
    }
  });
  document.addEventListener("keydown", function (event) {
    var link = dayLink(event);
    if (link && event.key === " ") {  // a button answers Space as well as Enter
      event.preventDefault();
      toggle(link);
    }
  });
})();
