/* SPDX-License-Identifier: MIT */
/*
 * reload.js: the client `casebook serve` adds to every page it serves,
 * never to the files of a build (docs/serve.md).
 *
 * It listens to the server's event stream. Each "state" event names the
 * site served and the diagnostics of the last build: a page of another
 * site reloads (the new site is whole in place by then); a page of the
 * site served shows the build's errors in an overlay on top of it, and
 * takes the overlay away when a build has none. The diagnostics are the
 * casebook's text: they go into the page as text nodes, never as markup.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var site = script ? script.getAttribute("data-site") : null;
  var overlay = null;

  function styleSheet() {
    if (document.getElementById("casebook-serve-style")) return;
    var link = document.createElement("link");
    link.id = "casebook-serve-style";
    link.rel = "stylesheet";
    link.href = "/_casebook/overlay.css";
    (document.head || document.documentElement).appendChild(link);
  }

  function add(parent, tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function show(state) {
    hide();
    if (!state.failure && !state.errors) return;
    styleSheet();
    overlay = document.createElement("section");
    overlay.id = "casebook-serve-overlay";
    overlay.setAttribute("role", "alert");
    var head = add(overlay, "div", "casebook-serve-head");
    var title = state.failure
      ? "casebook: the build failed"
      : "casebook: " + plural(state.errors, "error") +
        (state.warnings ? ", " + plural(state.warnings, "warning") : "");
    add(head, "strong", "", title);
    add(head, "span", "casebook-serve-note", state.kept
      ? " \u2014 this page is from the last good build; fix the casebook and it reloads"
      : " \u2014 this page was built with them; fix the casebook and it reloads");
    var close = add(head, "button", "casebook-serve-close", "Hide");
    close.type = "button";
    close.addEventListener("click", hide);
    if (state.failure) add(overlay, "p", "casebook-serve-failure", state.failure);
    var list = add(overlay, "ol", "casebook-serve-diags");
    (state.diagnostics || []).forEach(function (d) {
      var item = add(list, "li", "casebook-serve-" + d.level);
      if (d.where) add(item, "span", "casebook-serve-where", d.where + ": ");
      add(item, "span", "casebook-serve-level", d.level + ": ");
      add(item, "span", "casebook-serve-message", d.message);
      if (d.rule) add(item, "span", "casebook-serve-rule", " [" + d.rule + "]");
    });
    if (state.more) add(overlay, "p", "casebook-serve-more",
      "and " + state.more + " more: see the terminal");
    (document.body || document.documentElement).appendChild(overlay);
  }

  if (!window.EventSource) return;
  var events = new EventSource("/_casebook/events");
  events.addEventListener("state", function (event) {
    var state;
    try {
      state = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    if (state.site && site && state.site !== site) {
      events.close();
      window.location.reload();
      return;
    }
    show(state);
  });
})();
