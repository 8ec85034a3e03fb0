// The review queue: pending applications, oldest first; approve, or deny (optionally blacklisting).
// Live events add new applications at the end and mark the ones decided elsewhere.

import { APPROVE, DENY, QUEUE } from "../api.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { count, SOURCE_LABELS, STATUS_LABELS } from "../format.js";
import { disclosure, facts, loadMoreButton, named, partnerHeader, statusBadge, userText } from "./common.js";

const PAGE = 25;

export function queueView(ctx) {
  const cards = new Map(); // application id -> {app, el, decided}
  let cursor = null;
  let hasMore = false;
  let total = 0;
  let loaded = 0; // applications loaded from the server (for a same-size refetch)
  let generation = 0; // a refetch started later wins over an older one still running

  const summary = h("p", { class: "summary", role: "status" });
  const fullNotice = h("p", { class: "callout warning", hidden: true });
  const list = h("ol", { class: "cards", "aria-label": "Pending applications, oldest first" });
  const empty = h("p", { class: "empty", hidden: true, text: "No pending applications. New ones appear here as they arrive." });
  const pageError = messageBox("alert");
  const more = loadMoreButton("Load more applications", () => busy(more, () => load(false)));
  const element = h(
    "section",
    { class: "view view-queue", "aria-labelledby": "queue-title" },
    h("h1", { id: "queue-title", text: "Review queue" }),
    summary,
    fullNotice,
    ctx.canEdit
      ? null
      : h("p", { class: "callout", text: "View only: you can see the queue; deciding needs the manager role." }),
    pageError,
    list,
    empty,
    more,
  );

  async function load(reset) {
    const mine = ++generation;
    const first = reset ? Math.min(100, Math.max(PAGE, loaded)) : PAGE;
    let data;
    try {
      data = await ctx.api.request(QUEUE, { guildId: ctx.guildId, first, after: reset ? null : cursor });
    } catch (failure) {
      showMessage(pageError, `Could not load the queue: ${ctx.explain(failure)}`);
      return;
    }
    if (mine !== generation) return;
    showMessage(pageError, "");
    const connection = data.guild.applications;
    const nodes = connection.edges.map((edge) => edge.node);
    if (reset) {
      // Drop what is no longer pending (decided while we were not looking), except cards that show
      // a decision made here or announced live: those stay until the next visit, with their status.
      const ids = new Set(nodes.map((node) => node.id));
      for (const [id, entry] of cards) {
        if (!ids.has(id) && !entry.decided) {
          entry.el.remove();
          cards.delete(id);
        }
      }
      loaded = 0;
    }
    for (const node of nodes) upsert(node, false);
    loaded += nodes.length;
    cursor = connection.pageInfo.endCursor || cursor;
    hasMore = connection.pageInfo.hasNextPage;
    total = connection.totalCount;
    render();
  }

  /** Adds a card in submission order, or updates the one there. */
  function upsert(app, isNew) {
    const known = cards.get(app.id);
    if (known) {
      if (app.status !== "PENDING") markDecided(known, app, false);
      return;
    }
    const entry = { app, decided: false, el: null };
    entry.el = card(entry, isNew);
    cards.set(app.id, entry);
    // Oldest first: place before the first card submitted later (usually: at the end).
    const later = [...cards.values()].find((other) => other !== entry && other.app.submittedAt > app.submittedAt);
    list.insertBefore(entry.el, later ? later.el : null);
  }

  function render() {
    const pendingShown = [...cards.values()].filter((entry) => !entry.decided).length;
    summary.textContent =
      total === 0
        ? "Nothing waiting for review."
        : `${count(total)} pending${hasMore ? `; showing the oldest ${count(pendingShown)}` : ""}.`;
    empty.hidden = cards.size > 0;
    more.hidden = !hasMore;
  }

  function card(entry, isNew) {
    const app = entry.app;
    const headingId = newId("app");
    const message = messageBox("alert");
    const actions = h("div", { class: "actions" });
    const li = h(
      "li",
      { class: "card application", "aria-labelledby": headingId, dataset: { id: app.id } },
      isNew ? h("p", { class: "new-tag", text: "New" }) : null,
      partnerHeader(app.partner, headingId, app.status),
      facts([
        ["Representative", named(app.representativeName, app.representativeId)],
        ["Source", SOURCE_LABELS[app.source] || app.source],
        ["Submitted", ctx.timeEl(app.submittedAt)],
      ]),
      userText(app.advertisement, "Advertisement"),
      actions,
      message,
    );
    entry.message = message;
    entry.actions = actions;
    if (ctx.canEdit && app.status === "PENDING") buildActions(entry);
    return li;
  }

  function buildActions(entry) {
    const app = entry.app;
    const approve = h("button", { type: "button", class: "primary", text: "Approve" });
    const formId = newId("deny");
    const toggle = h("button", {
      type: "button",
      class: "danger-outline",
      "aria-expanded": "false",
      "aria-controls": formId,
      text: "Deny…",
    });
    const reasonId = newId("reason");
    const reason = h("textarea", { id: reasonId, name: "reason", rows: 2, maxlength: 500 });
    const blacklist = h("input", { type: "checkbox", name: "blacklist", id: newId("bl") });
    const confirm = h("button", { type: "submit", class: "danger", text: "Deny application" });
    const cancel = h("button", { type: "button", class: "secondary", text: "Cancel" });
    const form = h(
      "form",
      { id: formId, class: "inline-form", hidden: true, novalidate: true },
      h(
        "div",
        { class: "field" },
        h("label", { for: reasonId, text: "Reason (optional; the applicant is told)" }),
        reason,
      ),
      h(
        "div",
        { class: "field check" },
        blacklist,
        h("label", { for: blacklist.id, text: "Blacklist this server: its future applications are denied automatically" }),
      ),
      h("div", { class: "actions" }, confirm, cancel),
    );
    disclosure(toggle, form, reason, cancel);
    approve.addEventListener("click", () =>
      busy(approve, async () => {
        const payload = await mutate(entry, APPROVE, { id: app.id }, "approveApplication");
        if (payload) {
          const partnership = payload.partnership ? " A partnership was created." : "";
          markDecided(entry, payload.application, true, partnership);
        }
      }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(confirm, async () => {
        const variables = { id: app.id, reason: reason.value.trim() || null, blacklist: blacklist.checked };
        const payload = await mutate(entry, DENY, variables, "denyApplication");
        if (payload) {
          markDecided(entry, payload.application, true, blacklist.checked ? " The server is now blacklisted." : "");
        }
      });
    });
    replace(entry.actions, approve, toggle);
    entry.actions.after(form);
    entry.form = form;
  }

  /** Runs a decision; shows userErrors in the card. Resolves to the payload when it succeeded. */
  async function mutate(entry, document, variables, field) {
    showMessage(entry.message, "");
    let payload;
    try {
      payload = (await ctx.api.request(document, variables))[field];
    } catch (failure) {
      showMessage(entry.message, ctx.explain(failure));
      return null;
    }
    if (payload.userErrors.length) {
      showMessage(entry.message, payload.userErrors.map((e) => e.message).join(" "));
      return null;
    }
    ctx.refreshOverview();
    return payload;
  }

  /** The card stays where it was, with its new status in words and no more actions. Called by the
   * mutation's answer and by the live event, in either order: the first marks it, a later answer
   * from this page only completes the wording. */
  function markDecided(entry, app, byMe, extra = "") {
    if (!app) return;
    const first = !entry.decided;
    if (!first && !byMe) return;
    entry.decided = true;
    entry.app = app;
    entry.el.classList.add("decided");
    entry.el.querySelector(".badge").replaceWith(statusBadge(app.status));
    if (entry.form) entry.form.remove();
    const mine = byMe || (app.decidedBy && app.decidedBy === ctx.session.userId);
    const who = mine ? "by you" : app.decidedBy ? `by ${app.decidedByName || `user ${app.decidedBy}`}` : "automatically";
    const label = STATUS_LABELS[app.status] || app.status;
    const reason = app.reason ? ` Reason: ${app.reason}.` : "";
    replace(entry.actions, h("p", { class: "decision", text: `${label} ${who}.${extra}${reason}` }));
    if (first) {
      total = Math.max(0, total - 1);
      announce(`${app.partner.name}: ${label.toLowerCase()} ${who}.`);
    }
    render();
  }

  function onEvent(event) {
    const app = event.application;
    if (!app) return;
    if (event.type === "APPLICATION_SUBMITTED") {
      if (cards.has(app.id)) return;
      total += 1;
      // With older pages still unloaded, the newest belongs at the end of those: just count it.
      if (!hasMore) upsert(app, true);
      render();
    } else if (["APPLICATION_APPROVED", "APPLICATION_DENIED", "APPLICATION_WITHDRAWN"].includes(event.type)) {
      const entry = cards.get(app.id);
      if (entry) {
        markDecided(entry, app, false); // no-op when this page made the decision
      } else {
        total = Math.max(0, total - 1);
        render();
      }
    }
  }

  function onLimits(limits) {
    const isFull = limits.pendingCount >= limits.pendingMax;
    fullNotice.hidden = !isFull;
    fullNotice.textContent = isFull
      ? `${count(limits.pendingCount)} / ${count(limits.pendingMax)} pending: new applications are refused until some are decided.`
      : "";
  }

  load(true);
  return { element, onEvent, onLimits, refresh: () => load(true) };
}
