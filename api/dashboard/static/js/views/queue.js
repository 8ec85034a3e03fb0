// The review queue: pending applications (oldest first, or newest first), searchable by partner name
// or id, one page at a time; approve, or deny (optionally blacklisting), one at a time (buttons or
// keyboard) or many at once. A live arrival is placed where it belongs in the list shown, with a
// notice saying where it went.

import { APPROVE, DECIDE_MANY, DENY, QUEUE } from "../api.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { count, SOURCE_LABELS, STATUS_LABELS } from "../format.js";
import { disclosure, facts, loadMoreButton, named, partnerHeader, statusBadge, userText, viewSection } from "./common.js";

const PAGE = 25;
const BULK_MAX = 100; // decideApplications takes at most 100 ids per call
// Search and order survive switching sections and reloading, so the reviewer keeps their place.
const STORE_KEY = "partnerships.queue";

function remembered() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}");
    return { search: String(saved.search || ""), order: saved.order === "NEWEST_FIRST" ? "NEWEST_FIRST" : "OLDEST_FIRST", loaded: Number(saved.loaded) || 0 };
  } catch {
    return { search: "", order: "OLDEST_FIRST", loaded: 0 };
  }
}

/** Does the application match the search as the server would (id exactly, or part of the name)? */
function matches(app, search) {
  if (!search) return true;
  const text = search.trim();
  return app.partner.id === text || app.partner.name.toLowerCase().includes(text.toLowerCase());
}

