// Sizes the report frame to its content so the page scrolls as one.
"use strict";
const frame = document.getElementById("report");
if (frame) {
  const fit = () => {
    try {
      const doc = frame.contentDocument;
      if (doc && doc.documentElement) frame.style.height = doc.documentElement.scrollHeight + 24 + "px";
    } catch (err) { /* a page from elsewhere cannot be measured: keep the default height */ }
  };
  frame.addEventListener("load", fit);
  window.addEventListener("resize", fit);
}
