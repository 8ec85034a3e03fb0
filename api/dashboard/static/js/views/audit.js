// The audit log: staff actions and automatic decisions, newest first, each naming who acted and on
// which partner server, with the changes in words ("Showcase channel: #old → #new"). Filters by actor,
// action and server over the entries loaded, and a CSV export of what the filters show.
// Only for partnerships.edit: viewers get FORBIDDEN and see "not permitted".

import { AUDIT_LOG, GraphQLFailure, GUILD_DIRECTORY } from "../api.js";
import { busy, h, messageBox, replace, showMessage } from "../dom.js";
import { count } from "../format.js";
import { loadMoreButton, named, viewSection } from "./common.js";

const PAGE = 50;
const ACTIONS = {
  "application.approve": "Application approved",
  "application.deny": "Application denied",
  "application.auto_deny": "Application denied automatically",
  "partnership.create": "Partner added",
  "partnership.bump": "Ad bumped",
  "partnership.end": "Partnership ended",
  "partnership.update": "Partnership edited",
  "blacklist.add": "Server blacklisted",
  "blacklist.remove": "Server removed from the blacklist",
  "settings.update": "Settings changed",
};

// The words for the fields entries record (settings use the settings page's names).
const FIELD_WORDS = {
  status: "Status",
  blacklisted: "Blacklisted",
  partner_id: "Partner server id",
  partner_name: "Partner server",
  partnership_id: "Partnership",
  applicationMode: "Application mode",
  channelMode: "Channel mode",
  showcaseChannelId: "Showcase channel",
  showcaseCategoryId: "Showcase category",
  showcaseForumId: "Showcase forum",
  reviewChannelId: "Review channel",
  reviewPingRoleId: "Review ping role",
  ticketChannelId: "Ticket channel",
  managerRoleIds: "Manager roles",
  viewerRoleIds: "Viewer roles",
  partnerContactRoleId: "Partner contact role",
  minPartnerMemberCount: "Minimum partner member count",
  applicationCooldownHours: "Application cooldown (hours)",
  maxActive: "Max active partnerships",
  bumpIntervalDays: "Bump interval (days)",
  trackJoins: "Track joins",
  advertisement: "Advertisement",
};
// Record ids of our own: in the exact values and the CSV, not in the words.
const INTERNAL = new Set(["partnership_id"]);
const VALUE_WORDS = {
  PENDING: "pending",
  APPROVED: "approved",
  DENIED: "denied",
  ACTIVE: "active",
  ENDED: "ended",
  SLASH: "slash command",
  TICKET: "ticket",
  MANUAL: "manual",
  SINGLE_CHANNEL: "single channel",
  CHANNEL_PER_PARTNER: "channel per partner",
  FORUM_PER_PARTNER: "forum per partner",
};

