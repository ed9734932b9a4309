/* coursekit: the live lecture, in the pages `make lecture` serves.
 *
 * The live server adds this script to every HTML page it serves (the built
 * site itself never loads it: opened from disk it stays static). Its
 * attributes say where it is: data-kind ("deck" or "text"), data-page (the
 * page's docname) and data-socket (the server's WebSocket path).
 *
 * - The presenter (her page was opened with ?token=…, kept in sessionStorage
 *   and taken out of the address bar) sends every slide and fragment change
 *   of her deck, and drives the polls: « ouvrir » / « clore », « révéler » /
 *   « masquer », with the live number of answers.
 * - A student's page follows her (« suivre », on by default, kept per tab):
 *   a deck goes to the same slide and fragment, a text page scrolls to the
 *   slide's anchor and marks it; on another page, it goes to the same kind of
 *   page of the presenter's chapter. Moving by oneself in the deck stops
 *   following; ticking « suivre » again catches up.
 * - Polls: a choice is a vote (one per browser, changeable while the poll is
 *   open); the results appear as bars once the presenter reveals them.
 * - The connection comes back by itself (with backoff) and the server then
 *   sends the current state.
 *
 * Nothing here inserts text from the network as HTML: numbers only, through
 * textContent. window.coursekitLive exposes the state, for the tests.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  // The speaker view shows the deck in frames: those previews take no part.
  if (!script || window.top !== window.self) return;

  var KIND = script.getAttribute("data-kind");
  var PAGE = script.getAttribute("data-page");
  var SOCKET = script.getAttribute("data-socket");
  var DECK_DIR = script.getAttribute("data-deck-dir") || "slides";
  var TOKEN_KEY = "coursekit:live:token";
  var FOLLOW_KEY = "coursekit:live:follow";

  var live = {
    role: "student",
    connected: false,
    following: true,
    lecturer: null, // the presenter's last slide: {page, h, v, f, anchor}
    polls: {}, // poll -> its view: {status, revealed, counts?}
    votes: {}, // poll -> this browser's recorded choice
    unsent: {}, // poll -> a choice not acknowledged yet (sent again on reconnecting)
    students: 0,
    marked: null,
    socket: null,
    retries: 0,
  };
  window.coursekitLive = live;

  function session(key, value) {
    try {
      if (value === undefined) return window.sessionStorage.getItem(key);
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (error) {
      /* storage forbidden: the page still works, it forgets on reload */
    }
    return null;
  }

  function takeToken() {
    var url = new URL(window.location.href);
    var token = url.searchParams.get("token");
    if (token) {
      session(TOKEN_KEY, token);
      url.searchParams.delete("token"); // not left on the projected screen
      window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    }
    return session(TOKEN_KEY);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 || count === 0 ? one : many);
  }

  // --- The bar: « suivre », the connection, the presenter's audience ----------

  var bar, followBox, statusText, audienceText;

  function buildBar() {
    bar = el("div", "coursekit-live-bar coursekit-chrome" + (KIND === "deck" ? " coursekit-live-deck" : ""));
    bar.setAttribute("role", "status");
    var follow = el("label", "coursekit-live-follow");
    followBox = el("input");
    followBox.type = "checkbox";
    followBox.addEventListener("change", function () {
      setFollowing(followBox.checked);
      followBox.blur(); // the arrow keys go back to the deck
    });
    follow.appendChild(followBox);
    follow.appendChild(document.createTextNode(" suivre"));
    follow.title = "Suivre la diapositive de l'enseignant";
    statusText = el("span", "coursekit-live-status");
    audienceText = el("span", "coursekit-live-audience");
    bar.appendChild(follow);
    bar.appendChild(audienceText);
    bar.appendChild(statusText);
    document.body.appendChild(bar);
  }

  function render() {
    var presenter = live.role === "presenter";
    bar.classList.toggle("coursekit-live-presenter", presenter);
    bar.classList.toggle("coursekit-live-connected", live.connected);
    followBox.checked = live.following;
    statusText.textContent = live.connected ? "en direct" : "reconnexion…";
    audienceText.textContent = presenter
      ? "vous présentez · " + plural(live.students, "étudiant connecté", "étudiants connectés")
      : "";
    document.documentElement.setAttribute(
      "data-coursekit-live", live.connected ? live.role : "offline");
  }

  function setFollowing(on) {
    live.following = on;
    session(FOLLOW_KEY, on ? "1" : "0");
    render();
    if (on && live.lecturer) follow(live.lecturer);
  }

  // --- Following -------------------------------------------------------------

  var applying = false;

  function indices() {
    var i = Reveal.getIndices();
    return { h: i.h, v: i.v || 0, f: typeof i.f === "number" ? i.f : -1 };
  }

  function sameSlide(a, b) {
    return a.h === b.h && a.v === b.v && a.f === b.f;
  }

  function pageUrl(page, kind) {
    return "/" + (kind === "deck" ? DECK_DIR + "/" : "") + page + ".html";
  }

  function follow(slide) {
    if (live.role === "presenter" || !live.following) return;
    if (slide.page !== PAGE) {
      var anchor = KIND === "text" && slide.anchor ? "#" + slide.anchor : "";
      window.location.assign(pageUrl(slide.page, KIND === "deck" ? "deck" : "text") + anchor);
      return;
    }
    if (KIND === "deck") {
      if (sameSlide(indices(), slide)) return;
      applying = true;
      try {
        Reveal.slide(slide.h, slide.v, slide.f);
      } finally {
        applying = false;
      }
    } else {
      mark(slide.anchor);
    }
  }

  /* Text: scroll to the slide's anchor and mark it (when the slide changes, not
     at each fragment: a reader who scrolled away is left alone until then). */
  function mark(anchor) {
    if (anchor === live.marked) return;
    live.marked = anchor;
    document.querySelectorAll(".coursekit-live-here, .coursekit-live-here-next").forEach(
      function (node) {
        node.classList.remove("coursekit-live-here", "coursekit-live-here-next");
      });
    var target = anchor && document.getElementById(anchor);
    if (!target) return;
    target.classList.add("coursekit-live-here");
    target.setAttribute("data-coursekit-live-label", "en direct");
    if (target.nextElementSibling) target.nextElementSibling.classList.add("coursekit-live-here-next");
    target.scrollIntoView({ block: "start" });
  }

  function slideState() {
    var i = indices();
    var current = Reveal.getCurrentSlide();
    var anchor = current && /^slide-\d+$/.test(current.id) ? current.id : "";
    return { type: "slide", page: PAGE, h: i.h, v: i.v, f: i.f, anchor: anchor };
  }

  function moved() {
    if (live.role === "presenter") {
      send(slideState());
      return;
    }
    if (applying || !live.following) return;
    var lecturer = live.lecturer;
    if (lecturer && lecturer.page === PAGE && sameSlide(indices(), lecturer)) return;
    setFollowing(false); // the student moved by herself: she browses freely
  }

  // --- Polls -----------------------------------------------------------------

  var STATUS = {
    pending: "pas encore ouvert",
    open: "ouvert",
    closed: "clos",
  };

  function fieldsets() {
    return document.querySelectorAll("fieldset.coursekit-poll[data-coursekit-poll]");
  }

  function fieldsetOf(key) {
    var found = null;
    fieldsets().forEach(function (fieldset) {
      if (fieldset.getAttribute("data-coursekit-poll") === key) found = fieldset;
    });
    return found;
  }

  function setupPolls() {
    fieldsets().forEach(function (fieldset) {
      var key = fieldset.getAttribute("data-coursekit-poll");
      var panel = el("div", "coursekit-live-poll coursekit-chrome");
      panel.appendChild(el("span", "coursekit-live-poll-status"));
      panel.appendChild(el("span", "coursekit-live-poll-total"));
      var toggle = el("button", "coursekit-live-toggle");
      var reveal = el("button", "coursekit-live-reveal");
      [toggle, reveal].forEach(function (button) {
        button.type = "button";
        button.hidden = true; // until the server says who this page is
        button.addEventListener("click", function () {
          send({ type: "poll", poll: key, action: button.getAttribute("data-action") });
          button.blur();
        });
        panel.appendChild(button);
      });
      fieldset.appendChild(panel);
      fieldset.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.addEventListener("change", function () {
          if (!radio.checked || live.role === "presenter") return;
          var choice = parseInt(radio.value, 10);
          live.unsent[key] = choice;
          send({ type: "vote", poll: key, choice: choice });
          showPoll(key);
        });
      });
    });
  }

  function showPoll(key) {
    var fieldset = fieldsetOf(key);
    var view = live.polls[key];
    if (!fieldset || !view) return;
    var presenter = live.role === "presenter";
    var open = view.status === "open";
    fieldset.setAttribute("data-coursekit-live-status", view.status);
    fieldset.classList.toggle("coursekit-live-revealed", !!view.revealed);
    var radios = fieldset.querySelectorAll("input[type=radio]");
    var mine = live.votes[key];
    radios.forEach(function (radio) {
      radio.disabled = presenter || !open;
      // Live, the server's record is the answer (not a choice kept from a
      // visit to the static site), unless one is on its way.
      if (live.unsent[key] === undefined) radio.checked = parseInt(radio.value, 10) === mine;
    });
    fieldset.querySelectorAll(".coursekit-poll-choice").forEach(function (choice) {
      var radio = choice.querySelector("input[type=radio]");
      choice.classList.toggle("coursekit-poll-chosen", !!(radio && radio.checked));
    });
    var status = "sondage " + STATUS[view.status];
    if (!presenter && mine !== undefined) {
      status += live.unsent[key] === undefined ? " · réponse enregistrée" : " · envoi…";
    }
    fieldset.querySelector(".coursekit-live-poll-status").textContent = status;
    var counts = view.counts || [];
    var total = counts.reduce(function (sum, count) { return sum + count; }, 0);
    fieldset.querySelector(".coursekit-live-poll-total").textContent =
      view.counts ? "· " + plural(total, "réponse", "réponses") : "";
    var toggle = fieldset.querySelector(".coursekit-live-toggle");
    var reveal = fieldset.querySelector(".coursekit-live-reveal");
    toggle.hidden = reveal.hidden = !presenter;
    toggle.setAttribute("data-action", open ? "close" : "open");
    toggle.textContent = open ? "clore" : "ouvrir";
    reveal.setAttribute("data-action", view.revealed ? "hide" : "reveal");
    reveal.textContent = view.revealed ? "masquer" : "révéler";
    showBars(fieldset, view.revealed ? counts : null, total);
  }

  /* The results: behind each choice a bar as long as its share, and its count. */
  function showBars(fieldset, counts, total) {
    fieldset.querySelectorAll(".coursekit-poll-choice").forEach(function (choice, index) {
      var bar = choice.querySelector(".coursekit-live-result");
      if (!counts) {
        if (bar) bar.remove();
        return;
      }
      if (!bar) {
        bar = el("span", "coursekit-live-result");
        bar.appendChild(el("span", "coursekit-live-result-fill"));
        bar.appendChild(el("span", "coursekit-live-result-count"));
        choice.appendChild(bar);
      }
      var count = counts[index] || 0;
      var share = total ? Math.round((100 * count) / total) : 0;
      bar.firstChild.style.width = share + "%";
      bar.lastChild.textContent = count + " · " + share + "\u202f%";
      choice.setAttribute("data-coursekit-live-count", String(count));
    });
  }

  // --- The connection ----------------------------------------------------------

  function send(message) {
    var socket = live.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  var token = null;

  function receive(message) {
    switch (message.type) {
      case "welcome":
        live.role = message.role;
        live.votes = message.votes || {};
        message.polls.forEach(function (view) { live.polls[view.poll] = view; });
        Object.keys(live.unsent).forEach(function (key) {
          var view = live.polls[key];
          if (view && view.status === "open" && live.votes[key] !== live.unsent[key]) {
            send({ type: "vote", poll: key, choice: live.unsent[key] });
          } else {
            delete live.unsent[key];
          }
        });
        Object.keys(live.polls).forEach(showPoll);
        render();
        if (live.role === "presenter") {
          if (KIND === "deck") send(slideState()); // she leads: the server learns where she is
        } else if (message.slide) {
          live.lecturer = message.slide;
          follow(message.slide);
        }
        break;
      case "slide":
        live.lecturer = message;
        follow(message);
        break;
      case "poll":
        live.polls[message.poll] = message;
        showPoll(message.poll);
        break;
      case "voted":
        live.votes[message.poll] = message.choice;
        if (live.unsent[message.poll] === message.choice) delete live.unsent[message.poll];
        showPoll(message.poll);
        break;
      case "audience":
        live.students = message.students;
        render();
        break;
      case "error":
        if (message.reason === "bad-token") {
          session(TOKEN_KEY, null);
          token = null;
          statusText.title = "Jeton refusé : cette page suit comme celle d'un étudiant.";
        } else if (message.reason === "poll-not-open") {
          live.unsent = {}; // closed meanwhile: her answer stays the recorded one
          Object.keys(live.polls).forEach(showPoll);
        }
        break;
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + SOCKET);
    live.socket = socket;
    socket.onopen = function () {
      live.connected = true;
      live.retries = 0;
      send(token ? { type: "hello", token: token } : { type: "hello" });
      render();
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && typeof message.type === "string") receive(message);
    };
    socket.onclose = function () {
      live.connected = false;
      live.socket = null;
      render();
      // Back off (0.25 s, 0.5 s, … up to 5 s, with jitter): a restarted server
      // is not met by every page at the same instant.
      var delay = Math.min(5000, 250 * Math.pow(2, live.retries++));
      window.setTimeout(connect, delay * (0.5 + Math.random() / 2));
    };
  }

  function start() {
    token = takeToken();
    live.following = session(FOLLOW_KEY) !== "0";
    buildBar();
    setupPolls();
    render();
    if (KIND === "deck" && window.Reveal) {
      ["slidechanged", "fragmentshown", "fragmenthidden"].forEach(function (name) {
        Reveal.on(name, moved);
      });
    }
    connect();
  }

  if (KIND === "deck" && window.Reveal && !Reveal.isReady()) Reveal.on("ready", start);
  else start();
})();
