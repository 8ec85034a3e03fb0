// Settings: every field of PartnershipSettings with what it does; checked in the page with the API's
// own rules before sending, and the API's userErrors shown next to the field they name.

import { errorsByField, GUILD_DIRECTORY, SETTINGS, UPDATE_SETTINGS } from "../api.js";
import { announce, busy, h, messageBox, newId, replace, showMessage } from "../dom.js";
import { count } from "../format.js";
import { viewSection } from "./common.js";

const MAX_SNOWFLAKE = 2n ** 64n - 1n;
const MAX_ROLES = 25;
const MAX_ADVERTISEMENT = 2000;

// The rules mirror api/domain/settings_rules.py; the API checks them again and has the last word.
const FIELDS = [
  {
    group: "Applications",
    name: "applicationMode",
    label: "Application mode",
    kind: "enum",
    options: [
      ["SLASH", "Slash command"],
      ["TICKET", "Ticket"],
      ["MANUAL", "Manual"],
    ],
    help:
      "Slash: anyone can apply with /ppartner apply (also the panel button and the $partnership DM command). " +
      "Ticket: applying opens a private ticket thread with staff. Manual: only staff add partners, here on the " +
      "dashboard (staff can always add one by hand).",
  },
  {
    group: "Applications",
    name: "ticketChannelId",
    label: "Ticket channel id",
    kind: "id",
    pick: { what: "channel", types: ["TEXT"], label: "Ticket channel" },
    showWhen: ["applicationMode", "TICKET"],
    help: "Ticket mode: the channel under which private application tickets (threads) are opened. Needed in Ticket mode.",
  },
  {
    group: "Applications",
    name: "minPartnerMemberCount",
    label: "Minimum partner member count",
    kind: "int",
    min: 0,
    max: 10_000_000,
    help: "Reject applications from servers with fewer than this many members. 0 = no minimum. At least 100 filters out tiny servers.",
  },
  {
    group: "Applications",
    name: "applicationCooldownHours",
    label: "Application cooldown (hours)",
    kind: "int",
    min: 0,
    max: 8760,
    help: "The same applicant (user or partner server) can re-apply only after this delay. Default 24.",
  },
  {
    group: "Review",
    name: "reviewChannelId",
    label: "Review channel id",
    kind: "id",
    pick: { what: "channel", types: ["TEXT", "ANNOUNCEMENT"], label: "Review channel" },
    help: "Where new requests are posted for staff, with thumbs-up / thumbs-down reactions to accept or deny.",
  },
  {
    group: "Review",
    name: "reviewPingRoleId",
    label: "Review ping role id",
    kind: "id",
    pick: { what: "role", label: "Review ping role" },
    help: "Role pinged when a new request is posted (the partnership team).",
  },
  {
    group: "Review",
    name: "reviewStyle",
    label: "Review style",
    kind: "enum",
    options: [
      ["REACTIONS", "Reactions"],
      ["BUTTONS", "Buttons"],
    ],
    help: "Reactions: staff accept or deny a request with thumbs-up / thumbs-down on its review post. Buttons: Approve, Deny and Deny + blacklist buttons; Deny asks for a reason, which the applicant is told.",
  },
  {
    group: "Review",
    name: "approvalFlow",
    label: "Approval flow",
    kind: "enum",
    options: [
      ["DIRECT", "Direct"],
      ["CONFIRM", "Ask the partner first"],
    ],
    help: "Direct: approval starts the partnership and sends your advertisement at once. Ask the partner first: the representative is asked whether they want to continue, and only after a yes are the ads exchanged.",
  },
  {
    group: "Review",
    name: "confirmHours",
    label: "Time to answer (hours)",
    kind: "int",
    min: 1,
    max: 720,
    help: "Ask-the-partner-first flow: hours the representative has to answer before the partnership ends as not answered. Default 72.",
  },
  {
    group: "Showcase",
    name: "channelMode",
    label: "Channel mode",
    kind: "enum",
    options: [
      ["SINGLE_CHANNEL", "Single channel"],
      ["CHANNEL_PER_PARTNER", "Channel per partner"],
      ["FORUM_PER_PARTNER", "Forum per partner"],
    ],
    help:
      "Where approved partners' ads are posted. Single channel: all ads in one channel (cleanest for small partner " +
      "lists). Channel per partner: each partner gets a dedicated channel, auto-created (big networks). Forum per " +
      "partner: each partner gets a thread in a forum (lower channel count; with 50+ partners a single channel " +
      "becomes a wall of ads).",
  },
  {
    group: "Showcase",
    name: "showcaseChannelId",
    label: "Showcase channel id",
    kind: "id",
    pick: { what: "channel", types: ["TEXT", "ANNOUNCEMENT"], label: "Showcase channel" },
    showWhen: ["channelMode", "SINGLE_CHANNEL"],
    help: "Single channel mode: the channel that holds every approved partner's ad. Needed in that mode.",
  },
  {
    group: "Showcase",
    name: "showcaseCategoryId",
    label: "Showcase category id",
    kind: "id",
    pick: { what: "channel", types: ["CATEGORY"], label: "Showcase category" },
    showWhen: ["channelMode", "CHANNEL_PER_PARTNER"],
    help: "Channel per partner mode: the category under which each partner's channel is created. Needed in that mode.",
  },
  {
    group: "Showcase",
    name: "showcaseForumId",
    label: "Showcase forum id",
    kind: "id",
    pick: { what: "channel", types: ["FORUM"], label: "Showcase forum" },
    showWhen: ["channelMode", "FORUM_PER_PARTNER"],
    help: "Forum per partner mode: the forum channel in which each partner gets a thread. Needed in that mode.",
  },
  {
    group: "Showcase",
    name: "bumpIntervalDays",
    label: "Bump interval (days)",
    kind: "int",
    min: 1,
    max: 365,
    help: "Partners can re-post their ad after this many days (prevents showcase spam).",
  },
  {
    group: "Showcase",
    name: "maxActive",
    label: "Max active partnerships",
    kind: "int",
    min: 0,
    max: 100,
    help: "Cap on concurrent active partnerships. 0 = unlimited (the hard limit of 100 still applies).",
  },
  {
    group: "Roles",
    name: "managerRoleIds",
    label: "Manager role ids",
    kind: "ids",
    pick: { what: "role", label: "Manager roles", help: "Holders can approve and deny applications and manage partners and settings (partnerships.edit). The server owner and members with Manage Server always can. Up to 25 roles (Ctrl or ⌘ + click picks several)." },
    help: "Holders can approve and deny applications and manage partners and settings (partnerships.edit). The server owner and members with Manage Server always can. Up to 25 ids, separated by commas or spaces.",
  },
  {
    group: "Roles",
    name: "viewerRoleIds",
    label: "Viewer role ids",
    kind: "ids",
    pick: { what: "role", label: "Viewer roles", help: "Holders can see applications and partners (partnerships.view) but not change them. Up to 25 roles (Ctrl or ⌘ + click picks several)." },
    help: "Holders can see applications and partners (partnerships.view) but not change them. Up to 25 ids.",
  },
  {
    group: "Roles",
    name: "partnerContactRoleId",
    label: "Partner contact role id",
    kind: "id",
    pick: { what: "role", label: "Partner contact role", grantable: true },
    help: "Granted to a partner's representative while their partnership is active; useful for permission gating (e.g. a partners-only voice channel).",
  },
  {
    group: "Join tracking",
    name: "trackJoins",
    label: "Track joins",
    kind: "bool",
    help: "When on, members who join through a partner's tracked invite are attributed to that partnership (the Partners chart).",
  },
  {
    group: "Join tracking",
    name: "fakeJoinSeconds",
    label: "Quick leave counts as fake (seconds)",
    kind: "int",
    min: 0,
    max: 604800,
    help: "A member who leaves within this many seconds of joining through a partner counts as a fake join. 0 = off. Default 600 (10 minutes).",
  },
  {
    group: "Join tracking",
    name: "minAccountAgeDays",
    label: "Minimum account age (days)",
    kind: "int",
    min: 0,
    max: 365,
    help: "Members whose Discord account is younger than this many days count as fake joins. 0 = off. Default 0.",
  },
  {
    group: "Partner health",
    name: "healthChecks",
    label: "Check partners regularly",
    kind: "bool",
    help: "When on, each partner is checked regularly: their invite still works and leads to their server, they still have the minimum member count, and your tracked invite still exists.",
  },
  {
    group: "Partner health",
    name: "healthGraceHours",
    label: "Grace period (hours)",
    kind: "int",
    min: 0,
    max: 720,
    help: "How long a problem may last before the partnership counts as failing. 0 = the first failed check counts. Default 72.",
  },
  {
    group: "Partner health",
    name: "autoEndUnhealthy",
    label: "End failing partnerships automatically",
    kind: "bool",
    help: "When on, a partnership whose problem outlasts the grace period is ended, with a reason that names the problem; staff and the representative are told.",
  },
  {
    group: "Partner health",
    name: "mutualPartnerships",
    label: "Mutual partnerships",
    kind: "bool",
    help: "When a partner server also runs this bot, it is offered the reverse partnership (your request appears in its queue), and you can see whether it shows your advertisement.",
  },
  {
    group: "Staff log",
    name: "logChannelId",
    label: "Log channel id",
    kind: "id",
    help: "Where the bot tells staff about partner health, waiting applications and partners' answers. Empty: the review channel.",
  },
  {
    group: "Staff log",
    name: "staleQueueHours",
    label: "Remind about waiting applications (hours)",
    kind: "int",
    min: 0,
    max: 720,
    help: "When applications have waited longer than this, one reminder goes to the log channel (at most once per this many hours). 0 = off. Default 48.",
  },
  {
    group: "Your advertisement",
    name: "advertisement",
    label: "Your server's advertisement",
    kind: "text",
    max: MAX_ADVERTISEMENT,
    help: "Sent to a partner's representative when their application is approved, with the invite made for them (joins through it are counted for that partner): write {invite} where the link goes, or it is put on a line of its own under the ad. Up to 2,000 characters. It is posted with no mentions allowed.",
  },
];

