/* coursekit: fit every slide of the deck to the screen.
 *
 * A slide whose content is taller than the slide is first scaled down (its
 * font size, so that text reflows) as far as the readable floors allow:
 * body text and code never go below Reveal's config `coursekit.bodyFloor`
 * and `coursekit.codeFloor` (px at the deck's own 1280x720 size). What still
 * does not fit then scrolls: first the longest code block, in its own box
 * (the rest of the slide stays in view), then, if that is not enough, the
 * slide itself. Each slide records what was done in data-coursekit-fit
 * ("none", "scaled", "code-scroll" or "scroll") and data-coursekit-scale.
 */
(function () {
  "use strict";

  function slideOf(element) {
    return element.closest(".slides > section > section") || element.closest(".slides > section");
  }

  function textElements(section) {
    var found = [];
    var walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      var node = walker.currentNode;
      if (!node.textContent.trim()) continue;
      var element = node.parentElement;
      if (!element || element.closest("mjx-container, aside.notes, .coursekit-chrome")) continue;
      found.push(element);
    }
    return found;
  }

  function smallestFonts(section) {
    var body = Infinity, code = Infinity;
    textElements(section).forEach(function (element) {
      var size = parseFloat(getComputedStyle(element).fontSize);
      if (element.closest("pre, code")) code = Math.min(code, size);
      else body = Math.min(body, size);
    });
    return { body: body, code: code };
  }

  function overflows(section, height) {
    return section.scrollHeight > height + 1;
  }

  function fit(section) {
    if (!section) return;
    var config = Reveal.getConfig();
    var floors = config.coursekit || { bodyFloor: 20, codeFloor: 16 };
    var height = config.height;
    section.style.fontSize = "";
    section.classList.remove("coursekit-scroll");
    section.querySelectorAll("pre code").forEach(function (code) { code.style.maxHeight = ""; });
    if (!overflows(section, height)) {
      section.dataset.coursekitFit = "none";
      section.dataset.coursekitScale = "1";
      return;
    }
    var base = parseFloat(getComputedStyle(section).fontSize);
    var fonts = smallestFonts(section);
    var lowest = Math.min(1, Math.max(floors.bodyFloor / fonts.body, floors.codeFloor / fonts.code, 0));
    var scale = lowest, low = lowest, high = 1;
    section.style.fontSize = base * lowest + "px";
    if (overflows(section, height)) {
      section.dataset.coursekitFit = shrinkLongestCode(section, height) ? "code-scroll" : "scroll";
      if (section.dataset.coursekitFit === "scroll") section.classList.add("coursekit-scroll");
    } else {
      for (var i = 0; i < 8; i++) {  // largest scale that fits
        var middle = (low + high) / 2;
        section.style.fontSize = base * middle + "px";
        if (overflows(section, height)) high = middle;
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
    return !overflows(section, height);
  }

  function fitCurrent() {
    fit(slideOf(Reveal.getCurrentSlide()));
  }

  function fitAll() {
    document.querySelectorAll(".reveal .slides > section > section, .reveal .slides > section:not(.stack)")
      .forEach(function (section) {
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
    // Typeset math changes heights: fit again once MathJax is done.
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(fitting);
    }
  }

  function whenReady() {
    if (Reveal.isReady()) start();
    else Reveal.on("ready", start);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenReady);
  else whenReady();
})();
