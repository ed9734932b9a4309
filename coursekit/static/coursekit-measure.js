/* coursekit: how a slide of the deck measures, in one place.
 *
 * Two readers use it: the deck's fitting script (coursekit-deck.js), which
 * scales a slide down until it fits, and `make slides-check`
 * (coursekit/tools/slidecheck.py), which calls window.coursekitMeasure on the
 * loaded deck page to report what every slide looks like. Both therefore
 * agree on what "fits", "the smallest font" and "out of reach" mean.
 *
 * The facts come from the deck page itself: the slide's size is Reveal's
 * config `width` x `height`, the readable floors are its `coursekit.bodyFloor`
 * and `coursekit.codeFloor` (px at that size); coursekit writes all three
 * there (coursekit/sphinx/deck.py, from coursekit/config.py).
 *
 * A slide is always measured with all its fragments shown: reveal.js adds the
 * class `visible` to a fragment when it appears, and the slide must fit once
 * everything has appeared.
 *
 * Text inside MathJax, speaker notes and the deck's own chrome (the link to
 * the text) is not body text; content folded away in a closed <details> is
 * not shown, so it is not measured.
 */
(function () {
  "use strict";

  /* The slide's size and the floors, as the deck page states them. */
  function facts() {
    var config = window.Reveal && Reveal.getConfig ? Reveal.getConfig() : {};
    var floors = config.coursekit || {};
    return {
      width: config.width,
      height: config.height,
      bodyFloor: floors.bodyFloor,
      codeFloor: floors.codeFloor,
    };
  }

  /* The slide (a leaf <section>) an element belongs to. */
  function slideOf(element) {
    if (!element) return null;
    return element.closest(".slides > section > section") || element.closest(".slides > section");
  }

  /* Every slide of the deck, in order (the leaves of the vertical stacks). */
  function slides() {
    return Array.prototype.slice.call(
      document.querySelectorAll(".reveal .slides > section > section, .reveal .slides > section:not(.stack)")
    );
  }

  /* Show the slide's hidden fragments; returns exactly those it showed. */
  function showFragments(section) {
    var shown = Array.prototype.slice.call(section.querySelectorAll(".fragment:not(.visible)"));
    shown.forEach(function (fragment) { fragment.classList.add("visible"); });
    return shown;
  }

  /* Hide again the fragments showFragments showed. */
  function hideFragments(shown) {
    shown.forEach(function (fragment) { fragment.classList.remove("visible"); });
  }

  /* Run measure(section) with every fragment of the slide shown. */
  function withFragments(section, measure) {
    var shown = showFragments(section);
    try {
      return measure(section);
    } finally {
      hideFragments(shown);
    }
  }

  function folded(element) {
    var closed = element.closest("details:not([open])");
    return !!closed && !element.closest("summary");
  }

  function hiddenFromView(element) {
    return !!element.closest("aside.notes") || folded(element);
  }

  /* The elements that hold the slide's visible text, each once. */
  function textElements(section) {
    var found = [];
    var seen = new Set();
    var walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      var node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      var element = node.parentElement;
      if (!element || seen.has(element) || hiddenFromView(element)) continue;
      seen.add(element);
      var rect = element.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      found.push(element);
    }
    return found;
  }

  /* Smallest body and code font sizes (Infinity: none), in px at the slide's own
   * size, as the floors are: whatever scale reveal.js shows the slide at. */
  function smallestFonts(section) {
    var body = Infinity, code = Infinity;
    textElements(section).forEach(function (element) {
      if (element.closest("mjx-container, .coursekit-chrome")) return;
      var size = parseFloat(getComputedStyle(element).fontSize);
      if (element.closest("pre, code")) code = Math.min(code, size);
      else body = Math.min(body, size);
    });
    return { body: body, code: code };
  }

  /* Is the slide's content taller than the slide? */
  function overflows(section, height) {
    return section.scrollHeight > height + 1;
  }

  /* The slide's frame on screen. */
  function frame() {
    var size = facts();
    var scale = Reveal.getScale();
    var box = document.querySelector(".reveal .slides").getBoundingClientRect();
    return {
      left: box.left, top: box.top,
      right: box.left + size.width * scale, bottom: box.top + size.height * scale,
    };
  }

  function inside(rect, area) {
    return rect.bottom <= area.bottom + 1 && rect.top >= area.top - 1 &&
      rect.right <= area.right + 1 && rect.left >= area.left - 1;
  }

  /* Elements outside the frame that no scroll area on the slide reaches, as "tag.class".
   * A scroll area of the slide that is itself inside the frame reaches what it
   * holds (scroll areas nested in it are reached by scrolling it first). */
  function outOfReach(section, area) {
    var found = [];
    section.querySelectorAll("*").forEach(function (element) {
      if (hiddenFromView(element)) return;
      var rect = element.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0 || inside(rect, area)) return;
      for (var up = element.parentElement; up && up !== document.body; up = up.parentElement) {
        var style = getComputedStyle(up);
        if (/(auto|scroll)/.test(style.overflowY + style.overflowX) &&
            inside(up.getBoundingClientRect(), area)) return;
        if (up === section) break;
      }
      var name = element.tagName.toLowerCase();
      if (typeof element.className === "string" && element.className) name += "." + element.className;
      found.push(name);
    });
    return found;
  }

  function rounded(px) {
    return px === Infinity ? null : Math.round(px * 10) / 10;
  }

  /* Everything slides-check reports about one slide, with all its fragments shown.
   * The fitting script records what it did in data-coursekit-fit and
   * data-coursekit-scale; they are read back here. */
  function measure(section) {
    section = section || slideOf(Reveal.getCurrentSlide());
    var size = facts();
    return withFragments(section, function () {
      var fonts = smallestFonts(section);
      var unreached = outOfReach(section, frame());
      var title = section.querySelector("h1, h2");
      return {
        id: section.id,
        title: title ? title.textContent.trim() : "",
        content_height: Math.round(section.scrollHeight),
        slide_height: size.height,
        fit: section.dataset.coursekitFit || "none",
        scale: parseFloat(section.dataset.coursekitScale || "1"),
        min_body_px: rounded(fonts.body),
        min_code_px: rounded(fonts.code),
        out_of_reach: unreached.length,
        out_of_reach_sample: unreached.slice(0, 5),
        fragments: section.querySelectorAll(".fragment").length,
      };
    });
  }

  window.coursekitMeasure = {
    facts: facts,
    slideOf: slideOf,
    slides: slides,
    showFragments: showFragments,
    hideFragments: hideFragments,
    withFragments: withFragments,
    textElements: textElements,
    smallestFonts: smallestFonts,
    overflows: overflows,
    frame: frame,
    outOfReach: outOfReach,
    measure: measure,
  };
})();
