// Progressive enhancement: show <time datetime> values in the visitor's own zone.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat) return;
  var styles = {
    date: { year: "numeric", month: "short", day: "numeric" },
    time: { hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    datetime: {
      year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    }
  };
  document.querySelectorAll("time[datetime][data-style]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when.getTime())) return;
    var style = styles[el.getAttribute("data-style")] || styles.datetime;
    el.title = el.textContent;
    el.textContent = new Intl.DateTimeFormat(undefined, style).format(when);
  });
})();
