// Partners: the joins charts (per partner, and per day for the server), offers awaiting the partner's
// answer (send again, end), active partnerships (search, sort by joins or retention, edit, bump, end,
// joins per day, CSV export) and ended ones, and manual entry.

import { APPROVE_AD, BUMP, CREATE_PARTNERSHIP, DENY_AD, END, errorsByField, GUILD_JOIN_SERIES, JOIN_STATS, PARTNER_JOIN_SERIES, PARTNERSHIPS, RESEND_CONFIRMATION, UPDATE_PARTNERSHIP } from "../api.js";
import { dailyChart, joinsChart } from "../chart.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { ago, count, when } from "../format.js";
import { disclosure, facts, loadMoreButton, named, partnerHeader, statusBadge, userText, viewSection } from "./common.js";

// Partnership.reciprocity in words: only a partner that also runs this bot can be checked.
const RECIPROCITY = {
  YES: "Yes: they run this bot too and show our advertisement",
  NO: "No: they run this bot too and do not show our advertisement",
  UNKNOWN: "Unknown: they do not run this bot",
};

// Partnership.health.status in words (the colour only repeats them).
const HEALTH = { OK: "OK", AT_RISK: "At risk", FAILING: "Failing" };

const PAGE = 25;
const ACTIVE_PAGE = 100; // at most 100 partnerships are active: one page holds them all, so sorting is exact
const SERIES_DAYS = 30;
const SORTS = {
  started: { label: "Oldest partner first", key: null },
  joins: { label: "Most joins", key: (p) => p.joinCount },
  retention: { label: "Best retention", key: (p) => (p.joinCount ? p.retainedCount / p.joinCount : -1) },
};
const PERIODS = [
  { value: "all", label: "All time", days: null },
  { value: "30", label: "Last 30 days", days: 30 },
  { value: "7", label: "Last 7 days", days: 7 },
];

