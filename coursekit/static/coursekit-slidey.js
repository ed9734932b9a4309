/* coursekit: the interactive parts of Slidey's directives, in the text and the deck.
 *
 * - Steps (text): each checkbox greys its step; the ticked steps of the page
 *   are kept in localStorage under "coursekit:steps:" + the page's path, as a
 *   JSON list of step ids (["step-1", "step-3"]).
 * - Polls (text and deck): the choice is kept in localStorage under
 *   "coursekit:poll:" + data-coursekit-poll ("<docname>/poll-N"), so the text
 *   and the deck of a page share it. Nothing is sent anywhere.
 * - YouTube (deck): a card with data-coursekit-embed becomes the player when
 *   clicked; nothing is requested before the click.
 */
(function () {
  "use strict";

  function store() {
    try {
      var storage = window.localStorage;
      storage.setItem("coursekit:probe", "1");
      storage.removeItem("coursekit:probe");
      return storage;
    } catch (error) {
      return null; // private mode, file:// in some browsers: nothing is kept
    }
  }

  function load(storage, key, fallback) {
    if (!storage) return fallback;
    try {
      var value = storage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback;
    }
  }

  function save(storage, key, value) {
    if (!storage) return;
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* full or forbidden: the page still works, it just forgets */
    }
  }

  function steps(storage) {
    var key = "coursekit:steps:" + window.location.pathname;
    document.querySelectorAll(".coursekit-step input.coursekit-step-box").forEach(function (box) {
      var step = box.closest(".coursekit-step");
      box.checked = load(storage, key, []).indexOf(step.id) !== -1;
      step.classList.toggle("coursekit-step-done", box.checked);
      box.addEventListener("change", function () {
        step.classList.toggle("coursekit-step-done", box.checked);
        var done = load(storage, key, []).filter(function (id) { return id !== step.id; });
        if (box.checked) done.push(step.id);
        save(storage, key, done);
      });
    });
  }

  function markChoice(poll) {
    poll.querySelectorAll(".coursekit-poll-choice").forEach(function (choice) {
      var radio = choice.querySelector("input[type=radio]");
      choice.classList.toggle("coursekit-poll-chosen", !!(radio && radio.checked));
    });
  }

  function polls(storage) {
    document.querySelectorAll(".coursekit-poll[data-coursekit-poll]").forEach(function (poll) {
      var key = "coursekit:poll:" + poll.getAttribute("data-coursekit-poll");
      var chosen = load(storage, key, null);
      poll.querySelectorAll("input[type=radio]").forEach(function (radio) {
        if (chosen !== null && radio.value === String(chosen)) radio.checked = true;
        radio.addEventListener("change", function () {
          save(storage, key, radio.value);
          markChoice(poll);
          // In the deck, give the arrow keys back to reveal.js.
          if (window.Reveal) radio.blur();
        });
      });
      markChoice(poll);
    });
  }

  function videos() {
    document.addEventListener("click", function (event) {
      var card = event.target.closest(".coursekit-youtube[data-coursekit-embed] .coursekit-youtube-card");
      if (!card) return;
      event.preventDefault();
      var box = card.closest(".coursekit-youtube");
      var frame = document.createElement("iframe");
      frame.className = "coursekit-youtube-frame";
      frame.src = box.getAttribute("data-coursekit-embed");
      frame.title = box.getAttribute("data-coursekit-title") || "YouTube";
      frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
      frame.setAttribute("allowfullscreen", "");
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      box.removeAttribute("data-coursekit-embed");
      box.replaceChildren(frame);
    });
  }

  function start() {
    var storage = store();
    steps(storage);
    polls(storage);
    videos();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
