// The App Dashboard's only script, served by Localgram: copy buttons and the secret's reveal.
"use strict";
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
    if (text && navigator.clipboard) {
      navigator.clipboard.writeText(text).then(() => { button.dataset.copied = "true"; }, () => {});
    } else if (text) {
      const el = document.getElementById(button.dataset.copy);
      if (el && el.select) { el.select(); document.execCommand("copy"); button.dataset.copied = "true"; }
    }
  }
});
