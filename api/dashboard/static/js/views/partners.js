// Partners: the joins chart, active partnerships (bump, end) and ended ones, and manual entry.

import { APPROVE_AD, BUMP, CREATE_PARTNERSHIP, DENY_AD, END, errorsByField, JOIN_STATS, PARTNERSHIPS } from "../api.js";
import { joinsChart } from "../chart.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { ago, count, when } from "../format.js";
import { disclosure, facts, loadMoreButton, named, partnerHeader, statusBadge, userText } from "./common.js";

// Partnership.reciprocity in words: only a partner that also runs this bot can be checked.
const RECIPROCITY = {
  YES: "Yes: they run this bot too and show our advertisement",
  NO: "No: they run this bot too and do not show our advertisement",
  UNKNOWN: "Unknown: they do not run this bot",
};

const PAGE = 25;
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

  const active = section("active", "Active partnerships", "ACTIVE", "OLDEST_FIRST");
  const ended = section("ended", "Ended partnerships", "ENDED", "NEWEST_FIRST");

  const element = h(
    "section",
    { class: "view view-partners", "aria-labelledby": "partners-title" },
    h("h1", { id: "partners-title", text: "Partners" }),
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
    ),
    active.element,
    ctx.canEdit ? manualEntry() : null,
    ended.element,
  );

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
    const empty = h("p", { class: "empty", hidden: true, text: status === "ACTIVE" ? "No active partnerships yet." : "None ended yet." });
    const error = messageBox("alert");
    const s = { status, order, cursor: null, hasMore: false, total: 0, cards: new Map(), list, empty, heading, title };
    s.more = loadMoreButton("Load more", () => busy(s.more, () => loadSection(s, false)));
    s.error = error;
    s.element = h("section", { class: "panel", "aria-labelledby": titleId }, heading, error, list, empty, s.more);
    return s;
  }

  async function loadSection(s, reset) {
    let data;
    try {
      data = await ctx.api.request(PARTNERSHIPS, {
        guildId: ctx.guildId,
        status: s.status,
        order: s.order,
        first: reset ? Math.min(100, Math.max(PAGE, s.cards.size)) : PAGE,
        after: reset ? null : s.cursor,
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
    s.cursor = connection.pageInfo.endCursor || s.cursor;
    s.hasMore = connection.pageInfo.hasNextPage;
    s.total = connection.totalCount;
    renderSection(s);
  }

  function renderSection(s) {
    const limits = ctx.limits();
    const suffix = s.status === "ACTIVE" && limits ? ` (${count(limits.activeCount)} / ${count(limits.activeMax)} active)` : ` (${count(s.total)})`;
    s.heading.textContent = s.title + suffix;
    s.empty.hidden = s.cards.size > 0;
    s.more.hidden = !s.hasMore;
  }

  /** Adds or replaces a partnership's card in section s. */
  function put(s, partnership, atStart) {
    const old = s.cards.get(partnership.id);
    const el = card(partnership);
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
        ["Showcase", showcase(p)],
        p.status === "ACTIVE" && ctx.botPresent ? ["Next bump", nextBump(p)] : null,
        p.status === "ACTIVE" ? ["Showcases us", RECIPROCITY[p.reciprocity] || p.reciprocity] : null,
        ["Tracked invite", p.trackedInviteCode ? h("code", { text: p.trackedInviteCode }) : "not created yet"],
        ["Joins", `${count(p.joinCount)} joined · ${count(p.retainedCount)} still in the server`],
      ].filter(Boolean)),
      problems(p),
      userText(p.advertisement, "Advertisement"),
      p.status === "ACTIVE" && p.proposedAdvertisement ? proposedAd(p, message) : null,
      p.status === "ACTIVE" && ctx.canEdit ? actions(p, message) : null,
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
    approve.addEventListener("click", () =>
      busy(approve, async () => {
        const payload = await mutate(APPROVE_AD, { id: p.id }, "approveProposedAdvertisement", message);
        if (payload) {
          put(active, payload.partnership, false);
          announce(`${p.partner.name}: new advertisement approved; the showcase post is edited.`);
        }
      }),
    );
    deny.addEventListener("click", () =>
      busy(deny, async () => {
        const variables = { id: p.id, reason: reason.value.trim() || null };
        const payload = await mutate(DENY_AD, variables, "denyProposedAdvertisement", message);
        if (payload) {
          put(active, payload.partnership, false);
          announce(`${p.partner.name}: new advertisement denied; the representative is told.`);
        }
      }),
    );
    box.append(
      h("div", { class: "field" }, h("label", { for: reasonId, text: "Reason if denied (optional, sent to the representative)" }), reason),
      h("div", { class: "actions" }, approve, deny),
    );
    return box;
  }

  function actions(p, message) {
    const bump = h("button", { type: "button", class: "secondary", text: "Bump" });
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
      h("p", { class: "help", text: "The showcase post is removed and the contact role revoked. The history is kept." }),
      h("div", { class: "actions" }, confirm, cancel),
    );
    disclosure(toggle, form, reason, cancel);
    bump.addEventListener("click", () =>
      busy(bump, async () => {
        const payload = await mutate(BUMP, { id: p.id }, "bumpPartnership", message);
        if (payload) {
          put(active, payload.partnership, false);
          announce(`${p.partner.name}: bumped.`);
        }
      }),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(confirm, async () => {
        const payload = await mutate(END, { id: p.id, reason: reason.value.trim() || null }, "endPartnership", message);
        if (payload) moveToEnded(payload.partnership, "by you");
      });
    });
    // A bump is a repost by the bot: not offered where there is no bot to do it.
    return h("div", {}, h("div", { class: "actions" }, ctx.botPresent ? bump : null, toggle), form);
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

  function moveToEnded(partnership, who) {
    const el = active.cards.get(partnership.id);
    if (el) {
      el.remove();
      active.cards.delete(partnership.id);
      active.total = Math.max(0, active.total - 1);
    }
    if (!ended.cards.has(partnership.id)) ended.total += 1;
    put(ended, partnership, true);
    renderSection(active);
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
      if (active.cards.has(p.id) || !ended.cards.has(p.id)) moveToEnded(p, "");
      else put(ended, p, false);
      return;
    }
    if (event.type === "PARTNERSHIP_CREATED" && !active.cards.has(p.id)) {
      active.total += 1;
      if (!active.hasMore) put(active, p, false);
      renderSection(active);
      return;
    }
    if (active.cards.has(p.id)) put(active, p, false);
  }

  function refresh() {
    loadStats();
    loadSection(active, true);
    loadSection(ended, true);
  }

  refresh();
  return {
    element,
    onEvent,
    refresh,
    onLimits: () => renderSection(active),
  };
}
