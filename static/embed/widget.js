/*
 * Herald status widget.
 *
 *   <script src="https://status.example.com/embed/script.js" async
 *           data-position="bottom-right" data-color="#ffffff" data-background="#cf222e"></script>
 *
 * data-preview shows the notice even while all is well (the admin's Embed page uses it).
 *
 * Shows a small pop-up in a corner of the page while an incident or maintenance
 * is active, and nothing otherwise. It lives in a shadow root so the host
 * page's CSS cannot reach it, inserts what the server sends as text only, and
 * sets no cookies (the summary is fetched without credentials).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) {
    return;
  }
  var registry = (window.__heraldWidgets = window.__heraldWidgets || {});
  if (registry[script.src]) {
    return; // the same script included twice shows one pop-up
  }
  registry[script.src] = true;

  var REFRESH_MS = 60000;
  var HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
  var POSITIONS = ["bottom-right", "bottom-left", "top-right", "top-left"];
  var BACKGROUNDS = {
    minor: "#9a6700",
    major: "#bc4c00",
    critical: "#cf222e",
    maintenance: "#0969da",
    none: "#1a7f37"
  };
  var ACTIVE_MAINTENANCE = ["in_progress", "verifying"];
  var STYLE = [
    ":host { all: initial; }",
    ".box { box-sizing: border-box; width: min(22rem, calc(100vw - 2rem)); padding: .8rem 1rem;",
    "  border-radius: 8px; box-shadow: 0 4px 16px rgba(0, 0, 0, .25);",
    "  font: 14px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }",
    ".box * { box-sizing: border-box; color: inherit; font: inherit; }",
    ".top { display: flex; align-items: flex-start; justify-content: space-between; gap: .5rem; }",
    ".page { margin: 0; font-size: 12px; }",
    ".headline { margin: 0 0 .3rem; font-weight: 700; font-size: 15px; }",
    "ul { list-style: none; margin: 0 0 .4rem; padding: 0; }",
    "li { margin: .3rem 0 0; }",
    "a { text-decoration: underline; }",
    "a:focus-visible, button:focus-visible { outline: 2px solid currentColor; outline-offset: 2px; }",
    ".state { display: block; font-size: 12px; }",
    ".more { display: inline-block; margin-top: .2rem; font-size: 12px; }",
    "button { background: transparent; border: 0; padding: 0 .25rem; margin: -.2rem -.4rem 0 0;",
    "  font-size: 18px; line-height: 1; cursor: pointer; }"
  ].join("\n");

  function option(name, valid, fallback) {
    var value = (script.getAttribute("data-" + name) || "").trim();
    return valid(value) ? value : fallback;
  }

  function isHex(value) {
    return HEX.test(value);
  }

  var position = option(
    "position",
    function (value) {
      return POSITIONS.indexOf(value) !== -1;
    },
    "bottom-right"
  );
  var color = option("color", isHex, "#ffffff");
  var background = option("background", isHex, "");
  var preview = script.hasAttribute("data-preview");
  var summaryUrl = new URL("../api/v2/summary.json", script.src).href;
  var pageUrl = new URL("../", script.src).href;

  var host = null;
  var dismissed = null;

  function safeUrl(value) {
    try {
      var url = new URL(value, pageUrl);
      if (url.protocol === "https:" || url.protocol === "http:") {
        return url.href;
      }
    } catch (error) {
      // fall through to the status page
    }
    return pageUrl;
  }

  function words(status) {
    var text = String(status || "").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function link(href, text, className) {
    var node = element("a", className, text);
    node.href = safeUrl(href);
    node.target = "_blank";
    node.rel = "noopener";
    return node;
  }

  function activeEvents(summary) {
    var incidents = Array.isArray(summary.incidents) ? summary.incidents : [];
    var maintenance = Array.isArray(summary.scheduled_maintenances)
      ? summary.scheduled_maintenances.filter(function (item) {
          return item && ACTIVE_MAINTENANCE.indexOf(item.status) !== -1;
        })
      : [];
    return incidents.filter(Boolean).concat(maintenance);
  }

  function remove() {
    if (host && host.parentNode) {
      host.parentNode.removeChild(host);
    }
    host = null;
  }

  function place(node) {
    var style = node.style;
    style.setProperty("all", "initial", "important");
    style.setProperty("position", "fixed", "important");
    style.setProperty("z-index", "2147483000", "important");
    style.setProperty("display", "block", "important");
    var edges = position.split("-");
    style.setProperty(edges[0], "16px", "important");
    style.setProperty(edges[1], "16px", "important");
  }

  function styleShadow(root) {
    if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLE);
        root.adoptedStyleSheets = [sheet];
        return;
      } catch (error) {
        // older engines: fall back to a <style> element
      }
    }
    root.appendChild(element("style", "", STYLE));
  }

  function render(summary, events) {
    remove();
    host = document.createElement("herald-status");
    place(host);
    var root = host.attachShadow({ mode: "open" });
    styleShadow(root);

    var indicator = summary.status && summary.status.indicator;
    var box = element("aside", "box");
    box.setAttribute("aria-label", "Service status");
    box.setAttribute("aria-live", "polite");
    box.style.color = color;
    box.style.background = background || BACKGROUNDS[indicator] || BACKGROUNDS.major;

    var top = element("div", "top");
    var heading = element("div");
    var page = summary.page || {};
    if (page.name) {
      heading.appendChild(element("p", "page", String(page.name)));
    }
    var description = (summary.status && summary.status.description) || "Service disruption";
    heading.appendChild(element("p", "headline", String(description)));
    top.appendChild(heading);
    var close = element("button", "", "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss status notice");
    close.addEventListener("click", function () {
      dismissed = signature(events);
      remove();
    });
    top.appendChild(close);
    box.appendChild(top);

    if (events.length) {
      var list = element("ul");
      events.forEach(function (event) {
        var item = element("li");
        item.appendChild(link(event.shortlink || page.url || pageUrl, String(event.name || "")));
        item.appendChild(element("span", "state", words(event.status)));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.appendChild(link(page.url || pageUrl, "View status page", "more"));
    root.appendChild(box);
    document.body.appendChild(host);
  }

  function signature(events) {
    return events
      .map(function (event) {
        return [event.id, event.status, event.updated_at].join("|");
      })
      .join(",");
  }

  function show(summary) {
    var events = activeEvents(summary || {});
    if (!events.length && !preview) {
      dismissed = null;
      remove();
      return;
    }
    if (dismissed !== null && dismissed === signature(events)) {
      return;
    }
    dismissed = null;
    render(summary, events);
  }

  function load() {
    if (document.hidden) {
      return;
    }
    fetch(summaryUrl, { credentials: "omit", mode: "cors" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(show)
      .catch(function () {
        // Keep whatever is shown; the next refresh tries again.
      });
  }

  function start() {
    load();
    window.setInterval(load, REFRESH_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) {
        load();
      }
    });
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
