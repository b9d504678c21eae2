// After a failed submit the page reloads with the error summary at the top. Moving the focus
// there lets keyboard and screen reader users start from the list of problems, each of which
// links to its field. Without JavaScript the summary is still announced (role="alert") and its
// links still jump to the fields.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const input = link && document.getElementById(link.hash.slice(1));
    if (!input) {
      return;
    }
    // A plain jump would put the input at the very top, its label and question out of sight:
    // show the legend of a group, or the label, and then focus the input itself.
    event.preventDefault();
    const group = input.closest(".choice") && input.closest("fieldset");
    const label = document.querySelector(`label[for="${CSS.escape(input.id)}"]`);
    const caption = (group && group.querySelector("legend")) || label || input;
    caption.scrollIntoView({ behavior: "instant" });
    input.focus({ preventScroll: true });
  });
});
