// The audit log: staff actions and automatic decisions, newest first, with before and after.
// Only for partnerships.edit: viewers get FORBIDDEN and see "not permitted".

import { AUDIT_LOG, GraphQLFailure } from "../api.js";
import { busy, h, messageBox, replace, showMessage } from "../dom.js";
import { count } from "../format.js";
import { loadMoreButton } from "./common.js";

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

export function auditView(ctx) {
  let cursor = null;
  const list = h("ol", { class: "audit-list", "aria-label": "Audit entries, newest first" });
  const summary = h("p", { class: "summary" });
  const error = messageBox("alert");
  const more = loadMoreButton("Load older entries", () => busy(more, () => load(false)));
  const element = h(
    "section",
    { class: "view view-audit", "aria-labelledby": "audit-title" },
    h("h1", { id: "audit-title", text: "Audit log" }),
    summary,
    error,
    list,
    more,
  );

  async function load(reset) {
    let connection;
    try {
      const data = await ctx.api.request(AUDIT_LOG, { guildId: ctx.guildId, first: PAGE, after: reset ? null : cursor });
      connection = data.guild.auditLog;
    } catch (failure) {
      if (failure instanceof GraphQLFailure && failure.code === "FORBIDDEN") {
        replace(
          element,
          h("h1", { id: "audit-title", text: "Audit log" }),
          h("p", { class: "callout", role: "status" }, h("strong", { text: "Not permitted. " }), "The audit log is for staff who can manage partnerships (the manager role, Manage Server or the owner)."),
        );
        return;
      }
      showMessage(error, `Could not load the audit log: ${ctx.explain(failure)}`);
      return;
    }
    showMessage(error, "");
    if (reset) replace(list);
    for (const edge of connection.edges) list.append(entry(edge.node));
    cursor = connection.pageInfo.endCursor || cursor;
    more.hidden = !connection.pageInfo.hasNextPage;
    summary.textContent = connection.totalCount ? `${count(connection.totalCount)} entries, newest first.` : "Nothing recorded yet.";
  }

  function entry(e) {
    const changes = diff(e.before, e.after);
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
        e.actorId ? ["by user ", h("code", { text: e.actorId })] : "automatic",
        e.targetId ? [" · on ", h("code", { text: e.targetId })] : null,
      ),
      e.reason ? h("p", { class: "audit-reason", text: `Reason: ${e.reason}` }) : null,
      changes.length
        ? h(
            "details",
            {},
            h("summary", { text: `Changes (${changes.length})` }),
            h(
              "table",
              { class: "data-table compact" },
              h("thead", {}, h("tr", {}, ["Field", "Before", "After"].map((t) => h("th", { scope: "col", text: t })))),
              h("tbody", {}, changes.map(([key, before, after]) => h("tr", {}, h("th", { scope: "row", text: key }), h("td", {}, h("code", { text: before })), h("td", {}, h("code", { text: after }))))),
            ),
          )
        : null,
    );
  }

  load(true);
  return { element, refresh: () => load(true) };
}

/** [field, before, after] for the top-level keys that differ (values as compact JSON). */
function diff(before, after) {
  const a = before && typeof before === "object" ? before : before === null || before === undefined ? {} : { value: before };
  const b = after && typeof after === "object" ? after : after === null || after === undefined ? {} : { value: after };
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const show = (v) => (v === undefined ? "—" : JSON.stringify(v));
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => [k, show(a[k]), show(b[k])]);
}