// The channel each mode needs (checked when the mode or that channel changes, as the API does).
const CHANNEL_MODE_NEEDS = {
  SINGLE_CHANNEL: "showcaseChannelId",
  CHANNEL_PER_PARTNER: "showcaseCategoryId",
  FORUM_PER_PARTNER: "showcaseForumId",
};
const MODE_LABELS = { SINGLE_CHANNEL: "Single channel", CHANNEL_PER_PARTNER: "Channel per partner", FORUM_PER_PARTNER: "Forum per partner" };
const APPLICATION_MODE_NEEDS = { TICKET: "ticketChannelId" };

export function settingsView(ctx) {
  const controls = {}; // name -> {input, error, field}
  let loaded = null;

  const formMessage = messageBox("status");
  const formError = messageBox("alert");
  const changedNotice = h("div", { class: "callout", hidden: true });
  const save = h("button", { type: "submit", class: "primary", text: "Save changes" });
  const discard = h("button", { type: "button", class: "secondary", text: "Discard changes" });
  const groups = [...new Set(FIELDS.map((f) => f.group))];
  const fieldsetBox = h("div", { class: "settings-groups" });
  const form = h(
    "form",
    { class: "settings-form", novalidate: true },
    fieldsetBox,
    h("div", { class: "actions form-actions" }, save, discard, formMessage, formError),
  );
  const element = viewSection(
    "settings",
    "Settings",
    ctx.canEdit ? null : h("p", { class: "callout", text: "View only: changing settings needs the manager role." }),
    changedNotice,
    form,
  );

  // The form is built once the server's directory is known: a channel or role setting is a picker of
  // the server's channels / roles of the fitting type, or an id input while the bot has reported none.
  let directory = null;
  function build(found) {
    directory = found;
    for (const group of groups) {
      const legendId = newId("group");
      const fieldset = h("fieldset", { disabled: !ctx.canEdit, "aria-labelledby": legendId }, h("legend", { id: legendId, text: group }));
      for (const field of FIELDS.filter((f) => f.group === group)) fieldset.append(control(field));
      fieldsetBox.append(fieldset);
    }
    for (const name of ["applicationMode", "channelMode"]) controls[name].input.addEventListener("change", showModeFields);
  }

  /** Only the fields of the selected modes are shown (the others keep their values). */
  function showModeFields() {
    for (const field of FIELDS) {
      if (!field.showWhen) continue;
      const [mode, value] = field.showWhen;
      controls[field.name].wrapper.hidden = controls[mode].input.value !== value;
    }
  }

  function picker(field) {
    if (!field.pick || !directory) return null;
    if (field.pick.what === "channel") {
      if (!directory.channels.length) return null;
      const categories = Object.fromEntries(directory.channels.filter((c) => c.type === "CATEGORY").map((c) => [c.id, c.name]));
      return directory.channels
        .filter((c) => field.pick.types.includes(c.type))
        .map((c) => ({
          id: c.id,
          text: c.type === "CATEGORY" ? c.name : `#${c.name}${c.parentId && categories[c.parentId] ? ` (${categories[c.parentId]})` : ""}`,
        }));
    }
    if (!directory.roles.length) return null;
    return directory.roles.filter((r) => !(field.pick.grantable && r.managed)).map((r) => ({ id: r.id, text: `@${r.name}` }));
  }
  if (!ctx.canEdit) {
    save.hidden = true;
    discard.hidden = true;
  }

  function control(field) {
    const id = `setting-${field.name}`;
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const describedBy = `${helpId} ${errorId}`;
    let input;
    const choices = picker(field);
    if (choices) {
      const what = field.pick.what;
      input = h(
        "select",
        { id, name: field.name, multiple: field.kind === "ids", size: field.kind === "ids" ? Math.min(8, Math.max(3, choices.length)) : null, "aria-describedby": `${describedBy} ${id}-missing`, dataset: { picker: what } },
        field.kind === "ids" ? null : h("option", { value: "", text: `— no ${what} —` }),
        choices.map((c) => h("option", { value: c.id, title: `${what} id ${c.id}`, text: c.text })),
      );
    } else if (field.kind === "enum") {
      input = h("select", { id, name: field.name, "aria-describedby": describedBy }, field.options.map(([value, text]) => h("option", { value, text })));
    } else if (field.kind === "bool") {
      input = h("input", { id, name: field.name, type: "checkbox", "aria-describedby": describedBy });
    } else if (field.kind === "int") {
      input = h("input", { id, name: field.name, type: "number", inputmode: "numeric", min: field.min, max: field.max, step: 1, "aria-describedby": describedBy });
    } else if (field.kind === "text") {
      input = h("textarea", { id, name: field.name, rows: 5, "aria-describedby": `${describedBy} ${id}-count` });
    } else {
      input = h("input", {
        id,
        name: field.name,
        type: "text",
        inputmode: field.kind === "id" ? "numeric" : "text",
        autocomplete: "off",
        spellcheck: "false",
        placeholder: field.kind === "ids" ? "e.g. 1500000000000000001, 1500000000000000002" : "e.g. 1100000000000000001",
        "aria-describedby": describedBy,
      });
    }
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const missing = choices ? h("p", { class: "field-missing", id: `${id}-missing`, role: "status", hidden: true }) : null;
    const help = h("p", { class: "help", id: helpId, text: (choices && field.pick.help) || field.help });
    const counter = field.kind === "text" ? h("p", { class: "counter", id: `${id}-count`, "aria-live": "polite" }) : null;
    if (counter) {
      const update = () => {
        const length = input.value.trim().length;
        counter.textContent = `${count(length)} / ${count(field.max)} characters${length > field.max ? ": too long" : ""}`;
      };
      input.addEventListener("input", update);
      controls.updateCounter = update;
    }
    input.addEventListener("input", () => setError(field.name, ""));
    if (missing) input.addEventListener("change", () => flagMissing(field.name));
    const label = h("label", { for: id, text: choices ? field.pick.label : field.label });
    const wrapper =
      field.kind === "bool"
        ? h("div", { class: "field check", dataset: { field: field.name } }, input, label, help, error)
        : h("div", { class: "field", dataset: { field: field.name } }, label, help, input, counter, missing, error);
    controls[field.name] = { input, error, field, wrapper, missing };
    return wrapper;
  }

  /** Selects these ids in a picker; an id the server no longer has stays, as a flagged option. */
  function selectIds(c, ids) {
    for (const old of c.input.querySelectorAll("option[data-missing]")) old.remove();
    const known = new Set([...c.input.options].map((o) => o.value));
    const what = c.input.dataset.picker;
    for (const id of ids) {
      if (!known.has(id)) c.input.append(h("option", { value: id, title: `${what} id ${id}`, dataset: { missing: "" }, text: `⚠ deleted ${what} (${id})` }));
    }
    for (const option of c.input.options) option.selected = ids.includes(option.value);
    if (c.input.multiple) c.input.size = Math.min(8, Math.max(3, c.input.options.length));
    if (!ids.length && !c.input.multiple) c.input.value = "";
  }

  /** Says so under the picker when a selected channel or role no longer exists on the server. */
  function flagMissing(name) {
    const c = controls[name];
    if (!c || !c.missing) return;
    const gone = [...c.input.selectedOptions].filter((o) => o.dataset.missing !== undefined);
    const what = c.input.dataset.picker;
    c.missing.textContent = gone.length
      ? `Warning: ${gone.length === 1 ? `the selected ${what} (id ${gone[0].value}) no longer exists` : `${gone.length} selected ${what}s no longer exist`} on the server (or the bot cannot see it). Pick another.`
      : "";
    c.missing.hidden = !gone.length;
    c.wrapper.classList.toggle("has-missing", gone.length > 0);
  }

  function setError(name, text) {
    const c = controls[name];
    if (!c) return false;
    c.error.textContent = text ? `Error: ${text}` : "";
    c.error.hidden = !text;
    if (text) {
      c.input.setAttribute("aria-invalid", "true");
      c.wrapper.classList.add("has-error");
    } else {
      c.input.removeAttribute("aria-invalid");
      c.wrapper.classList.remove("has-error");
    }
    return true;
  }

  function fill(settings) {
    loaded = settings;
    for (const field of FIELDS) {
      const { input } = controls[field.name];
      const value = settings[field.name];
      if (input.dataset.picker) selectIds(controls[field.name], field.kind === "ids" ? value || [] : value ? [value] : []);
      else if (field.kind === "bool") input.checked = Boolean(value);
      else if (field.kind === "ids") input.value = (value || []).join(", ");
      else input.value = value === null || value === undefined ? "" : String(value);
      setError(field.name, "");
      flagMissing(field.name);
    }
    showModeFields();
    controls.updateCounter?.();
    changedNotice.hidden = true;
  }

  /** The form's values in the API's shape (strings for ids, numbers for ints, null for empty). */
  function read() {
    const values = {};
    for (const field of FIELDS) {
      const { input } = controls[field.name];
      const raw = field.kind === "bool" ? input.checked : input.value.trim();
      if (input.multiple) values[field.name] = [...input.selectedOptions].map((o) => o.value);
      else if (field.kind === "bool" || field.kind === "enum") values[field.name] = raw;
      else if (field.kind === "int") values[field.name] = raw === "" ? null : Number(raw);
      else if (field.kind === "ids") values[field.name] = raw === "" ? [] : raw.split(/[\s,]+/).filter(Boolean);
      else values[field.name] = raw === "" ? null : raw;
    }
    return values;
  }

  function changed(values) {
    const patch = {};
    for (const field of FIELDS) {
      const now = values[field.name];
      const before = loaded[field.name];
      // Role lists compare as sets: a picker lists them in the server's order, not the saved one.
      const same = field.kind === "ids" ? JSON.stringify([...now].sort()) === JSON.stringify([...(before || [])].sort()) : now === (before ?? null);
      if (!same) patch[field.name] = now;
    }
    return patch;
  }

  /** The page's own checks: {fieldName: message}. Mirrors the API's rules. */
  function validate(values, patch) {
    const problems = {};
    for (const field of FIELDS) {
      if (!(field.name in patch)) continue;
      const value = values[field.name];
      if (field.kind === "int") {
        if (value === null || !Number.isInteger(value)) problems[field.name] = "Enter a whole number.";
        else if (value < field.min || value > field.max) {
          problems[field.name] = `Must be between ${count(field.min)} and ${count(field.max)}.`;
        }
      } else if (field.kind === "id" && value !== null && !isSnowflake(value)) {
        problems[field.name] = "A Discord id is digits only (right-click › Copy ID with Developer Mode on).";
      } else if (field.kind === "ids") {
        const bad = value.find((id) => !isSnowflake(id));
        if (bad !== undefined) problems[field.name] = `"${bad}" is not a Discord id (digits only).`;
        else if (new Set(value).size > MAX_ROLES) problems[field.name] = `At most ${MAX_ROLES} roles.`;
      } else if (field.kind === "text" && value !== null && value.length > field.max) {
        problems[field.name] = `${count(value.length)} characters; the limit is ${count(field.max)}.`;
      }
    }
    const mode = values.channelMode;
    const needed = CHANNEL_MODE_NEEDS[mode];
    if (needed && ("channelMode" in patch || needed in patch) && values[needed] === null && !problems[needed]) {
      problems[needed] = `${MODE_LABELS[mode]} mode needs this id.`;
    }
    const ticket = APPLICATION_MODE_NEEDS[values.applicationMode];
    if (ticket && ("applicationMode" in patch || ticket in patch) && values[ticket] === null && !problems[ticket]) {
      problems[ticket] = "Ticket mode needs this id.";
    }
    return problems;
  }

  async function load() {
    try {
      const [data, found] = await Promise.all([
        ctx.api.request(SETTINGS, { guildId: ctx.guildId }),
        // Without the directory the form still works, with id inputs.
        directory ? null : ctx.api.request(GUILD_DIRECTORY, { guildId: ctx.guildId }).then((d) => d.guild, () => ({ channels: [], roles: [] })),
      ]);
      if (!directory) build(found || { channels: [], roles: [] });
      fill(data.guild.settings);
      showMessage(formError, "");
    } catch (failure) {
      if (!directory) build({ channels: [], roles: [] });
      showMessage(formError, `Could not load the settings: ${ctx.explain(failure)}`);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!loaded) return;
    busy(save, async () => {
      showMessage(formMessage, "");
      showMessage(formError, "");
      for (const field of FIELDS) setError(field.name, "");
      const values = read();
      const patch = changed(values);
      if (!Object.keys(patch).length) {
        showMessage(formMessage, "Nothing to save: no setting was changed.");
        return;
      }
      const problems = window.partnersDashboard?.skipPageValidation ? {} : validate(values, patch);
      if (Object.keys(problems).length) {
        showProblems(problems);
        return;
      }
      let payload;
      try {
        payload = (await ctx.api.request(UPDATE_SETTINGS, { guildId: ctx.guildId, input: patch })).updatePartnershipSettings;
      } catch (failure) {
        showMessage(formError, ctx.explain(failure));
        return;
      }
      if (payload.userErrors.length) {
        const byField = errorsByField(payload.userErrors);
        const problemsFromApi = {};
        const rest = [];
        for (const [name, messages] of Object.entries(byField)) {
          if (controls[name]) problemsFromApi[name] = messages.join(" ");
          else rest.push(...messages);
        }
        showProblems(problemsFromApi);
        if (rest.length) showMessage(formError, rest.join(" "));
        return;
      }
      fill(payload.settings);
      showMessage(formMessage, "Saved.");
      announce("Settings saved.");
      ctx.refreshOverview();
    });
  });

  function showProblems(problems) {
    const names = Object.keys(problems);
    for (const name of names) setError(name, problems[name]);
    if (!names.length) return;
    const text = names.length === 1 ? "1 setting needs fixing." : `${names.length} settings need fixing.`;
    showMessage(formError, `Not saved: ${text}`);
    const first = FIELDS.find((f) => problems[f.name]);
    controls[first.name].input.focus();
  }

  discard.addEventListener("click", () => {
    if (loaded) fill(loaded);
    showMessage(formMessage, "Changes discarded.");
    showMessage(formError, "");
  });

  function onEvent(event) {
    if (event.type !== "SETTINGS_UPDATED" || !loaded) return;
    if (!Object.keys(changed(read())).length) {
      load();
      return;
    }
    const reload = h("button", { type: "button", class: "secondary", text: "Load their changes" });
    reload.addEventListener("click", () => load());
    replace(changedNotice, h("p", { text: "Someone else changed these settings while you were editing. Saving sends only the fields you changed." }), reload);
    changedNotice.hidden = false;
  }

  load();
  return { element, onEvent, refresh: () => (loaded && Object.keys(changed(read())).length ? null : load()) };
}

function isSnowflake(value) {
  if (!/^\d{1,20}$/.test(value)) return false;
  const number = BigInt(value);
  return number > 0n && number <= MAX_SNOWFLAKE;
}