export function auditView(ctx) {
  let cursor = null;
  let total = 0;
  const entries = []; // every entry loaded, newest first
  let names = { channels: {}, roles: {} };

  const list = h("ol", { class: "audit-list", "aria-label": "Audit entries, newest first" });
  const summary = h("p", { class: "summary", role: "status" });
  const error = messageBox("alert");
  const more = loadMoreButton("Load older entries", () => busy(more, () => load(false)));
  const actorFilter = h("select", { id: "audit-actor" });
  const actionFilter = h("select", { id: "audit-action" });
  const serverFilter = h("select", { id: "audit-server" });
  const exportButton = h("button", { type: "button", class: "secondary", text: "Export CSV" });
  const filters = h(
    "div",
    { class: "audit-filters", role: "group", "aria-label": "Filter the audit log" },
    h("div", { class: "audit-filter" }, h("label", { for: "audit-actor", text: "Actor" }), actorFilter),
    h("div", { class: "audit-filter" }, h("label", { for: "audit-action", text: "Action" }), actionFilter),
    h("div", { class: "audit-filter" }, h("label", { for: "audit-server", text: "Partner server" }), serverFilter),
    exportButton,
  );
  const element = viewSection(
    "audit",
    "Audit log",
    filters,
    summary,
    error,
    list,
    more,
  );
  for (const select of [actorFilter, actionFilter, serverFilter]) select.addEventListener("change", render);
  exportButton.addEventListener("click", () => exportCsv(shown()));

  async function loadNames() {
    try {
      const guild = (await ctx.api.request(GUILD_DIRECTORY, { guildId: ctx.guildId })).guild;
      names = {
        channels: Object.fromEntries(guild.channels.map((c) => [c.id, c.type === "CATEGORY" ? c.name : `#${c.name}`])),
        roles: Object.fromEntries(guild.roles.map((r) => [r.id, `@${r.name}`])),
      };
    } catch {
      // Ids then stay ids: the log itself is what matters.
    }
  }

  async function load(reset) {
    let connection;
    try {
      const data = await ctx.api.request(AUDIT_LOG, { guildId: ctx.guildId, first: PAGE, after: reset ? null : cursor });
      connection = data.guild.auditLog;
    } catch (failure) {
      if (failure instanceof GraphQLFailure && failure.code === "FORBIDDEN") {
        replace(
          element,
          element.querySelector("#audit-title"), // the section keeps its heading
          h("p", { class: "callout", role: "status" }, h("strong", { text: "Not permitted. " }), "The audit log is for staff who can manage partnerships (the manager role, Manage Server or the owner)."),
        );
        return;
      }
      showMessage(error, `Could not load the audit log: ${ctx.explain(failure)}`);
      return;
    }
    showMessage(error, "");
    if (reset) entries.length = 0;
    entries.push(...connection.edges.map((edge) => edge.node));
    cursor = connection.pageInfo.endCursor || cursor;
    more.hidden = !connection.pageInfo.hasNextPage;
    total = connection.totalCount;
    fillFilters();
    render();
  }

  /** The options each filter offers: what the loaded entries hold (keeping the current choice). */
  function fillFilters() {
    const actors = new Map();
    const servers = new Map();
    for (const e of entries) {
      actors.set(actorKey(e), actorLabel(e));
      const server = serverOf(e);
      if (server) servers.set(server.id, server.name || `Server ${server.id}`);
    }
    const actions = [...new Set(entries.map((e) => e.action))];
    setOptions(actorFilter, "Everyone", [...actors].sort((a, b) => a[1].localeCompare(b[1])));
    setOptions(actionFilter, "Every action", actions.map((a) => [a, ACTIONS[a] || a]).sort((a, b) => a[1].localeCompare(b[1])));
    setOptions(serverFilter, "Every server", [...servers].sort((a, b) => a[1].localeCompare(b[1])));
  }

  function shown() {
    return entries.filter(
      (e) =>
        (!actorFilter.value || actorKey(e) === actorFilter.value) &&
        (!actionFilter.value || e.action === actionFilter.value) &&
        (!serverFilter.value || serverOf(e)?.id === serverFilter.value),
    );
  }

  function render() {
    const visible = shown();
    replace(list, visible.map(entry));
    const filtered = actorFilter.value || actionFilter.value || serverFilter.value;
    exportButton.disabled = !visible.length;
    if (!total) summary.textContent = "Nothing recorded yet.";
    else if (filtered) {
      summary.textContent = `${count(visible.length)} of the ${count(entries.length)} entries loaded match${more.hidden ? "" : " (load older entries to search further back)"}.`;
    } else summary.textContent = `${count(total)} entries, newest first.`;
  }

  function entry(e) {
    const server = serverOf(e);
    const changes = describeChanges(e.before, e.after, names);
    const raw = diff(e.before, e.after);
    return h(
      "li",
      { class: "audit-entry" },
      h(
        "p",
        { class: "audit-line" },
        ctx.timeEl(e.at),
        " · ",
        h("strong", { text: ACTIONS[e.action] || e.action }),
        " ",
        h("code", { class: "muted", text: `(${e.action})` }),
        " · ",
        e.actorId ? ["by ", named(e.actorName, e.actorId, "user")] : "automatic",
        server ? [" · ", named(server.name, server.id, "server")] : null,
      ),
      e.reason ? h("p", { class: "audit-reason", text: `Reason: ${e.reason}` }) : null,
      changes.length ? h("ul", { class: "audit-changes", "aria-label": "Changes" }, changes.map((line) => h("li", { text: line }))) : null,
      raw.length
        ? h(
            "details",
            {},
            h("summary", { text: `Exact values (${raw.length})` }),
            h(
              "table",
              { class: "data-table compact" },
              h("thead", {}, h("tr", {}, ["Field", "Before", "After"].map((t) => h("th", { scope: "col", text: t })))),
              h("tbody", {}, raw.map(([key, old, now]) => h("tr", {}, h("th", { scope: "row", text: FIELD_WORDS[key] || key }), h("td", {}, h("code", { text: old })), h("td", {}, h("code", { text: now }))))),
            ),
          )
        : null,
    );
  }

  function exportCsv(rows) {
    const header = ["time", "action", "actor_id", "actor_name", "server_id", "server_name", "target_id", "changes", "reason"];
    const lines = rows.map((e) => {
      const server = serverOf(e);
      return [e.at, e.action, e.actorId || "", e.actorName || "", server?.id || "", server?.name || "", e.targetId || "", describeChanges(e.before, e.after, names).join("; "), e.reason || ""];
    });
    const text = [header, ...lines].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const link = h("a", { href: url, download: `audit-log-${ctx.guildId}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  loadNames().then(() => load(true));
  return { element, refresh: () => load(true) };
}

function actorKey(e) {
  return e.actorId || "automatic";
}

function actorLabel(e) {
  if (!e.actorId) return "Automatic decisions";
  return e.actorName || `User ${e.actorId}`;
}

/** The partner server an entry is about: its application's or partnership's, or a blacklisted one. */
function serverOf(e) {
  if (e.partnerServer) return e.partnerServer;
  if (e.action.startsWith("blacklist.") && e.targetId) return { id: e.targetId, name: null };
  return null;
}

function setOptions(select, everyone, pairs) {
  const current = select.value;
  replace(select, h("option", { value: "", text: everyone }), pairs.map(([value, text]) => h("option", { value, text })));
  select.value = pairs.some(([value]) => value === current) ? current : "";
}

/** "Field: old → new" in words, for the top-level keys that differ. */
export function describeChanges(before, after, names) {
  const a = before && typeof before === "object" ? before : {};
  const b = after && typeof after === "object" ? after : {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys
    .filter((k) => !INTERNAL.has(k) && JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => {
      const field = FIELD_WORDS[k] || k;
      if (!(k in a)) return `${field}: ${words(k, b[k], names)}`;
      return `${field}: ${words(k, a[k], names)} → ${words(k, b[k], names)}`;
    });
}

function words(key, value, names) {
  if (value === null || value === undefined || value === "") return "none";
  if (Array.isArray(value)) return value.length ? value.map((v) => words(key, v, names)).join(", ") : "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string" && /^\d{5,20}$/.test(value)) {
    // A channel or role the server has (or had): its name, the id kept beside it.
    const name = /Role/.test(key) ? names.roles[value] : /Channel|Category|Forum/.test(key) ? names.channels[value] : null;
    return name ? `${name} (${value})` : value;
  }
  if (typeof value === "string") return VALUE_WORDS[value] || value;
  return String(value);
}

/** [field, before, after] for the top-level keys that differ (values as compact JSON). */
function diff(before, after) {
  const a = before && typeof before === "object" ? before : before === null || before === undefined ? {} : { value: before };
  const b = after && typeof after === "object" ? after : after === null || after === undefined ? {} : { value: after };
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const show = (v) => (v === undefined ? "—" : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => [k, show(a[k]), show(b[k])]);
}

function csvCell(value) {
  let text = String(value ?? "");
  // A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
