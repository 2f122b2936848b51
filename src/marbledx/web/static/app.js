// marbledx pages: HPO autocomplete for the finding box, and the unit hint of the lab form.
// Progressive enhancement only: every form works without this script (the server resolves exact labels).
"use strict";

function setUpSuggest(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  const source = input.dataset.hpoSuggest;
  let timer = null;
  let active = -1;
  let lastQuery = "";

  function options() {
    return Array.from(list.querySelectorAll("li[role=option]"));
  }
  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function highlight(index) {
    const items = options();
    items.forEach((item, i) => item.setAttribute("aria-selected", i === index ? "true" : "false"));
    active = index;
    if (index >= 0 && items[index]) {
      input.setAttribute("aria-activedescendant", items[index].id);
      items[index].scrollIntoView({ block: "nearest" });
    }
  }
  function choose(item) {
    input.value = item.dataset.value;
    close();
  }
  async function fetchOptions(query) {
    const response = await fetch(source + "?q=" + encodeURIComponent(query), {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
    });
    if (!response.ok || query !== lastQuery) {
      return;
    }
    list.innerHTML = await response.text();
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  }

  input.addEventListener("input", () => {
    const query = input.value.trim();
    lastQuery = query;
    clearTimeout(timer);
    if (query.length < 2) {
      close();
      return;
    }
    timer = setTimeout(() => fetchOptions(query).catch(close), 150);
  });
  input.addEventListener("keydown", (event) => {
    const items = options();
    if (list.hidden || items.length === 0) {
      return;
    }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      highlight(Math.min(active + 1, items.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(items[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  list.addEventListener("mousedown", (event) => {
    const item = event.target.closest("li[role=option]");
    if (item) {
      event.preventDefault();
      choose(item);
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
}

function setUpUnitHint() {
  const analyte = document.getElementById("analyte");
  const unit = document.getElementById("unit");
  if (!analyte || !unit) {
    return;
  }
  function hint() {
    const units = (analyte.selectedOptions[0]?.dataset.units || "").split("|");
    unit.placeholder = units[0] || "";
  }
  analyte.addEventListener("change", hint);
  hint();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[data-hpo-suggest]").forEach(setUpSuggest);
  setUpUnitHint();
});
