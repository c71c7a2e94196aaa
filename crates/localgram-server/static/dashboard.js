// The App Dashboard's only script, served by Localgram: copy buttons (with a "Copied" note read
// out by screen readers), the secret's reveal, and times shown in the browser's time zone. Every
// page works without it.
"use strict";

// Says "Copied" on the button and in the page's live region for a moment.
function copied(button) {
  const live = document.getElementById("live");
  const word = live?.dataset.copied ?? "Copied";
  button.dataset.copied = "true";
  if (!button.dataset.label) button.dataset.label = button.textContent;
  button.textContent = word;
  if (live) live.textContent = word;
  clearTimeout(button._copiedTimer);
  button._copiedTimer = setTimeout(() => {
    button.textContent = button.dataset.label;
    if (live) live.textContent = "";
  }, 2000);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  if (button.classList.contains("reveal")) {
    const box = button.closest("[data-secret]");
    const target = document.getElementById(button.dataset.target);
    if (box && target) {
      target.textContent = box.dataset.secret;
      target.classList.remove("masked");
      button.hidden = true;
    }
  } else if (button.classList.contains("copy")) {
    let text = "";
    if (button.dataset.copySecret) {
      text = document.getElementById(button.dataset.copySecret)?.dataset.secret ?? "";
    } else if (button.dataset.copy) {
      const el = document.getElementById(button.dataset.copy);
      text = el ? (el.value ?? el.textContent) : "";
    }
    const fallback = () => {
      const el = document.getElementById(button.dataset.copy);
      if (el && el.select) { el.select(); document.execCommand("copy"); copied(button); }
    };
    if (text && navigator.clipboard) {
      navigator.clipboard.writeText(text).then(() => copied(button), fallback);
    } else if (text) {
      fallback();
    }
  }
});

// <time data-local="full|time" datetime="RFC 3339">: the instant in the browser's time zone, short.
function localTimes() {
  const lang = document.documentElement.lang || undefined;
  for (const el of document.querySelectorAll("time[data-local]")) {
    const at = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(at.getTime())) continue;
    const opts = el.dataset.local === "full"
      ? { dateStyle: "medium", timeStyle: "medium" }
      : { hour: "2-digit", minute: "2-digit", second: "2-digit" };
    try {
      el.textContent = new Intl.DateTimeFormat(lang, { ...opts, timeZoneName: undefined }).format(at);
    } catch (_) {
      el.textContent = at.toLocaleString();
    }
  }
}
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", localTimes);
} else {
  localTimes();
}
