// After a failed submit the page reloads with the error summary at the top. Moving the focus
// there lets keyboard and screen reader users start from the list of problems, each of which
// links to its field. Without JavaScript the summary is still announced (role="alert").
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
