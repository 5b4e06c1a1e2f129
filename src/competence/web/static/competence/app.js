// Save the self-assessment as you go: each change posts the form in the background.
// Without JavaScript the Save button does the same.
(function () {
  "use strict";
  function autosave(form) {
    var state = form.querySelector("[data-save-state]");
    var progress = document.querySelector("[data-progress]");
    var bar = document.querySelector("progress");
    var timer = null;
    function save() {
      var data = new FormData(form);
      data.set("action", "save");
      if (state) { state.textContent = "Saving…"; }
      // form.action would be the buttons named "action": read the attribute instead.
      fetch(form.getAttribute("action") || window.location.href, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin"
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok || !result.body.saved) { throw new Error("not saved"); }
        if (state) { state.textContent = "Saved"; }
        if (progress) { progress.textContent = result.body.rated + " of " + result.body.total; }
        if (bar) { bar.value = result.body.rated; }
      }).catch(function () {
        if (state) { state.textContent = "Not saved: use the Save button"; }
      });
    }
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-autosave='on']");
    for (var i = 0; i < forms.length; i += 1) { autosave(forms[i]); }
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
