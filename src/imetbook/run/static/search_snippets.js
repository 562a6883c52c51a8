// imetbook: readable search-result snippets.
// Sphinx builds a result's snippet from the whole <main> of the page (the header's download
// buttons included) and looks for the stemmed word ("Turkey" is searched as "turkei"), so a
// snippet could start with "....ipynb .pdf". Here the snippet is the article's own text,
// whitespace folded, around the first place the words the reader typed appear.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined") return;
  const typed = (new URLSearchParams(window.location.search).get("q") || "")
    .toLowerCase().split(/\s+/).filter(Boolean);
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".headerlink, script, style, summary, .cell_input, .prev-next-area")
      .forEach((el) => el.remove());
    const article = doc.querySelector("article.bd-article") || doc.querySelector('[role="main"]');
    if (!article) return "";
    const part = (anchor && article.querySelector(anchor)) || article;
    return part.textContent.replace(/\s+/g, " ").trim();
  };
  const summary = Search.makeSearchSummary;
  // The typed words go last: Sphinx starts the snippet at the last keyword it finds.
  Search.makeSearchSummary = (htmlText, keywords, anchor) =>
    summary(htmlText, [...keywords, ...typed], anchor);
});