export function queueView(ctx) {
  const cards = new Map(); // application id -> {app, el, decided, selected}
  const saved = remembered();
  let search = saved.search;
  let order = saved.order;
  let cursor = null;
  let hasMore = false;
  let total = 0;
  let loaded = saved.loaded; // applications loaded from the server (a refetch loads as many again)
  let generation = 0; // a refetch started later wins over an older one still running
  let searchTimer = null;

  const summary = h("p", { class: "summary", role: "status" });
  const fullNotice = h("p", { class: "callout warning", hidden: true });
  const arrivals = h("p", { class: "callout arrival", role: "status", hidden: true });
  const orderLabel = () => (order === "OLDEST_FIRST" ? "oldest first" : "newest first");
  const list = h("ol", { class: "cards", "aria-label": `Pending applications, ${orderLabel()}` });
  const empty = h("p", { class: "empty", hidden: true });
  const pageError = messageBox("alert");
  const more = loadMoreButton("Load more applications", () => busy(more, () => load(false)));

  // Search and sort.
  const searchId = newId("search");
  const searchBox = h("input", { id: searchId, type: "search", name: "search", value: search, maxlength: 100, autocomplete: "off", placeholder: "Name or server id" });
  const sortId = newId("sort");
  const sort = h(
    "select",
    { id: sortId, name: "order" },
    h("option", { value: "OLDEST_FIRST", text: "Oldest first" }),
    h("option", { value: "NEWEST_FIRST", text: "Newest first" }),
  );
  sort.value = order;
  const toolbar = h(
    "form",
    { class: "toolbar", role: "search", novalidate: true },
    h("div", { class: "field" }, h("label", { for: searchId, text: "Search partners" }), searchBox),
    h("div", { class: "field" }, h("label", { for: sortId, text: "Order" }), sort),
  );
  toolbar.addEventListener("submit", (event) => {
    event.preventDefault();
    setSearch(searchBox.value);
  });
  searchBox.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setSearch(searchBox.value), 300);
  });
  sort.addEventListener("change", () => {
    order = sort.value;
    list.setAttribute("aria-label", `Pending applications, ${orderLabel()}`);
    restart();
  });

  // Bulk decisions.
  const selectAll = h("input", { type: "checkbox", id: newId("all") });
  const selectedCount = h("span", { class: "selected-count", text: "0 selected" });
  const selectEverything = h("button", { type: "button", class: "secondary", hidden: true });
  const bulkReasonId = newId("bulk-reason");
  const bulkReason = h("input", { id: bulkReasonId, name: "bulk-reason", maxlength: 500, autocomplete: "off" });
  const bulkApprove = h("button", { type: "button", class: "primary", text: "Approve selected" });
  const bulkDeny = h("button", { type: "button", class: "danger-outline", text: "Deny selected" });
  const bulkBlacklist = h("button", { type: "button", class: "danger", text: "Deny + blacklist selected" });
  const bulkResult = h("div", { class: "bulk-result", role: "status" });
  const bulkBar = ctx.canEdit
    ? h(
        "div",
        { class: "bulk-bar", role: "region", "aria-label": "Decide many" },
        h("div", { class: "field check" }, selectAll, h("label", { for: selectAll.id, text: "Select all shown" })),
        selectedCount,
        selectEverything,
        h("div", { class: "field" }, h("label", { for: bulkReasonId, text: "Reason for denials (optional; applicants are told)" }), bulkReason),
        h("div", { class: "actions" }, bulkApprove, bulkDeny, bulkBlacklist),
        bulkResult,
      )
    : null;
  selectAll.addEventListener("change", () => {
    for (const entry of cards.values()) if (!entry.decided) setSelected(entry, selectAll.checked);
    renderSelection();
  });
  // A spam wave: every pending application of the search, loaded 100 at a time, then all selected.
  selectEverything.addEventListener("click", () =>
    busy(selectEverything, async () => {
      while (hasMore) {
        const before = cursor;
        await load(false, BULK_MAX);
        if (cursor === before) break; // the load failed: its message is shown
      }
      for (const entry of cards.values()) if (!entry.decided) setSelected(entry, true);
      renderSelection();
    }),
  );
  bulkApprove.addEventListener("click", () => busy(bulkApprove, () => decideSelected("APPROVE", false)));
  bulkDeny.addEventListener("click", () => busy(bulkDeny, () => decideSelected("DENY", false)));
  bulkBlacklist.addEventListener("click", () => busy(bulkBlacklist, () => decideSelected("DENY", true)));

  const element = viewSection(
    "queue",
    "Review queue",
    summary,
    fullNotice,
    ctx.canEdit
      ? h("p", { class: "hint", text: "Keyboard: j / k next and previous, x select, a approve, d deny." })
      : h("p", { class: "callout", text: "View only: you can see the queue; deciding needs the manager role." }),
    toolbar,
    arrivals,
    bulkBar,
    pageError,
    list,
    empty,
    more,
  );

  function remember() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify({ search, order, loaded }));
    } catch {
      // storage off: the place is kept for this visit only
    }
  }

  function setSearch(value) {
    const next = value.trim();
    if (next === search) return;
    search = next;
    restart();
  }

  /** A new search or order: start from the first page. */
  function restart() {
    for (const entry of cards.values()) entry.el.remove();
    cards.clear();
    cursor = null;
    loaded = 0;
    arrivals.hidden = true;
    load(true);
  }

  async function load(reset, page = PAGE) {
    const mine = ++generation;
    const first = reset ? Math.min(100, Math.max(PAGE, loaded)) : page;
    let data;
    try {
      const variables = { guildId: ctx.guildId, first, after: reset ? null : cursor, order, search: search || null };
      data = await ctx.api.request(QUEUE, variables);
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
    remember();
    render();
  }

  /** Comes before `other` in the order shown. */
  function before(app, other) {
    // As times, not strings: the API may write fractions of a second with varying precision.
    const a = Date.parse(app.submittedAt);
    const b = Date.parse(other.submittedAt);
    const earlier = a < b || (a === b && app.id < other.id);
    return order === "OLDEST_FIRST" ? earlier : !earlier && !(a === b && app.id === other.id);
  }

  /** Adds a card where it belongs in the order shown, or updates the one there. */
  function upsert(app, isNew) {
    const known = cards.get(app.id);
    if (known) {
      if (app.status !== "PENDING") markDecided(known, app, false);
      return known;
    }
    const entry = { app, decided: false, selected: false, el: null };
    entry.el = card(entry, isNew);
    cards.set(app.id, entry);
    const next = [...cards.values()].find((other) => other !== entry && before(app, other.app));
    list.insertBefore(entry.el, next ? next.el : null);
    return entry;
  }

  function render() {
    const pendingShown = [...cards.values()].filter((entry) => !entry.decided).length;
    const found = search ? ` matching “${search}”` : "";
    summary.textContent =
      total === 0
        ? search
          ? `No pending application matches “${search}”.`
          : "Nothing waiting for review."
        : `${count(total)} pending${found}${hasMore ? `; showing ${count(pendingShown)}, ${orderLabel()}` : ""}.`;
    empty.textContent = search ? "No match." : "No pending applications. New ones appear here as they arrive.";
    empty.hidden = cards.size > 0;
    more.hidden = !hasMore;
    renderSelection();
  }

  function renderSelection() {
    if (!bulkBar) return;
    const chosen = selected();
    selectedCount.textContent = `${count(chosen.length)} selected`;
    for (const button of [bulkApprove, bulkDeny, bulkBlacklist]) button.disabled = chosen.length === 0;
    const open = [...cards.values()].filter((entry) => !entry.decided);
    selectAll.checked = open.length > 0 && open.every((entry) => entry.selected);
    selectEverything.hidden = !hasMore;
    selectEverything.textContent = `Select all ${count(total)} pending${search ? " matching" : ""}`;
  }

  function selected() {
    return [...cards.values()].filter((entry) => entry.selected && !entry.decided);
  }

  function setSelected(entry, on) {
    entry.selected = on && !entry.decided;
    if (entry.checkbox) entry.checkbox.checked = entry.selected;
    entry.el.classList.toggle("selected", entry.selected);
  }

  function card(entry, isNew) {
    const app = entry.app;
    const headingId = newId("app");
    const message = messageBox("alert");
    const actions = h("div", { class: "actions" });
    let checkbox = null;
    if (ctx.canEdit && app.status === "PENDING") {
      checkbox = h("input", { type: "checkbox", class: "select", id: newId("sel"), "aria-label": `Select ${app.partner.name}` });
      checkbox.addEventListener("change", () => {
        setSelected(entry, checkbox.checked);
        renderSelection();
      });
    }
    const li = h(
      "li",
      { class: "card application", "aria-labelledby": headingId, tabindex: "-1", dataset: { id: app.id } },
      checkbox,
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
    entry.checkbox = checkbox;
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
    entry.approveButton = approve;
    entry.denyToggle = toggle;
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

  /** Decides every selected card, 100 per call; each card shows its own outcome, the bar the tally. */
  async function decideSelected(decision, blacklist) {
    const chosen = selected();
    if (!chosen.length) return;
    const reason = decision === "DENY" ? bulkReason.value.trim() || null : null;
    const tally = { done: 0, refused: 0 };
    replace(bulkResult, h("p", { text: `Deciding ${count(chosen.length)}…` }));
    for (let start = 0; start < chosen.length; start += BULK_MAX) {
      const batch = chosen.slice(start, start + BULK_MAX);
      let payload;
      try {
        const variables = { ids: batch.map((entry) => entry.app.id), decision, reason, blacklist };
        payload = (await ctx.api.request(DECIDE_MANY, variables)).decideApplications;
      } catch (failure) {
        replace(bulkResult, h("p", { class: "message error", role: "alert", text: `Stopped: ${ctx.explain(failure)}` }));
        break;
      }
      if (payload.userErrors.length) {
        replace(bulkResult, h("p", { class: "message error", role: "alert", text: payload.userErrors.map((e) => e.message).join(" ") }));
        break;
      }
      payload.results.forEach((result, index) => {
        const entry = batch[index];
        if (result.userErrors.length) {
          tally.refused += 1;
          showMessage(entry.message, result.userErrors.map((e) => e.message).join(" "));
          return;
        }
        tally.done += 1;
        const extra = result.partnership ? " A partnership was created." : blacklist ? " The server is now blacklisted." : "";
        markDecided(entry, result.application, true, extra, true);
      });
    }
    const verb = decision === "APPROVE" ? "approved" : blacklist ? "denied and blacklisted" : "denied";
    const refused = tally.refused ? `; ${count(tally.refused)} refused (the reason is on each)` : "";
    const text = `${count(tally.done)} ${verb}${refused}.`;
    if (tally.done || tally.refused) replace(bulkResult, h("p", { class: "bulk-outcome", text }));
    announce(text);
    ctx.refreshOverview();
    renderSelection();
  }

  /** The card stays where it was, with its new status in words and no more actions. Called by the
   * mutation's answer and by the live event, in either order: the first marks it, a later answer
   * from this page only completes the wording. */
  function markDecided(entry, app, byMe, extra = "", quiet = false) {
    if (!app) return;
    const first = !entry.decided;
    if (!first && !byMe) return;
    entry.decided = true;
    setSelected(entry, false);
    if (entry.checkbox) entry.checkbox.remove();
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
      if (!quiet) announce(`${app.partner.name}: ${label.toLowerCase()} ${who}.`);
    }
    render();
  }

  /** Where a live arrival goes: into the list when its place is among the cards shown, else only
   * counted; either way the notice says where it is. */
  function arrived(app) {
    if (!matches(app, search)) {
      showArrival(`New application from ${app.partner.name}; it does not match the search, so it is not shown.`);
      return;
    }
    total += 1;
    const newestShownFirst = order === "NEWEST_FIRST";
    // Oldest first with older pages unloaded: its place is past what is loaded.
    if (!newestShownFirst && hasMore) {
      showArrival(`New application from ${app.partner.name}: it is at the end of the queue, after the ones not loaded yet.`);
      return;
    }
    const entry = upsert(app, true);
    const where = list.firstElementChild === entry.el ? "at the top" : "at the bottom";
    showArrival(`New application from ${app.partner.name}: shown ${where} of the list.`, entry);
  }

  function showArrival(text, entry = null) {
    arrivals.hidden = false;
    const show = entry
      ? h("button", { type: "button", class: "link", text: "Show it" })
      : null;
    if (show) show.addEventListener("click", () => focusCard(entry));
    replace(arrivals, text, show ? " " : null, show);
  }

  // Keyboard review: one card at a time, without the mouse.
  function openEntries() {
    return [...list.children].map((el) => cards.get(el.dataset.id)).filter(Boolean);
  }

  function focusCard(entry) {
    if (!entry) return;
    entry.el.focus();
    entry.el.scrollIntoView({ block: "nearest" });
  }

  function current() {
    const el = document.activeElement && document.activeElement.closest && document.activeElement.closest("li.card.application");
    return el ? cards.get(el.dataset.id) : null;
  }

  function onKey(event) {
    if (!element.isConnected || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const entries = openEntries();
    if (!entries.length) return;
    const here = current();
    const index = here ? entries.indexOf(here) : -1;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      const step = event.key === "j" ? 1 : -1;
      const next = index === -1 ? 0 : Math.min(entries.length - 1, Math.max(0, index + step));
      focusCard(entries[next]);
      return;
    }
    if (!here || !ctx.canEdit || here.decided) return;
    if (event.key === "x") {
      event.preventDefault();
      setSelected(here, !here.selected);
      renderSelection();
    } else if (event.key === "a" && here.approveButton) {
      event.preventDefault();
      here.approveButton.click();
    } else if (event.key === "d" && here.denyToggle) {
      event.preventDefault();
      if (here.form && here.form.hidden) here.denyToggle.click();
    }
  }
  document.addEventListener("keydown", onKey);

  function onEvent(event) {
    const app = event.application;
    if (!app) return;
    if (event.type === "APPLICATION_SUBMITTED") {
      if (cards.has(app.id)) return;
      arrived(app);
      render();
    } else if (["APPLICATION_APPROVED", "APPLICATION_DENIED", "APPLICATION_WITHDRAWN"].includes(event.type)) {
      const entry = cards.get(app.id);
      if (entry) {
        markDecided(entry, app, false); // no-op when this page made the decision
      } else if (matches(app, search)) {
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

  function dispose() {
    document.removeEventListener("keydown", onKey);
    clearTimeout(searchTimer);
  }

  load(true);
  return { element, onEvent, onLimits, dispose, refresh: () => load(true) };
}
