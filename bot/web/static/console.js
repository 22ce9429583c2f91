// Live updates of the console: each element with data-live is fetched again when the server
// says something changed (server-sent events), without reloading the page or losing a draft.
(function () {
  "use strict";
  // A canned reply, in the person's language, fills the reply box to edit before sending.
  document.querySelectorAll("select[data-canned]").forEach(function (select) {
    select.addEventListener("change", function () {
      var box = document.getElementById(select.getAttribute("data-canned"));
      if (box && select.value) { box.value = select.value; box.focus(); }
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var live = document.querySelectorAll("[data-live]");
  if (!live.length || !window.EventSource) return;

  function refresh(element) {
    fetch(element.getAttribute("data-live"), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) return;
        element.innerHTML = html;
        if (element.classList.contains("transcript")) element.scrollTop = element.scrollHeight;
      });
  }

  var source = new EventSource("/console/events");
  source.onmessage = function (message) {
    var event = JSON.parse(message.data);
    live.forEach(function (element) {
      var only = element.getAttribute("data-handoff");
      if (!only || only === String(event.handoff)) refresh(element);
    });
  };
  document.querySelectorAll(".transcript").forEach(function (element) {
    element.scrollTop = element.scrollHeight;
  });
})();
