/*
 * site.js: the script of the casebook site. No framework and no network:
 * it works from file://.
 *
 *   - search: loads search-index.js (written by the compiler, it sets
 *     window.casebookSearchData) the first time the reader searches, and
 *     shows the results above the page; "/" focuses the box, Escape
 *     clears it, page.html?q=WORDS opens with a search;
 *   - the filters of the cases index (tag, question, gold answer);
 *   - the Contents button of narrow screens.
 *
 * Everything it shows is set as text (textContent, setAttribute): nothing
 * from the casebook or the query is ever parsed as HTML.
 *
 * Terms are cut exactly as the compiler cuts them (compiler/html_search.c):
 * runs of letters and digits are words, lowered, at most 64 bytes of
 * UTF-8; Han, Kana and Hangul give each character and each pair of
 * neighbours.
 */
(function () {
  "use strict";

  var MAX_WORD = 64;
  var SHOWN = 50;

  /* ---- terms, as html_search.c cuts them ---------------------------- */

  function isCJK(cp) {
    return (cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x3131 && cp <= 0x318e) ||
      (cp >= 0x31f0 && cp <= 0x31ff) || (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff66 && cp <= 0xff9d) ||
      (cp >= 0x20000 && cp <= 0x3ffff);
  }

  function isSeparator(cp) {
    return cp < 0xc0 || cp === 0xd7 || cp === 0xf7 ||
      (cp >= 0x2000 && cp <= 0x2bff) || (cp >= 0x3000 && cp <= 0x303f) ||
      (cp >= 0xfe10 && cp <= 0xfe6f) || (cp >= 0xff00 && cp <= 0xff0f) ||
      (cp >= 0xff1a && cp <= 0xff20) || (cp >= 0xff3b && cp <= 0xff40) ||
      (cp >= 0xff5b && cp <= 0xff65) || cp === 0xfeff || cp >= 0xfff0 ||
      (cp >= 0xd800 && cp <= 0xdfff);
  }

  function fold(cp) {
    if (cp >= 0xc0 && cp <= 0xde && cp !== 0xd7) return cp + 0x20;
    if (cp >= 0x100 && cp <= 0x17f) {
      if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
        return cp & 1 ? cp + 1 : cp;
      if (cp === 0x178) return 0xff;
      if (cp === 0x130 || cp === 0x131 || cp === 0x138 || cp === 0x149 ||
          cp === 0x17f)
        return cp;
      return cp & 1 ? cp : cp + 1;
    }
    if (cp >= 0x391 && cp <= 0x3a9 && cp !== 0x3a2) return cp + 0x20;
    if (cp >= 0x410 && cp <= 0x42f) return cp + 0x20;
    if (cp >= 0x400 && cp <= 0x40f) return cp + 0x50;
    return cp;
  }

  function utf8Length(cp) {
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }

  /* The terms of a query: [{words: [...], cjk: [[term...], ...]}] in
   * order: each item is {term, cjk, last} where a CJK run of two or more
   * characters gives its bigrams (all required), of one its unigram. */
  function queryTerms(text) {
    var out = [];
    var word = "", wordBytes = 0, run = [];
    function endWord() {
      if (word) out.push({ term: word, word: true });
      word = "";
      wordBytes = 0;
    }
    function endRun() {
      if (run.length === 1) out.push({ term: run[0], word: false });
      for (var i = 1; i < run.length; i++)
        out.push({ term: run[i - 1] + run[i], word: false });
      run = [];
    }
    for (var i = 0; i < text.length; i++) {
      var cp = text.codePointAt(i);
      if (cp > 0xffff) i++;
      if (cp < 0x80) {
        var c = String.fromCharCode(cp);
        if (/[0-9A-Za-z]/.test(c)) {
          endRun();
          if (wordBytes < MAX_WORD) {
            word += c.toLowerCase();
            wordBytes++;
          }
        } else {
          endWord();
          endRun();
        }
      } else if (isCJK(cp)) {
        endWord();
        run.push(String.fromCodePoint(cp));
      } else if (isSeparator(cp)) {
        endWord();
        endRun();
      } else {
        endRun();
        var f = fold(cp), n = utf8Length(f);
        if (wordBytes + n <= MAX_WORD) {
          word += String.fromCodePoint(f);
          wordBytes += n;
        }
      }
    }
    endWord();
    endRun();
    return out;
  }

  /* ---- the index ------------------------------------------------------ */

  var DIGITS = {};
  (function () {
    var s = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-";
    for (var i = 0; i < s.length; i++) DIGITS[s.charAt(i)] = i;
  })();

  /* Calls fn(doc, inTitle) for each posting of an encoded list. */
  function decode(postings, fn) {
    var doc = -1, v = 0, scale = 1;
    for (var i = 0; i < postings.length; i++) {
      var d = DIGITS[postings.charAt(i)];
      if (d === undefined) return;
      if (d >= 32) {
        v += (d - 32) * scale;
        scale *= 32;
        continue;
      }
      v += d * scale;
      doc += Math.floor(v / 2);
      fn(doc, v % 2 === 1);
      v = 0;
      scale = 1;
    }
  }

  var sortedTerms = null;

  /* The terms of the index that start with prefix (at most limit). */
  function termsWithPrefix(data, prefix, limit) {
    if (!sortedTerms) sortedTerms = Object.keys(data.terms).sort();
    var lo = 0, hi = sortedTerms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (sortedTerms[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    var found = [];
    for (var i = lo; i < sortedTerms.length && found.length < limit; i++) {
      if (sortedTerms[i].lastIndexOf(prefix, 0) !== 0) break;
      found.push(sortedTerms[i]);
    }
    return found;
  }

  /* The documents matching every term of the query, best first:
   * [{doc, score}]. A word matches the terms it begins (the whole word
   * scores more); a match in a title scores ten times one in a body. */
  function search(data, query) {
    var qterms = queryTerms(query);
    if (!qterms.length) return [];
    var scores = null;
    var own = Object.prototype.hasOwnProperty;
    for (var k = 0; k < qterms.length; k++) {
      var q = qterms[k];
      var hits = new Map();
      var alternatives = [q.term];
      if (q.word) {
        var more = termsWithPrefix(data, q.term, 200);
        for (var m = 0; m < more.length; m++)
          if (more[m] !== q.term) alternatives.push(more[m]);
      }
      for (var a = 0; a < alternatives.length; a++) {
        var t = alternatives[a];
        if (!own.call(data.terms, t)) continue;
        var weight = t === q.term ? 1 : 0.5;
        decode(data.terms[t], function (doc, inTitle) {
          var s = (inTitle ? 10 : 1) * weight;
          var had = hits.get(doc);
          if (had === undefined || had < s) hits.set(doc, s);
        });
      }
      if (scores === null) {
        scores = hits;
      } else {
        var next = new Map();
        scores.forEach(function (s, doc) {
          var h = hits.get(doc);
          if (h !== undefined) next.set(doc, s + h);
        });
        scores = next;
      }
      if (!scores.size) return [];
    }
    var results = [];
    scores.forEach(function (s, doc) {
      var kind = data.docs[doc] ? data.docs[doc][0] : "";
      /* elements and headings before the prose of a whole chapter */
      if (kind === "p") s -= 0.25;
      results.push({ doc: doc, score: s });
    });
    results.sort(function (x, y) {
      return y.score - x.score || x.doc - y.doc;
    });
    return results;
  }

  /* ---- the search box --------------------------------------------------- */

  var KINDS = { q: "Question", o: "Option", c: "Criterion", k: "Case",
                h: "Section", p: "Chapter" };

  var loading = null;

  /* Loads search-index.js once; calls done(data) when it is there. */
  function withIndex(done) {
    if (window.casebookSearchData) return done(window.casebookSearchData);
    if (!loading) {
      loading = [];
      var s = document.createElement("script");
      s.src = "search-index.js";
      s.onload = function () {
        var waiting = loading;
        loading = null;
        for (var i = 0; i < waiting.length; i++)
          waiting[i](window.casebookSearchData || null);
      };
      s.onerror = s.onload;
      document.head.appendChild(s);
    }
    loading.push(done);
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  /* The pieces of the query to mark in the results: its words and its
   * runs of CJK characters, as one case-insensitive pattern (null when
   * there is none). */
  function markPattern(query) {
    var pieces = [], run = "";
    var parts = queryTerms(query);
    for (var i = 0; i < parts.length; i++) {
      var t = parts[i].term;
      if (parts[i].word) pieces.push(t);
      else if (run && run.charAt(run.length - 1) === t.charAt(0)) run += t.slice(1);
      else {
        if (run) pieces.push(run);
        run = t;
      }
    }
    if (run) pieces.push(run);
    pieces = pieces.filter(function (p) { return p.length > 0; })
      .map(function (p) { return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    if (!pieces.length) return null;
    pieces.sort(function (a, b) { return b.length - a.length; });
    try {
      return new RegExp(pieces.join("|"), "gi");
    } catch (e) {
      return null;
    }
  }

  /* An element holding text, with the matches of pattern in <mark>. */
  function marked(tag, cls, text, pattern) {
    var e = el(tag, cls);
    if (!pattern) {
      e.textContent = text;
      return e;
    }
    var at = 0, m;
    pattern.lastIndex = 0;
    while ((m = pattern.exec(text)) !== null) {
      if (!m[0]) {
        pattern.lastIndex++;
        continue;
      }
      if (m.index > at) e.appendChild(document.createTextNode(text.slice(at, m.index)));
      e.appendChild(el("mark", null, m[0]));
      at = m.index + m[0].length;
    }
    if (at < text.length) e.appendChild(document.createTextNode(text.slice(at)));
    return e;
  }

  /* A site-relative link of the index, or "#" for anything else. */
  function safeHref(href) {
    return typeof href === "string" && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(href)
      && !/^[\/\\]{2}/.test(href) ? href : "#";
  }

  function showResults(box, main, data, query) {
    box.textContent = "";
    if (!query.trim()) {
      box.hidden = true;
      main.hidden = false;
      return;
    }
    var head = el("div", "search-head");
    box.appendChild(head);
    if (!data) {
      head.appendChild(el("p", "search-count",
                          "The search index (search-index.js) could not be loaded."));
    } else {
      var results = search(data, query);
      var pattern = markPattern(query);
      var count = results.length === 1 ? "1 result" : results.length + " results";
      head.appendChild(el("h2", "search-count", count + " for \u201c" + query.trim() + "\u201d"));
      var list = el("ol", "search-list");
      for (var i = 0; i < results.length && i < SHOWN; i++) {
        var d = data.docs[results[i].doc];
        if (!d) continue;
        var li = el("li", "result result-" + d[0]);
        var a = el("a", "result-link");
        a.setAttribute("href", safeHref(d[3]));
        a.appendChild(el("span", "kind", KINDS[d[0]] || ""));
        if (d[1]) {
          a.appendChild(document.createTextNode(" "));
          a.appendChild(el("code", "id", d[0] === "o" ? d[1] + " / " + d[2] : d[1]));
        }
        if (d[2] && d[0] !== "o") {
          a.appendChild(document.createTextNode(" "));
          a.appendChild(marked("span", "title", d[2], pattern));
        }
        li.appendChild(a);
        var chapter = data.chapters[d[4]];
        if (chapter && d[0] !== "p") li.appendChild(el("p", "where", chapter));
        if (d[5]) li.appendChild(marked("p", "snippet", d[5], pattern));
        list.appendChild(li);
      }
      if (results.length > SHOWN)
        head.appendChild(el("p", "search-more", "The first " + SHOWN +
                            " are shown: add a word to narrow the search."));
      box.appendChild(list);
    }
    var close = el("button", "search-close", "Close search");
    close.type = "button";
    close.addEventListener("click", function () {
      var input = document.getElementById("search-input");
      if (input) input.value = "";
      showResults(box, main, data, "");
      if (input) input.focus();
    });
    head.appendChild(close);
    box.hidden = false;
    main.hidden = true;
  }

  function setupSearch() {
    var form = document.getElementById("search-form");
    var input = document.getElementById("search-input");
    var box = document.getElementById("search-results");
    var main = document.getElementById("main");
    if (!form || !input || !box || !main) return;
    form.hidden = false;
    var timer = null, shown = null;
    function run() {
      var query = input.value;
      withIndex(function (data) {
        /* the same results again would take the focus from them */
        if (input.value !== query || (query === shown && !box.hidden)) return;
        shown = query;
        showResults(box, main, data, query);
      });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 120);
    });
    input.addEventListener("focus", function () { withIndex(function () {}); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      run();
      var first = box.querySelector(".result-link");
      if (first) first.focus();
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") {
        input.value = "";
        showResults(box, main, null, "");
      } else if (e.key === "ArrowDown") {
        var first = box.querySelector(".result-link");
        if (first) {
          e.preventDefault();
          first.focus();
        }
      }
    });
    box.addEventListener("keydown", function (e) {
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Escape") return;
      var links = Array.prototype.slice.call(box.querySelectorAll(".result-link"));
      var at = links.indexOf(document.activeElement);
      if (e.key === "Escape") {
        input.focus();
        return;
      }
      if (at < 0) return;
      e.preventDefault();
      var to = e.key === "ArrowDown" ? at + 1 : at - 1;
      if (to < 0) input.focus();
      else if (to < links.length) links[to].focus();
    });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" ||
                         t.tagName === "SELECT" || t.isContentEditable);
      if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        input.focus();
        input.select();
      }
    });
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) {
      input.value = q;
      run();
    }
  }

  /* ---- the filters of the cases index ---------------------------------- */

  function setupFilters() {
    var form = document.querySelector("form.filters");
    if (!form) return;
    var tag = document.getElementById("filter-tag");
    var question = document.getElementById("filter-question");
    var answer = document.getElementById("filter-answer");
    var count = document.getElementById("filter-count");
    var rows = [];
    var all = document.querySelectorAll("table.case-list tbody tr");
    for (var i = 0; i < all.length; i++) {
      var tr = all[i];
      if (tr.classList.contains("chapter-row")) {
        rows.push({ tr: tr, chapter: true });
        continue;
      }
      var row = { tr: tr, tags: new Set(), questions: new Set(), values: new Set() };
      var tags = tr.querySelectorAll("[data-tag]");
      for (var k = 0; k < tags.length; k++) row.tags.add(tags[k].getAttribute("data-tag"));
      var answers = tr.querySelectorAll(".answer[data-q]");
      for (k = 0; k < answers.length; k++) {
        var qid = answers[k].getAttribute("data-q");
        row.questions.add(qid);
        var values = answers[k].querySelectorAll("[data-v]");
        for (var v = 0; v < values.length; v++)
          row.values.add(qid + "\u0000" + values[v].getAttribute("data-v"));
      }
      rows.push(row);
    }
    function apply() {
      var t = tag ? tag.value : "";
      var q = question ? question.value : "";
      var opt = answer && answer.selectedIndex > 0 ? answer.options[answer.selectedIndex] : null;
      var want = opt ? opt.getAttribute("data-q") + "\u0000" + opt.getAttribute("data-v") : "";
      var shown = 0, total = 0, header = null, headerShown = false;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        if (r.chapter) {
          if (header) header.tr.hidden = !headerShown;
          header = r;
          headerShown = false;
          continue;
        }
        total++;
        var ok = (!t || r.tags.has(t)) && (!q || r.questions.has(q)) &&
                 (!want || r.values.has(want));
        r.tr.hidden = !ok;
        if (ok) {
          shown++;
          headerShown = true;
        }
      }
      if (header) header.tr.hidden = !headerShown;
      if (count)
        count.textContent = shown === total
          ? total + (total === 1 ? " case" : " cases")
          : shown + " of " + total + " cases";
    }
    [tag, question, answer].forEach(function (s) {
      if (s) s.addEventListener("change", apply);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    var params = new URLSearchParams(window.location.search);
    if (tag && params.get("tag") !== null) tag.value = params.get("tag");
    apply();
  }

  /* ---- narrow screens ---------------------------------------------------- */

  function setupMenu() {
    var button = document.querySelector(".menu-toggle");
    var body = document.getElementById("sidebar-body");
    if (!button || !body) return;
    document.documentElement.classList.add("has-menu");
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      body.classList.toggle("open", open);
    });
  }

  function start() {
    setupMenu();
    setupSearch();
    setupFilters();
  }

  /* for the tests, which run the same code in node */
  window.casebookSite = { queryTerms: queryTerms, search: search, decode: decode };

  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", start);
  else start();
})();
