// Save the self-assessment as you go: each change posts the form in the background, with the
// version it was loaded with. Nothing typed is lost: until a save succeeds the answers are kept
// in this browser (localStorage, cleared once saved) and restored when the page opens again,
// after signing in again, say. Failed saves are tried again. Without JavaScript the Save button
// does the same, and the server keeps a form posted after the session ended.
(function () {
  "use strict";
  var RETRIES = [1000, 2000, 4000, 8000, 16000];

  function fields(form) {
    var out = [];
    new FormData(form).forEach(function (value, name) {
      // The answers alone: the version is kept beside them.
      if (["csrfmiddlewaretoken", "action", "version", "competences"].indexOf(name) < 0) {
        out.push([name, String(value)]);
      }
    });
    return out;
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function autosave(form) {
    var key = form.getAttribute("data-draft-key");
    var state = form.querySelector("[data-save-state]");
    var restoreState = document.querySelector("[data-restore-state]");
    var conflictBox = document.querySelector("[data-conflict]");
    var version = form.querySelector("input[name='version']");
    var progress = document.querySelectorAll("[data-progress], [data-progress-overview]");
    var bar = document.querySelector("progress");
    var timer = null, attempt = 0, sending = false, again = false;
    var baseline = fields(form);  // what the server holds, as far as this page knows

    // The competences whose answers differ from the baseline: a save writes only those.
    function changedCompetences(now) {
      var before = {}, out = {};
      baseline.forEach(function (pair) { before[pair[0]] = pair[1]; });
      var after = {};
      now.forEach(function (pair) { after[pair[0]] = pair[1]; });
      Object.keys(before).concat(Object.keys(after)).forEach(function (name) {
        // Every answer is named field-N, N its competence: a level on any of the framework's
        // axes, the evidence, the confidence, the links.
        var m = /^[a-z]+-(\d+)$/.exec(name);
        if (m && (before[name] || "") !== (after[name] || "")) { out[m[1]] = true; }
      });
      return Object.keys(out);
    }

    function say(text, link) {
      if (!state) { return; }
      state.textContent = text;
      if (link) {
        var a = document.createElement("a");
        a.href = link.href; a.textContent = link.text;
        if (link.reload) { a.addEventListener("click", function (e) { e.preventDefault(); window.location.reload(); }); }
        state.appendChild(document.createTextNode(" "));
        state.appendChild(a);
      }
    }
    function keep() {
      try {
        window.localStorage.setItem(key, JSON.stringify({ version: version.value, fields: fields(form) }));
      } catch (e) { /* storage full or off: the server copy is all there is */ }
    }
    function forget(sent) {
      try {
        var kept = JSON.parse(window.localStorage.getItem(key) || "null");
        if (kept && same(kept.fields, sent)) { window.localStorage.removeItem(key); }
        else if (kept) { kept.version = version.value; window.localStorage.setItem(key, JSON.stringify(kept)); }
      } catch (e) { /* nothing kept */ }
    }
    function ratedNumbers() {
      var rated = {};
      form.querySelectorAll("[data-competence]").forEach(function (section) {
        rated[section.getAttribute("data-competence")] =
          section.querySelectorAll("input[type='radio']:checked").length === 2;
      });
      return rated;
    }
    function showProgress(rated) {
      var numbers = Object.keys(rated), done = 0, first = null, next = null;
      var here = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("[data-competence]") : null;
      var after = here === null;
      numbers.forEach(function (n) {
        if (rated[n]) { done += 1; } else {
          if (first === null) { first = n; }
          if (after && next === null) { next = n; }
        }
        if (here && here.getAttribute("data-competence") === n) { after = true; }
        var item = document.querySelector("[data-overview-item='" + n + "'] .state");
        if (item) { item.textContent = rated[n] ? "rated" : "not rated"; item.setAttribute("data-rated", rated[n] ? "yes" : "no"); }
      });
      progress.forEach(function (p) { p.textContent = done + " of " + numbers.length; });
      if (bar) { bar.value = done; }
      var link = document.querySelector("[data-next-unrated]");
      if (link) {
        var target = next || first;
        link.hidden = target === null;
        if (target !== null) { link.href = "#competence-" + target; }
      }
    }
    function showConflict(body) {
      if (!conflictBox) { return; }
      conflictBox.textContent = "";
      var p = document.createElement("p");
      p.textContent = "Your self-assessment was saved from somewhere else (another tab or device) since you opened this page, so these answers of yours were not saved:";
      conflictBox.appendChild(p);
      var list = document.createElement("ul");
      function levels(r) { return (r.knowledge === null ? "–" : r.knowledge) + "/" + (r.application === null ? "–" : r.application); }
      body.changes.forEach(function (c) {
        var li = document.createElement("li");
        li.textContent = c.competence + ". " + c.name + ": saved " + levels(c.saved) + ", yours " + levels(c.yours);
        list.appendChild(li);
      });
      conflictBox.appendChild(list);
      // What the other save changed: what is stored now against what this page started from.
      var before = {};
      baseline.forEach(function (pair) { before[pair[0]] = pair[1]; });
      var elsewhere = [];
      document.querySelectorAll("[data-competence]").forEach(function (section) {
        var n = section.getAttribute("data-competence");
        var now = body.stored[n] || { knowledge: null, application: null, evidence: "" };
        var was = {
          knowledge: before["knowledge-" + n] === undefined ? null : Number(before["knowledge-" + n]),
          application: before["application-" + n] === undefined ? null : Number(before["application-" + n]),
          evidence: before["evidence-" + n] || ""
        };
        if (was.knowledge !== now.knowledge || was.application !== now.application ||
            was.evidence.trim() !== (now.evidence || "")) {
          var heading = section.querySelector("h2");
          elsewhere.push((heading ? heading.textContent : n) + ": " + levels(was) + " → " + levels(now) +
            (was.evidence.trim() !== (now.evidence || "") ? " (evidence changed)" : ""));
        }
      });
      if (elsewhere.length) {
        var p2 = document.createElement("p");
        p2.textContent = "Changed elsewhere since you opened this page:";
        conflictBox.appendChild(p2);
        var list2 = document.createElement("ul");
        elsewhere.forEach(function (text) {
          var li = document.createElement("li"); li.textContent = text; list2.appendChild(li);
        });
        conflictBox.appendChild(list2);
      }
      var mine = document.createElement("button");
      mine.type = "button"; mine.textContent = "Keep mine";
      mine.addEventListener("click", function () {
        version.value = String(body.version); conflictBox.hidden = true; save();
      });
      var theirs = document.createElement("button");
      theirs.type = "button"; theirs.className = "secondary"; theirs.textContent = "Keep the saved ones";
      theirs.addEventListener("click", function () {
        try { window.localStorage.removeItem(key); } catch (e) { /* nothing kept */ }
        window.location.reload();
      });
      conflictBox.appendChild(mine);
      conflictBox.appendChild(theirs);
      conflictBox.hidden = false;
      conflictBox.setAttribute("tabindex", "-1");
      conflictBox.focus();
      say("Not saved: changed elsewhere, choose which to keep");
    }
    function retry() {
      if (attempt >= RETRIES.length) {
        say("Not saved: kept on this device; use the Save button or change an answer to try again");
        attempt = 0;
        return;
      }
      var wait = RETRIES[attempt];
      attempt += 1;
      say("Not saved yet: kept on this device, trying again in " + Math.round(wait / 1000) + " s");
      window.clearTimeout(timer);
      timer = window.setTimeout(save, wait);
    }
    function save() {
      if (sending) { again = true; return; }
      sending = true;
      var data = new FormData(form);
      data.set("action", "save");
      var sent = fields(form);
      data.set("competences", changedCompetences(sent).join(","));
      say("Saving…");
      // form.action would be the buttons named "action": read the attribute instead.
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(
          function (body) { return { status: response.status, body: body }; },
          function () { return { status: response.status, body: {} }; }
        );
      }).then(function (result) {
        sending = false;
        var body = result.body;
        if (result.status === 200 && body.saved) {
          attempt = 0;
          version.value = String(body.version);
          baseline = sent;
          forget(sent);
          say("Saved");
          showProgress(ratedNumbers());
        } else if (result.status === 401) {
          say("You were signed out. Your answers are kept on this device:", { href: body.signin, text: "sign in again to save them" });
        } else if (result.status === 403 && body.csrf) {
          say("Not saved: this page's security check ran out. Your answers are kept on this device:", { href: "#", text: "reload the page", reload: true });
        } else if (result.status === 409 && body.conflict) {
          showConflict(body);
        } else if (result.status === 409 || result.status === 422) {
          say("Not saved: " + (body.error || "some answers are not valid"));
        } else {
          retry();
          return;
        }
        if (again) { again = false; save(); }
      }).catch(function () {
        sending = false;
        retry();
      });
    }
    function changed() {
      keep();
      attempt = 0;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    }
    form.addEventListener("change", changed);
    form.addEventListener("input", function (event) {
      if (event.target.tagName === "TEXTAREA") { keep(); }
    });
    // Answers kept on this device from before (not saved then): put them back and save them,
    // with the version they were based on, so that nothing saved since is overwritten.
    var kept = null;
    try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (kept && kept.fields) {
      if (same(kept.fields, fields(form))) {
        window.localStorage.removeItem(key);
      } else {
        form.querySelectorAll("input[type='radio']").forEach(function (r) { r.checked = false; });
        var restored = 0;
        kept.fields.forEach(function (pair) {
          var name = pair[0], value = pair[1];
          var field = form.elements.namedItem(name);
          if (!field) { return; }
          field.value = value;  // a radio group (RadioNodeList) checks the radio of that value
          if (value) { restored += 1; }
        });
        version.value = kept.version;
        if (restoreState) {
          restoreState.textContent = "Your answers that were not saved before (" + restored + " kept on this device) are back, and being saved.";
          restoreState.hidden = false;
        }
        save();
      }
    }
    showProgress(ratedNumbers());
  }

  // The evidence notes: a live count of the characters against the limit.
  function counter(note) {
    var box = document.getElementById(note.getAttribute("data-counter-for"));
    var limit = Number(note.getAttribute("data-limit"));
    if (!box) { return; }
    function show() {
      var left = limit - box.value.length;
      note.textContent = box.value.length + " of " + limit + " characters" +
        (left <= 100 ? " (" + left + " left)" : "");
      note.classList.toggle("near", left <= 100);
    }
    box.addEventListener("input", show);
    show();
  }

  // The sticky Save bar never covers the focused control (WCAG 2.2, 2.4.11): scroll-padding
  // does it for the browser's own scrolling; this covers the rest.
  function keepFocusVisible(bar) {
    document.addEventListener("focusin", function (event) {
      var target = event.target;
      if (!target.getBoundingClientRect || bar.contains(target)) { return; }
      var rect = target.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
      if (rect.bottom > top) { window.scrollBy(0, rect.bottom - top + 16); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-autosave='on']");
    for (var i = 0; i < forms.length; i += 1) { autosave(forms[i]); }
    document.querySelectorAll("[data-counter-for]").forEach(counter);
    var bar = document.querySelector(".actions");
    if (bar) { keepFocusVisible(bar); }
  });
})();

// The menu folds away on a phone: a button shows and hides it (without JavaScript it stays open).
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".menu-toggle");
    var menu = document.getElementById("menu");
    if (!button || !menu) { return; }
    button.addEventListener("click", function () {
      var open = menu.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });
})();
