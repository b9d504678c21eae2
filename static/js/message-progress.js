// While a message is being sent, its page polls the progress every few seconds and updates the
// count of each outcome (matched by its key); the summary line is a polite live region, so
// screen readers hear the progress without losing their place. Without JavaScript, reloading
// the page shows the same figures.
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-progress-url]");
  if (!section) {
    return;
  }
  const url = section.dataset.progressUrl;
  const cells = section.querySelectorAll("[data-count]");
  const summary = document.getElementById("progress-summary");
  const state = document.getElementById("message-state");
  const refresh = async () => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) {
      return;
    }
    const data = await response.json();
    cells.forEach((cell) => {
      const count = data.counts[cell.dataset.count];
      if (count !== undefined) {
        cell.textContent = count;
      }
    });
    if (state) {
      state.textContent = data.state_label.charAt(0).toUpperCase() + data.state_label.slice(1);
    }
    if (summary) {
      summary.textContent = data.summary;
    }
    if (!data.done) {
      window.setTimeout(refresh, 3000);
    }
  };
  window.setTimeout(refresh, 3000);
});
