/* coursekit: fit every slide of the deck to the screen.
 *
 * A slide whose content is taller than the slide is first scaled down (its
 * font size, so that text reflows) as far as the readable floors allow:
 * body text and code never go below Reveal's config `coursekit.bodyFloor`
 * and `coursekit.codeFloor` (px at the deck's own `width` x `height`). What
 * still does not fit then scrolls: first the longest code block, in its own
 * box (the rest of the slide stays in view), then, if that is not enough,
 * the slide itself. Each slide records what was done in data-coursekit-fit
 * ("none", "scaled", "code-scroll" or "scroll") and data-coursekit-scale,
 * which `make slides-check` reads back.
 *
 * A slide is fitted with all its fragments shown, so that it still fits once
 * the last one has appeared. The measures themselves (smallest fonts,
 * overflow) are coursekit-measure.js's, loaded before this script and shared
 * with `make slides-check`.
 */
(function () {
  "use strict";

  var measure = window.coursekitMeasure;

  function fit(section) {
    if (section) measure.withFragments(section, fitShown);
  }

  function fitShown(section) {
    var facts = measure.facts();
    var height = facts.height;
    section.style.fontSize = "";
    section.classList.remove("coursekit-scroll");
    section.querySelectorAll("pre code").forEach(function (code) { code.style.maxHeight = ""; });
    if (!measure.overflows(section, height)) {
      section.dataset.coursekitFit = "none";
      section.dataset.coursekitScale = "1";
      return;
    }
    var base = parseFloat(getComputedStyle(section).fontSize);
    var fonts = measure.smallestFonts(section);
    var lowest = Math.min(1, Math.max(
      (facts.bodyFloor || 0) / fonts.body, (facts.codeFloor || 0) / fonts.code, 0));
    var scale = lowest, low = lowest, high = 1;
    section.style.fontSize = base * lowest + "px";
    if (measure.overflows(section, height)) {
      section.dataset.coursekitFit = shrinkLongestCode(section, height) ? "code-scroll" : "scroll";
      if (section.dataset.coursekitFit === "scroll") section.classList.add("coursekit-scroll");
    } else {
      for (var i = 0; i < 8; i++) {  // largest scale that fits
        var middle = (low + high) / 2;
        section.style.fontSize = base * middle + "px";
        if (measure.overflows(section, height)) high = middle;
        else low = middle;
      }
      scale = low;
      section.style.fontSize = base * scale + "px";
      section.dataset.coursekitFit = "scaled";
    }
    section.dataset.coursekitScale = scale.toFixed(3);
  }

  /* Let the tallest code block scroll in its own, shorter box; true when the slide then fits. */
  function shrinkLongestCode(section, height) {
    var blocks = Array.prototype.slice.call(section.querySelectorAll("pre code"));
    if (!blocks.length) return false;
    blocks.sort(function (a, b) { return b.clientHeight - a.clientHeight; });
    var code = blocks[0];
    var style = getComputedStyle(code);
    var padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    var excess = section.scrollHeight - height;
    var target = code.clientHeight - padding - excess - 2;
    var smallest = 6 * parseFloat(style.lineHeight || "20");
    if (target < smallest) return false;
    code.style.maxHeight = target + "px";
    code.style.overflow = "auto";
    return !measure.overflows(section, height);
  }

  function fitCurrent() {
    fit(measure.slideOf(Reveal.getCurrentSlide()));
  }

  function fitAll() {
    measure.slides().forEach(function (section) {
      var hidden = section.style.display === "none";
      if (hidden) section.style.display = "block";
      fit(section);
      if (hidden) section.style.display = "none";
    });
  }

  function start() {
    var fitting = Reveal.isPrintView && Reveal.isPrintView() ? fitAll : fitCurrent;
    fitting();
    Reveal.on("slidechanged", fitCurrent);
    // Web fonts and typeset math change heights: fit again once they are in.
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(fitting);
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fitting);
    }
  }

  function whenReady() {
    if (Reveal.isReady()) start();
    else Reveal.on("ready", start);
  }

  if (!measure) {
    throw new Error("coursekit-deck.js needs coursekit-measure.js, loaded before it");
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenReady);
  else whenReady();
})();
