// Building DOM safely. Text from the API (names, advertisements, reasons) is always set as text
// (textContent / text nodes), never parsed as HTML: this module has no innerHTML at all.

/**
 * h("button", {class: "primary", onclick: fn, "aria-label": "..."}, "Approve", child, ...)
 * Attributes: `class`, `text`, `on<event>` handlers, `dataset`, booleans (true = present, false/null = absent),
 * anything else with setAttribute. Children: strings become text nodes; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElementNS(
    tag === "svg" || SVG_TAGS.has(tag) ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

const SVG_TAGS = new Set(["g", "rect", "text", "title", "line", "desc", "defs", "pattern", "path"]);

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces all children. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let announcer = null;

/** Says `message` to screen readers through the page's polite live region. */
export function announce(message) {
  announcer ||= document.getElementById("announcer");
  if (!announcer) return;
  // Re-setting the same text is not announced again: clear first, set on the next frame.
  announcer.textContent = "";
  requestAnimationFrame(() => {
    announcer.textContent = message;
  });
}

/** A small status line for the outcome of an action (role=status / alert). */
export function messageBox(kind = "status") {
  return h("p", { class: `message ${kind === "alert" ? "error" : ""}`, role: kind, hidden: true });
}

export function showMessage(box, text) {
  box.textContent = text || "";
  box.hidden = !text;
}

/** Disables a button while `work` runs, so a double click sends one mutation. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

let uid = 0;
export function newId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}
