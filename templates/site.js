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

  /* Rows of the distance below, kept between calls. */
  var rowA = new Int32Array(MAX_WORD + 2), rowB = new Int32Array(MAX_WORD + 2),
      rowC = new Int32Array(MAX_WORD + 2);

  /* The optimal string alignment distance between strings a and b when it
   * is at most max, else max + 1: insertions, deletions, substitutions
   * and swaps of two neighbours, as the compiler's did-you-mean counts
   * them (compiler/suggest.c). */
  function distance(a, b, max) {
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > max) return max + 1;
    if (la > MAX_WORD || lb > MAX_WORD) return max + 1;
    var prev2 = rowA, prev = rowB, row = rowC, j;
    for (j = 0; j <= lb; j++) prev[j] = j;
    for (var i = 1; i <= la; i++) {
      row[0] = i;
      var least = i, ca = a.charCodeAt(i - 1);
      for (j = 1; j <= lb; j++) {
        var cb = b.charCodeAt(j - 1);
        var d = prev[j - 1] + (ca === cb ? 0 : 1);
        if (prev[j] + 1 < d) d = prev[j] + 1;
        if (row[j - 1] + 1 < d) d = row[j - 1] + 1;
        if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb &&
            prev2[j - 2] + 1 < d)
          d = prev2[j - 2] + 1;
        row[j] = d;
        if (d < least) least = d;
      }
      if (least > max) return max + 1;
      var spare = prev2;
      prev2 = prev;
      prev = row;
      row = spare;
    }
    return prev[lb];
  }

  /* How many edits a word of the query may have: one from 4 letters, two
   * from 8; none below. */
  function editsAllowed(n) {
    return n >= 8 ? 2 : n >= 4 ? 1 : 0;
  }

  /* The words of the index (not CJK) by length, and for each length the
   * distinct starts of that length of the longer ones: made once, on the
   * first misspelt word. */
  var byLength = null, startsByLength = {};

  function wordsOfLength(data, n) {
    if (!byLength) {
      byLength = [];
      var all = Object.keys(data.terms);
      for (var i = 0; i < all.length; i++) {
        var t = all[i];
        if (isCJK(t.codePointAt(0)) || t.length > MAX_WORD) continue;
        (byLength[t.length] || (byLength[t.length] = [])).push(t);
      }
    }
    return byLength[n] || [];
  }

  function startsOfLength(data, n) {
    if (!startsByLength[n]) {
      var seen = new Set();
      wordsOfLength(data, 0);
      for (var len = n + 1; len < byLength.length; len++) {
        var list = byLength[len] || [];
        for (var i = 0; i < list.length; i++) seen.add(list[i].slice(0, n));
      }
      startsByLength[n] = Array.from(seen);
    }
    return startsByLength[n];
  }

  /* The terms of the index a misspelt word may stand for, closest first:
   * [{term, weight}], at most 20. A term as a whole, or the terms whose
   * start as long as the word (a word being typed) is close to it. */
  function closeTerms(data, word) {
    var max = editsAllowed(word.length);
    if (!max) return [];
    var found = [], d, i;
    for (var len = word.length - max; len <= word.length + max; len++) {
      var list = wordsOfLength(data, len);
      for (i = 0; i < list.length; i++)
        if ((d = distance(word, list[i], max)) <= max) found.push({ term: list[i], d: d });
    }
    var starts = startsOfLength(data, word.length);
    for (i = 0; i < starts.length; i++) {
      if ((d = distance(word, starts[i], max)) > max) continue;
      var longer = termsWithPrefix(data, starts[i], 20);
      for (var k = 0; k < longer.length; k++)
        if (longer[k].length > word.length) found.push({ term: longer[k], d: d + 0.5 });
    }
    found.sort(function (x, y) { return x.d - y.d || (x.term < y.term ? -1 : 1); });
    var out = [], seen = new Set();
    for (i = 0; i < found.length && out.length < 20; i++) {
      if (seen.has(found[i].term)) continue;
      seen.add(found[i].term);
      out.push({ term: found[i].term, weight: 0.4 / found[i].d });
    }
    return out;
  }

  /* The documents one term of the query matches: a Map doc -> score, and
   * the term of the index that stands for a misspelt word (or null). A
   * word matches the terms it begins (the whole word scores more); a
   * word that begins none matches the terms spelt closest to it; a match
   * in a title scores ten times one in a body. */
  function termHits(data, q) {
    var own = Object.prototype.hasOwnProperty;
    var hits = new Map();
    var alternatives = [{ term: q.term, weight: 1 }];
    if (q.word) {
      var more = termsWithPrefix(data, q.term, 200);
      for (var m = 0; m < more.length; m++)
        if (more[m] !== q.term) alternatives.push({ term: more[m], weight: 0.5 });
    }
    var respelled = null;
    if (q.word && !own.call(data.terms, q.term) && alternatives.length === 1) {
      alternatives = closeTerms(data, q.term);
      if (alternatives.length) respelled = alternatives[0].term;
    }
    for (var a = 0; a < alternatives.length; a++) {
      var t = alternatives[a].term, weight = alternatives[a].weight;
      if (!own.call(data.terms, t)) continue;
      decode(data.terms[t], function (doc, inTitle) {
        var s = (inTitle ? 10 : 1) * weight;
        var had = hits.get(doc);
        if (had === undefined || had < s) hits.set(doc, s);
      });
    }
    return { hits: hits, respelled: respelled };
  }

  /* The documents matching the query, best first: an array of {doc,
   * score, missing}. Every term of the query must match; when no
   * document has them all, the documents that have the most of them
   * (results.partial is then true, and each result's missing lists the
   * words it lacks). results.respelled lists [word, term] for each word
   * matched through a close spelling. */
  function search(data, query) {
    var qterms = queryTerms(query);
    var results = [];
    results.partial = false;
    results.respelled = [];
    if (!qterms.length) return results;
    var per = [];
    for (var k = 0; k < qterms.length; k++) {
      var h = termHits(data, qterms[k]);
      per.push(h.hits);
      if (h.respelled) results.respelled.push([qterms[k].term, h.respelled]);
    }
    /* every document any term matches: its score, how many terms it has
     * and which (bits, for the first 30) */
    var docs = new Map();
    per.forEach(function (hits, k) {
      var bit = k < 30 ? 1 << k : 0;
      hits.forEach(function (s, doc) {
        var d = docs.get(doc);
        if (!d) docs.set(doc, d = { score: 0, has: 0, bits: 0 });
        d.score += s;
        d.has++;
        d.bits |= bit;
      });
    });
    var best = 0;
    docs.forEach(function (d) { if (d.has > best) best = d.has; });
    if (!best) return results;
    results.partial = best < per.length;
    docs.forEach(function (d, doc) {
      if (!results.partial && d.has < per.length) return;
      var kind = data.docs[doc] ? data.docs[doc][0] : "";
      var s = d.score + (results.partial ? 100 * d.has : 0);
      /* elements and headings before the prose of a whole chapter */
      if (kind === "p") s -= 0.25;
      var missing = [];
      if (results.partial)
        for (var i = 0; i < qterms.length; i++)
          if (i < 30 && !(d.bits & (1 << i)) && missing.indexOf(qterms[i].term) < 0)
            missing.push(qterms[i].term);
      results.push({ doc: doc, score: s, missing: missing });
    });
    results.sort(function (x, y) {
      return y.score - x.score || x.doc - y.doc;
    });
    return results;
  }

  /* ---- the search box --------------------------------------------------- */

  /* The words of the site in its language, which the compiler puts in
   * each page (a JSON data block: docs/site.md, "Languages"). */
  var WORDS = (function () {
    var block = document.querySelector('script[data-casebook="strings"]');
    try {
      return block ? JSON.parse(block.textContent) : {};
    } catch (e) {
      return {};
    }
  })();

  /* The word key with "{n}" and "{s}" filled. */
  function say(key, n, text) {
    var w = typeof WORDS[key] === "string" ? WORDS[key] : key;
    return w.replace(/\{([ns])\}/g, function (all, which) {
      return which === "n" ? String(n) : String(text);
    });
  }

  var KINDS = { q: "question", o: "option", c: "criterion", k: "case",
                h: "section", p: "chapter" };

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
  function markPattern(query, extra) {
    var pieces = (extra || []).slice(), run = "";
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
      head.appendChild(el("p", "search-count", say("index_missing")));
    } else {
      var results = search(data, query);
      var pattern = markPattern(query, results.respelled.map(function (r) { return r[1]; }));
      head.appendChild(el("h2", "search-count",
                          say(results.length === 1 ? "result" : "results",
                              results.length, query.trim())));
      if (results.respelled.length)
        head.appendChild(el("p", "search-respelled", say("spelled_as", 0,
          results.respelled.map(function (r) { return r[0] + " \u2192 " + r[1]; }).join(", "))));
      if (results.partial)
        head.appendChild(el("p", "search-partial",
                            say("partial", Math.min(results.length, SHOWN))));
      var list = el("ol", "search-list");
      for (var i = 0; i < results.length && i < SHOWN; i++) {
        var d = data.docs[results[i].doc];
        if (!d) continue;
        var li = el("li", "result result-" + d[0]);
        var a = el("a", "result-link");
        a.setAttribute("href", safeHref(d[3]));
        a.appendChild(el("span", "kind", KINDS[d[0]] ? say(KINDS[d[0]]) : ""));
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
        if (results[i].missing.length)
          li.appendChild(el("p", "missing", say("missing", 0, results[i].missing.join(", "))));
        list.appendChild(li);
      }
      if (results.length > SHOWN)
        head.appendChild(el("p", "search-more", say("first_shown", SHOWN)));
      box.appendChild(list);
    }
    var close = el("button", "search-close", say("close_search"));
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
          ? say(total === 1 ? "n_case" : "n_cases", total)
          : say("n_of_cases", shown, total);
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

  /* ---- tables ------------------------------------------------------------ */

  /* Puts each table of prose in a box of its own that scrolls sideways
   * on a narrow screen, as the compiler does for its own tables: a
   * region the keyboard can focus and scroll. */
  function boxTables() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      if (t.parentNode.classList && t.parentNode.classList.contains("table-scroll")) continue;
      var box = el("div", "table-scroll");
      box.setAttribute("role", "region");
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", say("scroll_table"));
      t.parentNode.insertBefore(box, t);
      box.appendChild(t);
    }
  }

  function start() {
    boxTables();
    setupMenu();
    setupSearch();
    setupFilters();
  }

  /* for the tests, which run the same code in node */
  window.casebookSite = { queryTerms: queryTerms, search: search, decode: decode,
                          distance: distance };

  if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", start);
  else start();
})();
