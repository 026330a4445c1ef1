/*
 * The Embed page, enhanced: copy buttons, and snippets and previews that follow the
 * options as they change. Without JavaScript the code stays selectable and the
 * "Update the snippets" button reloads the page with the options.
 */
(function () {
  "use strict";

  function announce(button, text) {
    var status = button.parentNode.querySelector(".copy-status");
    if (status) {
      status.textContent = text;
    }
  }

  function copyBySelection(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    return done;
  }

  function copy(button) {
    var code = document.getElementById(button.getAttribute("data-copy"));
    if (!code) {
      return;
    }
    var text = code.textContent;
    var fallback = function () {
      announce(
        button,
        copyBySelection(code) ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy."
      );
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        announce(button, "Copied.");
      }, fallback);
    } else {
      fallback();
    }
  }

  function showButtons(root) {
    var buttons = root.querySelectorAll(".copy-button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".copy-button");
    if (button) {
      copy(button);
    }
  });

  var form = document.getElementById("embed-options");
  var output = document.getElementById("embed-output");
  var pending = null;
  var timer = null;

  // `settled`: the person has finished with a field (a change, not a keystroke), so a
  // refused value is worth a reload that shows the message next to it.
  function refresh(settled) {
    var query = new URLSearchParams(new FormData(form)).toString();
    var url = form.action + "?" + query;
    var request = (pending = fetch(url, { credentials: "same-origin" }));
    request
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        if (request !== pending) {
          return; // a later change has already asked again
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var next = fresh.getElementById("embed-output");
        var errors = fresh.querySelector(".form-errors");
        if (!next || errors) {
          if (settled === true) {
            form.submit();
          }
          return;
        }
        output.replaceWith(document.importNode(next, true));
        output = document.getElementById("embed-output");
        showButtons(output);
        window.history.replaceState(null, "", url);
      })
      .catch(function () {
        // Offline or refused: the button still reloads the page.
      });
  }

  if (form && output) {
    showButtons(document);
    form.addEventListener("change", function () {
      refresh(true);
    });
    form.addEventListener("input", function (event) {
      if (event.target.type === "text") {
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 400);
      }
    });
  }
})();
