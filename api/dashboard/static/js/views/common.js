// Pieces shared by the sections: the partner server's header, status labels, paging.

import { h } from "../dom.js";
import { count, inviteUrl, safeImageUrl, STATUS_LABELS } from "../format.js";

/** A section of the page (`name`: "queue", "audit", ...): its h1 `title` names it, then `children`. */
export function viewSection(name, title, ...children) {
  return h(
    "section",
    { class: `view view-${name}`, "aria-labelledby": `${name}-title` },
    h("h1", { id: `${name}-title`, text: title }),
    ...children,
  );
}

/** Icon, name (as the card's heading), member count and invite of a partner server. */
export function partnerHeader(partner, headingId, status) {
  const icon = safeImageUrl(partner.iconUrl);
  const invite = inviteUrl(partner.inviteCode);
  return h(
    "header",
    { class: "card-head" },
    icon
      ? h("img", { class: "avatar", src: icon, alt: "", width: 48, height: 48, loading: "lazy" })
      : h("span", { class: "avatar placeholder", "aria-hidden": "true", text: initial(partner.name) }),
    h(
      "div",
      { class: "card-title" },
      h("h3", { id: headingId, text: partner.name }),
      h(
        "p",
        { class: "meta" },
        partner.memberCount === null || partner.memberCount === undefined
          ? "member count unknown"
          : `${count(partner.memberCount)} members`,
        " · invite ",
        invite
          ? h("a", { href: invite, target: "_blank", rel: "noopener noreferrer", text: partner.inviteCode })
          : h("code", { text: partner.inviteCode }),
        " · server id ",
        h("code", { text: partner.id }),
      ),
    ),
    status ? statusBadge(status) : null,
  );
}

function initial(name) {
  const first = Array.from((name || "?").trim())[0] || "?";
  return first.toUpperCase();
}

/** Status in words (with a symbol), never colour alone. */
export function statusBadge(status, extra = "") {
  const symbol = { PENDING: "○", APPROVED: "✓", ACTIVE: "✓", DENIED: "✕", ENDED: "■", WITHDRAWN: "↩" }[status] || "";
  return h(
    "p",
    { class: `badge status-${status.toLowerCase()}` },
    h("span", { "aria-hidden": "true", text: symbol ? `${symbol} ` : "" }),
    h("span", { class: "visually-hidden", text: "Status: " }),
    `${STATUS_LABELS[status] || status}${extra}`,
  );
}

/** A definition list from [term, description] pairs (null descriptions are left out). */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== null && value !== undefined && value !== false)
      .map(([term, value]) => h("div", {}, h("dt", { text: term }), h("dd", {}, value))),
  );
}

/** Wires a button that shows and hides an inline form: aria-expanded kept in step, `first` focused on
 * opening, and `cancel` closing the form and giving the focus back to the button. */
export function disclosure(toggle, form, first, cancel) {
  const setOpen = (open) => {
    form.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) first.focus();
  };
  toggle.addEventListener("click", () => setOpen(form.hidden));
  cancel.addEventListener("click", () => {
    setOpen(false);
    toggle.focus();
  });
}

/** A "Load more" button that hides itself when there is nothing more. */
export function loadMoreButton(label, onClick) {
  const button = h("button", { type: "button", class: "secondary load-more", hidden: true, text: label });
  button.addEventListener("click", onClick);
  return button;
}

/** Text that may be long and was written by someone outside staff: shown as text, scrollable. */
export function userText(text, label) {
  // tabindex: a scrolling box must be reachable by keyboard to be scrolled without a mouse.
  return h(
    "div",
    { class: "user-block" },
    h("h4", { class: "label", text: label }),
    h("div", { class: "user-text", tabindex: "0" }, h("p", { text })),
  );
}

/** A name with its Discord id on hover (title) and one click away (Copy ID); the bare id in code
 * when no name is known. `kind` says what the id is ("user", "server", "channel", "role"). */
export function named(name, id, kind = "user") {
  if (!id) return h("span", { text: name || "—" });
  if (!name) return h("code", { class: "named-id", title: `${kind} id ${id}`, dataset: { id }, text: id });
  const copy = h("button", { type: "button", class: "copy-id", "aria-label": `Copy the ${kind} id of ${name}`, title: `Copy ${kind} id ${id}`, text: "ID" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(id);
      copy.textContent = "copied";
    } catch {
      copy.textContent = "no clipboard"; // insecure origin: the id stays readable in the title
    }
    setTimeout(() => (copy.textContent = "ID"), 1500);
  });
  return h("span", { class: "named", dataset: { id } }, h("span", { class: "name", title: `${kind} id ${id}`, text: name }), copy);
}
