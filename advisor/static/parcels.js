// "My parcels": a list kept in this browser's local storage (nothing is stored on the server).
// Each parcel is advised again through POST /v1/advice whenever the page opens; the steps due
// today and in the next days are listed first. The list is saved and loaded as the file that
// `advise watch export` writes and `advise watch import` reads (parcel-watchlist/1).
"use strict";
(function () {
  var KEY = "parcel-advisor.parcels";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? String(values[k]) : m; });
  }

  function load(schema) {
    try {
      var doc = JSON.parse(localStorage.getItem(KEY) || "null");
      if (doc && doc.schema === schema && Array.isArray(doc.parcels)) { return doc; }
    } catch (e) { /* a broken entry is replaced by an empty list */ }
    return { schema: schema, parcels: [] };
  }

  function save(list) { localStorage.setItem(KEY, JSON.stringify(list)); }

  function find(list, code) {
    for (var i = 0; i < list.parcels.length; i++) { if (list.parcels[i].code === code) { return i; } }
    return -1;
  }

  // The same merge as `advise watch import`: new codes added, a parcel updated later in the file
  // takes the file's facts, otherwise the list's stay; every parcel is counted.
  function merge(list, doc) {
    var counts = { added: 0, updated: 0, same: 0, kept: 0 };
    doc.parcels.forEach(function (p) {
      var i = find(list, p.code);
      var updated = p.updated || p.added;
      var entry = { code: p.code, added: p.added, updated: updated, done: p.done || null, facts: p.facts };
      if (i < 0) { list.parcels.push(entry); counts.added++; return; }
      var have = list.parcels[i];
      if (JSON.stringify(have.facts) === JSON.stringify(p.facts) && (have.done || null) === (p.done || null)) { counts.same++; }
      else if (updated > (have.updated || have.added)) { list.parcels[i] = entry; counts.updated++; }
      else { counts.kept++; }
    });
    return counts;
  }

  function valid(doc, schema) {
    return doc && doc.schema === schema && Array.isArray(doc.parcels) && doc.parcels.every(function (p) {
      return p && typeof p.code === "string" && p.code && typeof p.added === "string" && p.facts && typeof p.facts === "object";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("parcels");
    var wordsNode = document.getElementById("parcels-words");
    if (!section || !wordsNode) { return; }
    var w = JSON.parse(wordsNode.textContent);
    var t = w.texts;
    var asked = new URLSearchParams(location.search).get("today");
    var status = document.getElementById("parcels-status");
    var dateFormat = new Intl.DateTimeFormat(w.lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
    section.hidden = false;

    function say(text) { status.textContent = text; }
    function dateText(iso) { return dateFormat.format(new Date(iso + "T00:00:00Z")); }
    function addDays(iso, n) { var d = new Date(iso + "T00:00:00Z"); d.setUTCDate(d.getUTCDate() + n); return d.toISOString().slice(0, 10); }

    function dueText(step, today) {
      if (!step.due) { return ""; }
      var kind = step.due < today ? "overdue" : step.due === today ? "today" : (w.timing[step.action] === "until" || w.timing[step.action] === "check") ? w.timing[step.action] : step.due === addDays(today, 1) ? "tomorrow" : "by";
      return fill(w.due[kind], { date: dateText(step.due) });
    }

    function advise(p) {
      var url = "/v1/advice?messages=false&lang=" + encodeURIComponent(w.lang) + (asked ? "&today=" + encodeURIComponent(asked) : "");
      return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(p.facts) })
        .then(function (r) { return r.ok ? r.json() : null; }, function () { return null; })
        .then(function (advice) { return { parcel: p, advice: advice }; });
    }

    function dueList(title, steps, today) {
      var box = el("div");
      box.appendChild(el("h3", null, title));
      var ul = el("ul");
      steps.forEach(function (s) {
        var li = el("li", s.due <= today ? "is-due" : "");
        li.setAttribute("data-code", s.code);
        li.setAttribute("data-action", s.action);
        li.setAttribute("data-due", s.due);
        li.appendChild(el("span", "code", s.code));
        li.appendChild(el("strong", null, w.actions[s.action] || s.action));
        li.appendChild(document.createTextNode(" — "));
        li.appendChild(el("span", "when", dueText(s, today)));
        ul.appendChild(li);
      });
      box.appendChild(ul);
      return box;
    }

    function showDue(results, today) {
      var box = document.getElementById("parcels-due");
      box.textContent = "";
      var until = addDays(today, w.days);
      var steps = [];
      results.forEach(function (r) {
        ((r.advice && r.advice.actions) || []).forEach(function (a) {
          if (a.due && a.due <= until) { steps.push({ code: r.parcel.code, action: a.action, due: a.due }); }
        });
      });
      steps.sort(function (a, b) { return a.due < b.due ? -1 : a.due > b.due ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0; });
      var now = steps.filter(function (s) { return s.due <= today; });
      var later = steps.filter(function (s) { return s.due > today; });
      if (now.length) { box.appendChild(dueList(t.due_today, now, today)); }
      if (later.length) { box.appendChild(dueList(t.due_soon, later, today)); }
      if (!steps.length && results.length) { box.appendChild(el("p", "nothing-due", t.nothing_due)); }
    }

    function row(r, today) {
      var li = el("li");
      var step = r.advice && r.advice.next_step;
      li.setAttribute("data-code", r.parcel.code);
      if (step && step.due && step.due <= today) { li.className = "is-due"; }
      var head = el("p");
      head.appendChild(el("span", "code", r.parcel.code));
      if (!r.advice) {
        head.appendChild(el("span", "error", t.error));
      } else if (step) {
        head.appendChild(el("strong", "step", w.actions[step.action] || step.action));
        if (step.due) { head.appendChild(document.createTextNode(" — ")); head.appendChild(el("span", "when", dueText(step, today))); }
      } else {
        head.appendChild(el("strong", "step", t.nothing));
      }
      li.appendChild(head);
      if (r.advice) { li.appendChild(el("p", "stage", fill(t.stage, { stage: w.stages[r.advice.stage] || r.advice.stage }))); }
      [["done", t.done], ["remove", t.remove]].forEach(function (b) {
        var button = el("button", "copy", b[1]);
        button.type = "button";
        button.setAttribute("data-do", b[0]);
        button.addEventListener("click", function () { change(r.parcel.code, b[0], today); });
        li.appendChild(button);
      });
      return li;
    }

    function change(code, what, today) {
      var list = load(w.schema);
      var i = find(list, code);
      if (i < 0) { return; }
      if (what === "remove") { list.parcels.splice(i, 1); } else { list.parcels[i].done = today; }
      save(list);
      show().then(function () { say(fill(what === "remove" ? t.removed : t.done_said, { code: code })); });
    }

    function show() {
      var list = load(w.schema);
      var open = list.parcels.filter(function (p) { return !p.done; });
      var ol = document.getElementById("parcels-list");
      document.getElementById("parcels-empty").hidden = open.length > 0;
      if (open.length) { say(t.loading); }
      return Promise.all(open.map(advise)).then(function (results) {
        var today = asked || (results.filter(function (r) { return r.advice; })[0] || { advice: { today: new Date().toISOString().slice(0, 10) } }).advice.today;
        results.sort(function (a, b) {
          var x = (a.advice && a.advice.next_step && a.advice.next_step.due) || "9999";
          var y = (b.advice && b.advice.next_step && b.advice.next_step.due) || "9999";
          return x < y ? -1 : x > y ? 1 : a.parcel.code < b.parcel.code ? -1 : 1;
        });
        ol.textContent = "";
        results.forEach(function (r) { ol.appendChild(row(r, today)); });
        showDue(results, today);
        say("");
        section.setAttribute("data-ready", "yes");
      });
    }

    var add = document.getElementById("parcel-add");
    var factsNode = document.getElementById("parcel-facts");
    if (add && factsNode) {
      add.hidden = false;
      add.addEventListener("click", function () {
        var list = load(w.schema);
        var day = add.getAttribute("data-today");
        var code = add.getAttribute("data-code");
        var entry = { code: code, added: day, updated: day, done: null, facts: JSON.parse(factsNode.textContent) };
        var i = find(list, code);
        if (i < 0) { list.parcels.push(entry); } else { entry.added = list.parcels[i].added; list.parcels[i] = entry; }
        save(list);
        show().then(function () { say(fill(t.added, { code: code })); });
      });
    }

    document.getElementById("parcels-export").addEventListener("click", function () {
      var list = load(w.schema);
      var doc = { schema: w.schema, exported: asked || new Date().toISOString().slice(0, 10), parcels: list.parcels };
      var a = el("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1) + "\n"], { type: "application/json" }));
      a.download = "parcels.json";
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
    });

    document.getElementById("parcels-import").addEventListener("change", function (event) {
      var file = event.target.files && event.target.files[0];
      if (!file) { return; }
      file.text().then(function (text) {
        var doc = null;
        try { doc = JSON.parse(text); } catch (e) { doc = null; }
        if (!valid(doc, w.schema)) { say(t.bad_file); return; }
        var list = load(w.schema);
        var counts = merge(list, doc);
        save(list);
        show().then(function () { say(fill(t.imported, counts)); });
      });
      event.target.value = "";
    });

    show();
  });
}());
