// Blacklist: servers whose applications are denied automatically. Add with a reason, remove.

import { BLACKLIST, BLACKLIST_ADD, BLACKLIST_REMOVE, errorsByField } from "../api.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { count } from "../format.js";
import { loadMoreButton, named, viewSection } from "./common.js";

const PAGE = 50;

export function blacklistView(ctx) {
  let cursor = null;
  const rows = new Map(); // partnerGuildId -> <tr>
  const heading = h("h2", { id: "blacklist-list-title", text: "Blacklisted servers" });
  const body = h("tbody");
  const table = h(
    "table",
    { class: "data-table", "aria-labelledby": "blacklist-list-title" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["Server id", "Reason", "Added by", "Added"].map((text) => h("th", { scope: "col", text })),
        ctx.canEdit ? h("th", { scope: "col" }, h("span", { class: "visually-hidden", text: "Actions" })) : null,
      ),
    ),
    body,
  );
  const empty = h("p", { class: "empty", hidden: true, text: "No server is blacklisted." });
  const listError = messageBox("alert");
  const more = loadMoreButton("Load more", () => busy(more, () => load(false)));

  const element = viewSection(
    "blacklist",
    "Blacklist",
    h("p", { class: "help", text: "Applications from these servers are denied automatically (reason \"blacklisted\"). Denying an application with \"Blacklist this server\" adds it here too." }),
    ctx.canEdit ? addForm() : h("p", { class: "callout", text: "View only: changing the blacklist needs the manager role." }),
    h("section", { class: "panel", "aria-labelledby": "blacklist-list-title" }, heading, listError, h("div", { class: "table-scroll" }, table), empty, more),
  );

  async function load(reset) {
    let connection;
    try {
      const data = await ctx.api.request(BLACKLIST, { guildId: ctx.guildId, first: PAGE, after: reset ? null : cursor });
      connection = data.guild.blacklist;
    } catch (failure) {
      showMessage(listError, `Could not load the blacklist: ${ctx.explain(failure)}`);
      return;
    }
    showMessage(listError, "");
    if (reset) {
      rows.clear();
      replace(body);
    }
    for (const edge of connection.edges) addRow(edge.node, false);
    cursor = connection.pageInfo.endCursor || cursor;
    more.hidden = !connection.pageInfo.hasNextPage;
    render(connection.totalCount);
  }

  let total = 0;
  function render(newTotal = total) {
    total = newTotal;
    const limits = ctx.limits();
    heading.textContent = `Blacklisted servers (${count(total)}${limits ? ` / ${count(limits.blacklistMax)}` : ""})`;
    empty.hidden = rows.size > 0;
    table.hidden = rows.size === 0;
  }

  function addRow(entry, atStart) {
    rows.get(entry.partnerGuildId)?.remove();
    const message = messageBox("alert");
    let actions = null;
    if (ctx.canEdit) {
      const remove = h("button", { type: "button", class: "secondary small", text: "Remove", "aria-label": `Remove server ${entry.partnerGuildId} from the blacklist` });
      remove.addEventListener("click", () =>
        busy(remove, async () => {
          showMessage(message, "");
          let payload;
          try {
            payload = (await ctx.api.request(BLACKLIST_REMOVE, { guildId: ctx.guildId, partnerGuildId: entry.partnerGuildId })).unblacklistServer;
          } catch (failure) {
            showMessage(message, ctx.explain(failure));
            return;
          }
          if (payload.userErrors.length) {
            showMessage(message, payload.userErrors.map((e) => e.message).join(" "));
            return;
          }
          row.remove();
          rows.delete(entry.partnerGuildId);
          render(Math.max(0, total - 1));
          ctx.refreshOverview();
          announce(`Server ${entry.partnerGuildId} removed from the blacklist.`);
          element.querySelector("#blacklist-server")?.focus();
        }),
      );
      actions = h("td", {}, remove, message);
    }
    const row = h(
      "tr",
      { dataset: { id: entry.partnerGuildId } },
      h("td", {}, h("code", { text: entry.partnerGuildId })),
      h("td", { text: entry.reason || "—" }),
      h("td", {}, entry.addedBy ? named(entry.addedByName, entry.addedBy, "user") : "automatic"),
      h("td", {}, ctx.timeEl(entry.addedAt)),
      actions,
    );
    rows.set(entry.partnerGuildId, row);
    if (atStart) body.prepend(row);
    else body.append(row);
  }

  function addForm() {
    const serverId = h("input", { id: "blacklist-server", name: "partnerGuildId", inputmode: "numeric", autocomplete: "off", "aria-describedby": "blacklist-server-error" });
    const serverError = h("p", { class: "field-error", id: "blacklist-server-error", hidden: true });
    const reasonId = newId("bl-reason");
    const reason = h("input", { id: reasonId, name: "reason", maxlength: 500, autocomplete: "off", "aria-describedby": `${reasonId}-error` });
    const reasonError = h("p", { class: "field-error", id: `${reasonId}-error`, hidden: true });
    const submit = h("button", { type: "submit", class: "primary", text: "Add to blacklist" });
    const message = messageBox("alert");
    const setError = (input, box, text) => {
      box.textContent = text ? `Error: ${text}` : "";
      box.hidden = !text;
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    };
    const form = h(
      "form",
      { class: "panel inline-grid", novalidate: true, "aria-labelledby": "blacklist-add-title" },
      h("h2", { id: "blacklist-add-title", text: "Add a server" }),
      h("div", { class: "field" }, h("label", { for: "blacklist-server", text: "Server id" }), serverId, serverError),
      h("div", { class: "field" }, h("label", { for: reasonId, text: "Reason (optional)" }), reason, reasonError),
      h("div", { class: "actions" }, submit),
      message,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(submit, async () => {
        setError(serverId, serverError, "");
        setError(reason, reasonError, "");
        showMessage(message, "");
        const id = serverId.value.trim();
        if (!/^\d{1,20}$/.test(id) && !window.partnersDashboard?.skipPageValidation) {
          setError(serverId, serverError, "A server id is digits only.");
          serverId.focus();
          return;
        }
        let payload;
        try {
          payload = (await ctx.api.request(BLACKLIST_ADD, { guildId: ctx.guildId, partnerGuildId: id, reason: reason.value.trim() || null })).blacklistServer;
        } catch (failure) {
          showMessage(message, ctx.explain(failure));
          return;
        }
        if (payload.userErrors.length) {
          const byField = errorsByField(payload.userErrors);
          if (byField.partnerGuildId) setError(serverId, serverError, byField.partnerGuildId.join(" "));
          if (byField.reason) setError(reason, reasonError, byField.reason.join(" "));
          const rest = Object.entries(byField).filter(([k]) => k !== "partnerGuildId" && k !== "reason").flatMap(([, m]) => m);
          if (rest.length) showMessage(message, rest.join(" "));
          return;
        }
        const isNew = !rows.has(payload.entry.partnerGuildId);
        addRow(payload.entry, true);
        render(total + (isNew ? 1 : 0));
        form.reset();
        ctx.refreshOverview();
        announce(`Server ${payload.entry.partnerGuildId} blacklisted.`);
      });
    });
    return form;
  }

  load(true);
  return { element, refresh: () => load(true), onLimits: () => render() };
}