export function partnersView(ctx) {
  const chartBox = h("div", { class: "chart-box" });
  const periodId = newId("period");
  const period = h(
    "select",
    { id: periodId },
    PERIODS.map((p) => h("option", { value: p.value, text: p.label })),
  );
  period.addEventListener("change", () => loadStats());

  // Only guilds using the CONFIRM flow ever have offers waiting: the section shows while there are some.
  const awaiting = section("awaiting", "Awaiting the partner's answer", "AWAITING_PARTNER", "OLDEST_FIRST");
  const dailyBox = h("div", { class: "chart-box daily-box" });
  const active = section("active", "Active partnerships", "ACTIVE", "OLDEST_FIRST");
  active.pageSize = ACTIVE_PAGE;
  active.search = "";
  active.sort = "started";
  active.heading.after(activeTools());
  const ended = section("ended", "Ended partnerships", "ENDED", "NEWEST_FIRST");

  const element = viewSection(
    "partners",
    "Partners",
    h(
      "section",
      { class: "panel", "aria-labelledby": "joins-title" },
      h(
        "div",
        { class: "panel-head" },
        h("h2", { id: "joins-title", text: "Joins through partners" }),
        h("div", { class: "field inline" }, h("label", { for: periodId, text: "Period" }), period),
      ),
      chartBox,
      h("h3", { text: `Joins per day, whole server (last ${SERIES_DAYS} days)` }),
      dailyBox,
    ),
    awaiting.element,
    active.element,
    ctx.canEdit ? manualEntry() : null,
    ended.element,
  );

  async function loadDaily() {
    try {
      const series = (await ctx.api.request(GUILD_JOIN_SERIES, { guildId: ctx.guildId, days: SERIES_DAYS })).guild.joinSeries;
      replace(dailyBox, dailyChart(series, `Members who joined through any partner, per day (last ${SERIES_DAYS} days)`));
    } catch (failure) {
      replace(dailyBox, h("p", { class: "message error", role: "alert", text: ctx.explain(failure) }));
    }
  }

  /** Search, sort and export above the active list. */
  function activeTools() {
    const searchId = newId("partner-search");
    const search = h("input", { id: searchId, type: "search", maxlength: 100, autocomplete: "off", placeholder: "Name or server id" });
    const sortId = newId("partner-sort");
    const sort = h("select", { id: sortId }, Object.entries(SORTS).map(([value, o]) => h("option", { value, text: o.label })));
    const exportButton = h("button", { type: "button", class: "secondary", text: "Export CSV" });
    const exportMessage = messageBox("alert");
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        active.search = search.value.trim();
        loadSection(active, true);
      }, 300);
    });
    sort.addEventListener("change", () => {
      active.sort = sort.value;
      reorder(active);
    });
    exportButton.addEventListener("click", () => busy(exportButton, () => downloadCsv(exportMessage)));
    return h(
      "div",
      { class: "toolbar sort-partners" },
      h("div", { class: "field" }, h("label", { for: searchId, text: "Search partners" }), search),
      h("div", { class: "field" }, h("label", { for: sortId, text: "Sort by" }), sort),
      exportButton,
      exportMessage,
    );
  }

  /** The existing export endpoint wants the bearer token, so the file is fetched, then saved. */
  async function downloadCsv(message) {
    showMessage(message, "");
    const path = `/export/${ctx.guildId}/partnerships.csv`;
    const send = () => fetch(path, { headers: { Authorization: `Bearer ${ctx.session.token()}` }, credentials: "same-origin" });
    let response = await send().catch(() => null);
    if (response && response.status === 401 && (await ctx.session.refresh())) response = await send().catch(() => null);
    if (!response || !response.ok) {
      showMessage(message, `Could not export: ${response ? `the server answered ${response.status}` : "the server cannot be reached"}.`);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = h("a", { href: url, download: `partnerships-${ctx.guildId}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce("Partnerships exported as CSV.");
  }

  /** Puts the cards of s in the chosen order (ties: in the order the server listed them). */
  function reorder(s) {
    const sort = SORTS[s.sort || "started"];
    const entries = [...s.cards.entries()];
    if (sort.key) entries.sort(([, a], [, b]) => sort.key(b.partnership) - sort.key(a.partnership) || a.index - b.index);
    else entries.sort(([, a], [, b]) => a.index - b.index);
    for (const [, el] of entries) s.list.append(el);
  }

  async function loadStats() {
    const chosen = PERIODS.find((p) => p.value === period.value);
    const since = chosen.days ? new Date(Date.now() - chosen.days * 86400000).toISOString() : null;
    let stats;
    try {
      stats = (await ctx.api.request(JOIN_STATS, { guildId: ctx.guildId, since })).guild.joinStats;
    } catch (failure) {
      replace(chartBox, h("p", { class: "message error", role: "alert", text: ctx.explain(failure) }));
      return;
    }
    if (!stats.length) {
      replace(
        chartBox,
        h("p", {
          class: "empty",
          text: "No attributed joins in this period. Joins are counted when members join through a partner's tracked invite (Track joins must be on).",
        }),
      );
      return;
    }
    const rows = stats.slice(0, 12).map((s) => ({
      label: s.partnership.partner.name + (s.partnership.status === "ENDED" ? " (ended)" : ""),
      joins: s.joins,
      retained: s.retained,
    }));
    const note = stats.length > rows.length ? h("p", { class: "muted", text: `The ${rows.length} partners with most joins of ${stats.length}.` }) : null;
    replace(chartBox, joinsChart(rows, `Members who joined through each partner's invite (${period.selectedOptions[0].text.toLowerCase()})`), note);
  }

  /** One list of partnerships of a status, with paging. */
  function section(key, title, status, order) {
    const titleId = `${key}-title`;
    const heading = h("h2", { id: titleId, text: title });
    const list = h("ol", { class: "cards", "aria-labelledby": titleId });
    const emptyText = { ACTIVE: "No active partnerships yet.", AWAITING_PARTNER: "No offers waiting.", ENDED: "None ended yet." };
    const empty = h("p", { class: "empty", hidden: true, text: emptyText[status] });
    const error = messageBox("alert");
    const s = { status, order, cursor: null, hasMore: false, total: 0, cards: new Map(), list, empty, heading, title };
    s.more = loadMoreButton("Load more", () => busy(s.more, () => loadSection(s, false)));
    s.error = error;
    s.element = h("section", { class: "panel", "aria-labelledby": titleId, hidden: status === "AWAITING_PARTNER" }, heading, error, list, empty, s.more);
    return s;
  }

  async function loadSection(s, reset) {
    let data;
    try {
      data = await ctx.api.request(PARTNERSHIPS, {
        guildId: ctx.guildId,
        status: s.status,
        order: s.order,
        first: reset ? Math.min(100, Math.max(s.pageSize || PAGE, s.cards.size)) : s.pageSize || PAGE,
        after: reset ? null : s.cursor,
        search: s.search || null,
      });
    } catch (failure) {
      showMessage(s.error, `Could not load: ${ctx.explain(failure)}`);
      return;
    }
    showMessage(s.error, "");
    const connection = data.guild.partnerships;
    if (reset) {
      s.cards.clear();
      replace(s.list);
    }
    for (const edge of connection.edges) put(s, edge.node, false);
    if (s.sort) reorder(s);
    s.cursor = connection.pageInfo.endCursor || s.cursor;
    s.hasMore = connection.pageInfo.hasNextPage;
    s.total = connection.totalCount;
    renderSection(s);
  }

  function renderSection(s) {
    const limits = ctx.limits();
    // Offers awaiting the partner hold active slots too: the limit counts them, so the heading says so.
    const held = s.status === "ACTIVE" && awaiting?.total ? `, ${count(awaiting.total)} of them awaiting the partner` : "";
    const suffix = s.status === "ACTIVE" && limits ? ` (${count(limits.activeCount)} / ${count(limits.activeMax)} active${held})` : ` (${count(s.total)})`;
    s.heading.textContent = s.title + suffix;
    s.empty.hidden = s.cards.size > 0;
    s.more.hidden = !s.hasMore;
    if (s === awaiting) {
      s.element.hidden = s.cards.size === 0;
      if (active) renderSection(active);
    }
  }

  /** Adds or replaces a partnership's card in section s. */
  function put(s, partnership, atStart) {
    const old = s.cards.get(partnership.id);
    const el = card(partnership);
    s.counter = (s.counter || 0) + 1;
    el.partnership = partnership; // for sorting by joins or retention
    el.index = old ? old.index : atStart ? -s.counter : s.counter;
    if (old) {
      const focused = old.contains(document.activeElement);
      old.replaceWith(el);
      if (focused) el.querySelector("button, a, [tabindex]")?.focus();
    } else if (atStart) s.list.prepend(el);
    else s.list.append(el);
    s.cards.set(partnership.id, el);
  }

  function card(p) {
    const headingId = newId("partner");
    const message = messageBox("alert");
    const li = h(
      "li",
      { class: `card partnership ${p.status === "ENDED" ? "decided" : ""}`, "aria-labelledby": headingId, dataset: { id: p.id } },
      partnerHeader(p.partner, headingId, p.status),
      facts([
        ["Representative", named(p.representativeName, p.representativeId)],
        ["Started", ctx.timeEl(p.startedAt)],
        p.status === "ENDED" ? ["Ended", h("span", {}, ctx.timeEl(p.endedAt), p.endReason ? ` — ${p.endReason}` : "")] : null,
        p.status === "AWAITING_PARTNER" ? ["Status", "Asked by direct message whether they want to continue; ads are exchanged once they do."] : null,
        ["Showcase", showcase(p)],
        p.status === "ACTIVE" && ctx.botPresent ? ["Next bump", nextBump(p)] : null,
        p.status === "ACTIVE" ? ["Showcases us", RECIPROCITY[p.reciprocity] || p.reciprocity] : null,
        p.status === "ACTIVE" && p.health ? ["Health", health(p.health)] : null,
        ["Tracked invite", p.trackedInviteCode ? h("code", { text: p.trackedInviteCode }) : "not created yet"],
        ["Joins", `${count(p.joinCount)} joined · ${count(p.retainedCount)} still in the server`],
      ].filter(Boolean)),
      problems(p),
      userText(p.advertisement, "Advertisement"),
      p.status === "ACTIVE" && p.proposedAdvertisement ? proposedAd(p, message) : null,
      joinsPerDay(p),
      p.status === "ACTIVE" && ctx.canEdit ? actions(p, message) : null,
      p.status === "AWAITING_PARTNER" && ctx.canEdit ? offerActions(p, message) : null,
      message,
    );
    return li;
  }

  function showcase(p) {
    if (p.showcaseError) {
      return h("span", { class: "problem-text" }, h("strong", { text: "Failed: " }), p.showcaseError);
    }
    const s = p.showcase;
    // Without the bot nothing will be posted: the banner at the top says why, once.
    if (!s && p.status === "AWAITING_PARTNER") return "not posted until the partner confirms";
    if (!s) return p.status !== "ACTIVE" ? "removed" : ctx.botPresent ? "not posted yet (the bot posts it shortly)" : "not posted";
    const parts = [];
    if (s.threadId) parts.push(["thread ", s.threadId]);
    if (s.channelId) parts.push([s.threadId ? " in channel " : "channel ", s.channelId]);
    if (s.messageId) parts.push([", message ", s.messageId]);
    return h(
      "span",
      {},
      "Posted in ",
      parts.map(([label, id]) => [label, h("code", { text: id })]),
      s.postedAt ? [" · ", ctx.timeEl(s.postedAt)] : null,
    );
  }

  /** Status in words, each open problem with the end of its grace period, and when it was and will be checked. */
  function health(hl) {
    const status = HEALTH[hl.status] || hl.status;
    const checked = [
      hl.lastCheckedAt ? ["last checked ", ctx.timeEl(hl.lastCheckedAt)] : "not checked yet",
      hl.nextCheckAt ? [" · next check ", ctx.timeEl(hl.nextCheckAt)] : null,
    ];
    return h(
      "div",
      { class: `health health-${hl.status.toLowerCase()}` },
      h("strong", { class: "health-status", text: status }),
      hl.problems.length
        ? h(
            "ul",
            { class: "health-problems" },
            hl.problems.map((pr) =>
              h("li", {}, pr.message, " ", h("span", { class: "muted" }, "(until ", h("time", { datetime: pr.graceEndsAt, text: when(pr.graceEndsAt) }), ")")),
            ),
          )
        : null,
      h("div", { class: "muted" }, checked),
    );
  }

  function nextBump(p) {
    if (!p.nextBumpAt || new Date(p.nextBumpAt).getTime() <= Date.now()) return "can bump now";
    return h("span", {}, h("time", { datetime: p.nextBumpAt, title: when(p.nextBumpAt), text: ago(p.nextBumpAt) }), ` (${when(p.nextBumpAt)})`);
  }

  function problems(p) {
    if (!p.problems.length) return null;
    return h(
      "div",
      { class: "callout warning compact" },
      h("h4", { text: `Problems (${p.problems.length})` }),
      h(
        "ul",
        {},
        p.problems.slice(-5).map((pr) => h("li", {}, h("strong", { text: `${pr.action}: ` }), pr.message, " ", h("span", { class: "muted" }, "(", h("code", { text: pr.code }), ", ", ctx.timeEl(pr.at), ")"))),
      ),
    );
  }

  /** An offer awaiting the partner: send the question again (e.g. their DMs were closed), or end it. */
  function offerActions(p, message) {
    const resend = h("button", { type: "button", class: "secondary", text: "Send again" });
    resend.addEventListener("click", () =>
      busy(resend, async () => {
        const payload = await mutate(RESEND_CONFIRMATION, { id: p.id }, "resendConfirmation", message);
        if (payload) announce(`${p.partner.name}: asked again.`);
      }),
    );
    return endControls(p, message, [ctx.botPresent ? resend : null], "Nothing was posted yet; the offer is withdrawn.");
  }

  /** The partnership's pending change: a new ad the representative proposed with /ppartner ad. */
  function proposedAd(p, message) {
    const proposal = p.proposedAdvertisement;
    const box = h(
      "div",
      { class: "callout compact proposed-ad" },
      h("h4", {}, "Proposed new advertisement · ", ctx.timeEl(proposal.submittedAt)),
      userText(proposal.advertisement, "Proposed advertisement"),
    );
    if (!ctx.canEdit) return box;
    const approve = h("button", { type: "button", text: "Approve new ad" });
    const reasonId = newId("ad-reason");
    const reason = h("input", { id: reasonId, type: "text", maxlength: 500 });
    const deny = h("button", { type: "button", class: "danger-outline", text: "Deny new ad" });
    updateOnClick(approve, message, APPROVE_AD, "approveProposedAdvertisement", () => ({ id: p.id }),
      `${p.partner.name}: new advertisement approved; the showcase post is edited.`);
    updateOnClick(deny, message, DENY_AD, "denyProposedAdvertisement", () => ({ id: p.id, reason: reason.value.trim() || null }),
      `${p.partner.name}: new advertisement denied; the representative is told.`);
    box.append(
      h("div", { class: "field" }, h("label", { for: reasonId, text: "Reason if denied (optional, sent to the representative)" }), reason),
      h("div", { class: "actions" }, approve, deny),
    );
    return box;
  }

  function actions(p, message) {
    const bump = h("button", { type: "button", class: "secondary", text: "Bump" });
    updateOnClick(bump, message, BUMP, "bumpPartnership", () => ({ id: p.id }), `${p.partner.name}: bumped.`);
    const edit = editForm(p, message);
    // A bump is a repost by the bot: not offered where there is no bot to do it.
    const help = "The showcase post is removed and the contact role revoked. The history is kept.";
    return endControls(p, message, [ctx.botPresent ? bump : null, edit.toggle], help, edit.form);
  }

  /** The End… disclosure of a partnership, after the buttons `first` (null ones left out), and `extra`
   * (another form, or null) below. */
  function endControls(p, message, first, help, extra = null) {
    const formId = newId("end");
    const toggle = h("button", { type: "button", class: "danger-outline", "aria-expanded": "false", "aria-controls": formId, text: "End…" });
    const reasonId = newId("end-reason");
    const reason = h("textarea", { id: reasonId, rows: 2, maxlength: 500 });
    const confirm = h("button", { type: "submit", class: "danger", text: "End partnership" });
    const cancel = h("button", { type: "button", class: "secondary", text: "Cancel" });
    const form = h(
      "form",
      { id: formId, class: "inline-form", hidden: true, novalidate: true },
      h("div", { class: "field" }, h("label", { for: reasonId, text: "Reason (optional)" }), reason),
      h("p", { class: "help", text: help }),
      h("div", { class: "actions" }, confirm, cancel),
    );
    disclosure(toggle, form, reason, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(confirm, async () => {
        const payload = await mutate(END, { id: p.id, reason: reason.value.trim() || null }, "endPartnership", message);
        if (payload) moveToEnded(payload.partnership, "by you");
      });
    });
    return h("div", {}, h("div", { class: "actions" }, ...first, toggle), form, extra);
  }

  /** Edit a partner in place (updatePartnership): only the fields changed are sent. */
  function editForm(p, message) {
    const formId = newId("edit");
    const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": formId, text: "Edit…" });
    const fields = [
      ["partnerName", "Partner server name", p.partner.name, "input"],
      ["inviteCode", "Partner's invite code", p.partner.inviteCode, "input"],
      ["representativeId", "Representative's user id", p.representativeId, "input"],
      ["advertisement", "Their advertisement", p.advertisement, "textarea"],
    ];
    const inputs = {};
    const rows = fields.map(([name, label, value, tag]) => {
      const id = newId(`edit-${name}`);
      inputs[name] = tag === "textarea" ? h("textarea", { id, name, rows: 4, maxlength: 2000 }) : h("input", { id, name, autocomplete: "off" });
      inputs[name].value = value || "";
      return h("div", { class: "field" }, h("label", { for: id, text: label }), inputs[name]);
    });
    const save = h("button", { type: "submit", class: "primary", text: "Save changes" });
    const cancel = h("button", { type: "button", class: "secondary", text: "Cancel" });
    const form = h(
      "form",
      { id: formId, class: "inline-form partner-edit", hidden: true, novalidate: true },
      rows,
      h("p", { class: "help", text: "The showcase post is edited in place; a new representative gets the contact role." }),
      h("div", { class: "actions" }, save, cancel),
    );
    disclosure(toggle, form, inputs.partnerName, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(save, async () => {
        const input = {};
        for (const [name, , value] of fields) {
          const now = inputs[name].value.trim();
          if (now !== (value || "")) input[name] = name === "inviteCode" ? now.replace(/^https?:\/\/(discord\.gg|discord\.com\/invite)\//, "") : now;
        }
        if (!Object.keys(input).length) {
          showMessage(message, "Nothing changed.");
          return;
        }
        const payload = await mutate(UPDATE_PARTNERSHIP, { id: p.id, input }, "updatePartnership", message);
        if (payload) {
          put(active, payload.partnership, false);
          reorder(active);
          announce(`${payload.partnership.partner.name}: changes saved.`);
        }
      });
    });
    return { toggle, form };
  }

  /** A partner's joins per day, loaded when asked for (one query per partner opened). */
  function joinsPerDay(p) {
    const box = h("div", { class: "chart-box" });
    const details = h("details", { class: "partner-series" }, h("summary", { text: `Joins per day (last ${SERIES_DAYS} days)` }), box);
    let loaded = false;
    details.addEventListener("toggle", async () => {
      if (!details.open || loaded) return;
      loaded = true;
      replace(box, h("p", { class: "muted", text: "Loading…" }));
      try {
        const node = (await ctx.api.request(PARTNER_JOIN_SERIES, { id: p.id, days: SERIES_DAYS })).node;
        replace(box, node ? dailyChart(node.joinSeries, `Members who joined through ${p.partner.name}, per day`) : h("p", { text: "No longer visible." }));
      } catch (failure) {
        loaded = false;
        replace(box, h("p", { class: "message error", role: "alert", text: ctx.explain(failure) }));
      }
    });
    return details;
  }

  /** Wires `button` to a mutation of an active partnership: when it goes through, the card shows the
   * answer and `done` is announced. `variables()` is read at the click (a reason typed meanwhile). */
  function updateOnClick(button, message, document, field, variables, done) {
    button.addEventListener("click", () =>
      busy(button, async () => {
        const payload = await mutate(document, variables(), field, message);
        if (payload) {
          put(active, payload.partnership, false);
          announce(done);
        }
      }),
    );
  }

  async function mutate(document, variables, field, message) {
    showMessage(message, "");
    let payload;
    try {
      payload = (await ctx.api.request(document, variables))[field];
    } catch (failure) {
      showMessage(message, ctx.explain(failure));
      return null;
    }
    if (payload.userErrors.length) {
      showMessage(message, payload.userErrors.map((e) => e.message).join(" "));
      return null;
    }
    ctx.refreshOverview();
    return payload;
  }

  /** Takes a partnership's card out of section s, if it is there. */
  function take(s, id) {
    const el = s.cards.get(id);
    if (!el) return false;
    el.remove();
    s.cards.delete(id);
    s.total = Math.max(0, s.total - 1);
    renderSection(s);
    return true;
  }

  function moveToEnded(partnership, who) {
    take(active, partnership.id);
    take(awaiting, partnership.id);
    if (!ended.cards.has(partnership.id)) ended.total += 1;
    put(ended, partnership, true);
    renderSection(ended);
    announce(`${partnership.partner.name}: partnership ended${who ? ` ${who}` : ""}.`);
  }

  function manualEntry() {
    const fields = [
      ["partnerName", "Partner server name", "text", ""],
      ["partnerGuildId", "Partner server id", "text", "digits, e.g. 1200000000000000000"],
      ["inviteCode", "Partner's invite code", "text", "the part after discord.gg/"],
      ["representativeId", "Representative's user id", "text", "digits"],
      ["memberCount", "Member count (optional)", "number", ""],
    ];
    const inputs = {};
    const errors = {};
    const rows = fields.map(([name, label, type, hint]) => {
      const id = newId(name);
      inputs[name] = h("input", { id, name, type, inputmode: type === "number" ? "numeric" : null, autocomplete: "off", "aria-describedby": `${id}-hint ${id}-error` });
      errors[name] = h("p", { class: "field-error", id: `${id}-error`, hidden: true });
      return h("div", { class: "field" }, h("label", { for: id, text: label }), hint ? h("p", { class: "help", id: `${id}-hint`, text: hint }) : null, inputs[name], errors[name]);
    });
    const adId = newId("manual-ad");
    inputs.advertisement = h("textarea", { id: adId, rows: 4, maxlength: 2000, "aria-describedby": `${adId}-error` });
    errors.advertisement = h("p", { class: "field-error", id: `${adId}-error`, hidden: true });
    const formMessage = messageBox("alert");
    const submit = h("button", { type: "submit", class: "primary", text: "Add partner" });
    const form = h(
      "form",
      { novalidate: true, class: "stack" },
      rows,
      h("div", { class: "field" }, h("label", { for: adId, text: "Their advertisement" }), inputs.advertisement, errors.advertisement),
      formMessage,
      submit,
    );
    const setError = (name, text) => {
      const box = errors[name] || null;
      if (!box) return;
      box.textContent = text || "";
      box.hidden = !text;
      if (text) inputs[name].setAttribute("aria-invalid", "true");
      else inputs[name].removeAttribute("aria-invalid");
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, async () => {
        for (const name of Object.keys(errors)) setError(name, "");
        showMessage(formMessage, "");
        const v = (name) => inputs[name].value.trim();
        const problems = {};
        if (!v("partnerName")) problems.partnerName = "Enter the server's name.";
        if (!/^\d{1,20}$/.test(v("partnerGuildId"))) problems.partnerGuildId = "A Discord id: digits only.";
        if (!v("inviteCode")) problems.inviteCode = "Enter the invite code.";
        if (!/^\d{1,20}$/.test(v("representativeId"))) problems.representativeId = "A Discord id: digits only.";
        if (v("memberCount") && !/^\d+$/.test(v("memberCount"))) problems.memberCount = "A whole number.";
        if (!v("advertisement")) problems.advertisement = "Enter their advertisement.";
        if (Object.keys(problems).length && !window.partnersDashboard?.skipPageValidation) {
          for (const [name, text] of Object.entries(problems)) setError(name, text);
          inputs[Object.keys(problems)[0]].focus();
          return;
        }
        const input = {
          guildId: ctx.guildId,
          partnerGuildId: v("partnerGuildId"),
          partnerName: v("partnerName"),
          inviteCode: v("inviteCode").replace(/^https?:\/\/(discord\.gg|discord\.com\/invite)\//, ""),
          representativeId: v("representativeId"),
          advertisement: v("advertisement"),
          memberCount: v("memberCount") ? Number(v("memberCount")) : null,
        };
        let payload;
        try {
          payload = (await ctx.api.request(CREATE_PARTNERSHIP, { input })).createPartnership;
        } catch (failure) {
          showMessage(formMessage, ctx.explain(failure));
          return;
        }
        if (payload.userErrors.length) {
          const byField = errorsByField(payload.userErrors);
          for (const [name, messages] of Object.entries(byField)) {
            if (errors[name]) setError(name, messages.join(" "));
            else showMessage(formMessage, messages.join(" "));
          }
          return;
        }
        form.reset();
        showMessage(formMessage, "");
        ctx.refreshOverview();
        announce(`${payload.partnership.partner.name} added as a partner.`);
      });
    });
    return h(
      "details",
      { class: "panel manual" },
      h("summary", { text: "Add a partner by hand (manual entry)" }),
      h("p", { class: "help", text: "For partnerships agreed outside the bot. The same limits and blacklist apply; source is recorded as Added by staff." }),
      form,
    );
  }

  function onEvent(event) {
    const p = event.partnership;
    if (!p) {
      if (event.type === "APPLICATION_APPROVED") loadStats();
      return;
    }
    if (event.type === "PARTNERSHIP_ENDED" || p.status === "ENDED") {
      if (active.cards.has(p.id) || awaiting.cards.has(p.id) || !ended.cards.has(p.id)) moveToEnded(p, "");
      else put(ended, p, false);
      return;
    }
    // Created (awaiting or active), or confirmed: the card goes to the section of its status.
    const target = p.status === "AWAITING_PARTNER" ? awaiting : active;
    if (p.status === "ACTIVE" && take(awaiting, p.id)) announce(`${p.partner.name}: the partner confirmed.`);
    if (!target.cards.has(p.id) && (event.type === "PARTNERSHIP_CREATED" || event.type === "PARTNERSHIP_CONFIRMED")) {
      target.total += 1;
      if (!target.hasMore) put(target, p, false);
      renderSection(target);
      return;
    }
    if (target.cards.has(p.id)) put(target, p, false);
  }

  function refresh() {
    loadStats();
    loadSection(awaiting, true);
    loadDaily();
    loadSection(active, true);
    loadSection(ended, true);
  }

  refresh();
  // Joins are not queue events: the join charts are read again every little while instead.
  const joinsTimer = setInterval(() => {
    if (!element.isConnected) return;
    loadStats();
    loadDaily();
  }, 20000);
  return {
    element,
    onEvent,
    refresh,
    dispose: () => clearInterval(joinsTimer),
    onLimits: () => renderSection(active),
  };
}
