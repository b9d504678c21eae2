// While a member list is checked or imported, its progress page asks progress.json every two
// seconds and moves the bar; the sentence is a polite live region, so screen readers hear the
// progress without losing their place. When the step ends the page loads again and shows the
// outcome (or, after a check, the rows to decide on). Without JavaScript the "show the latest
// progress" link does the same by hand.
document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-import-progress-url]");
  if (!section) {
    return;
  }
  const url = section.dataset.importProgressUrl;
  const bar = section.querySelector("progress");
  const text = document.getElementById("import-progress-text");
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (!data.running) {
          window.location.assign(data.next);
          return;
        }
        if (data.total) {
          bar.max = data.total;
          bar.value = data.done;
        }
        if (text.textContent !== data.text) {
          text.textContent = data.text;
        }
      }
    } catch (error) {
      // A moment without network or a page that is not JSON: ask again at the next tick.
    }
    window.setTimeout(poll, 2000);
  };
  window.setTimeout(poll, 2000);
});
