// dw-conformance report: tiny progressive enhancement. Never builds HTML from data.
(function () {
  "use strict";
  function covers(diffPointer, linePointer) {
    return diffPointer === "" || linePointer === diffPointer || linePointer.indexOf(diffPointer + "/") === 0;
  }
  function clearFocus(scope) {
    scope.querySelectorAll(".focus").forEach(function (el) { el.classList.remove("focus"); });
  }
  function focusPointer(article, row) {
    var pointer = row.getAttribute("data-pointer");
    clearFocus(article);
    row.classList.add("focus");
    var first = null;
    article.querySelectorAll(".json .ln").forEach(function (line) {
      if (covers(pointer, line.getAttribute("data-pointer") || "")) {
        line.classList.add("focus");
        if (!first) { first = line; }
      }
    });
    if (first && first.scrollIntoView) { first.scrollIntoView({block: "nearest"}); }
  }
  document.querySelectorAll("table.differences tr[data-pointer]").forEach(function (row) {
    row.addEventListener("click", function () { focusPointer(row.closest("article"), row); });
  });
  function markSelected() {
    document.querySelectorAll("table.matrix td.selected").forEach(function (td) { td.classList.remove("selected"); });
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) { return; }
    document.querySelectorAll("table.matrix td.cell a").forEach(function (link) {
      if (link.getAttribute("href") === "#" + id) { link.parentNode.classList.add("selected"); }
    });
  }
  window.addEventListener("hashchange", markSelected);
  markSelected();
})();
