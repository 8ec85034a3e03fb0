// The dashboard's shell: sign-in, the guild picker, the section tabs, limits and warnings, and the
// live connection that feeds the open section.

import { ApiClient, GraphQLFailure, GUILD_OVERVIEW, QUEUE_EVENTS, VIEWER } from "./api.js";
import { announce, h, replace } from "./dom.js";
import { ago, count, when } from "./format.js";
import { LiveConnection } from "./live.js";
import { Session } from "./session.js";
import { auditView } from "./views/audit.js";
import { blacklistView } from "./views/blacklist.js";
import { partnersView } from "./views/partners.js";
import { queueView } from "./views/queue.js";
import { settingsView } from "./views/settings.js";

const VIEWS = {
  queue: { title: "Queue", make: queueView },
  partners: { title: "Partners", make: partnersView },
  settings: { title: "Settings", make: settingsView },
  blacklist: { title: "Blacklist", make: blacklistView },
  audit: { title: "Audit log", make: auditView },
};
const GUILD_KEY = "partners-dashboard.guild";

const session = new Session();
const api = new ApiClient(session);
const live = new LiveConnection(session);

const $ = (id) => document.getElementById(id);

const state = {
  guildIds: [],
  guildId: null,
  viewName: null,
  view: null,
  unsubscribe: null,
  overviewTimer: null,
  limits: null,
  botPresent: null, // null until the overview has answered
  guildNames: {}, // guild id -> name as the bot last saw it (absent: never seen)
};

// A handle for the browser console and the end-to-end tests (they use it to bypass the page's own
// settings checks and to look at the live connection). It exposes nothing the page's scripts
// could not reach anyway.
window.partnersDashboard = { session, api, live, state, skipPageValidation: false };

// ---------------------------------------------------------------------------------------------
// Sign-in and sign-out

async function boot() {
  wireShell();
  const [signedIn, login] = await Promise.all([session.start(), loginOptions()]);
  applyLoginOptions(login);
  $("loading").hidden = true;
  if (signedIn) await enter();
  else showSignIn(null);
}

/** What this server offers for signing in (the dashboard's config.json). Unknown counts as
 * "Discord login on": the link then explains itself if it turns out not to be. */
async function loginOptions() {
  try {
    const response = await fetch("config.json", { headers: { Accept: "application/json" } });
    if (response.ok) return await response.json();
  } catch {
    /* unreachable now: keep the default */
  }
  return { discordLogin: true };
}

/** Without Discord login the token form is the way in: shown open, first, with the reason. */
function applyLoginOptions({ discordLogin }) {
  if (discordLogin) return;
  $("discord-sign-in").hidden = true;
  $("login-off").hidden = false;
  const details = $("token-login");
  details.open = true;
  details.classList.add("primary-path");
  $("token-summary").textContent = "Sign in with an API token";
  $("token-submit").className = "primary";
}

function wireShell() {
  $("sign-out").addEventListener("click", () => session.signOut());
  $("guild-picker").addEventListener("change", (event) => selectGuild(event.target.value));
  window.addEventListener("hashchange", () => route());
  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("token-input");
    const error = $("token-error");
    try {
      session.useToken(input.value.trim());
      input.value = "";
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      await enter();
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  });
  session.addEventListener("signedout", (event) => {
    live.stop();
    leaveGuild();
    showSignIn(event.detail && event.detail.reason);
  });
  // A new token: the websocket is redone with it (the server would close the old one at expiry).
  session.addEventListener("refreshed", () => live.renew());
  live.addEventListener("state", (event) => showLiveState(event.detail));
  live.addEventListener("resync", () => {
    // Events sent while the connection was down are lost: catch up by refetching.
    refreshOverview();
    if (state.view && state.view.refresh) state.view.refresh();
  });
  // The sign-in link comes back to this same address (server and section included).
  const link = $("sign-in");
  link.addEventListener("click", () => {
    sessionStorage.setItem("partners-dashboard.view", location.hash.slice(1));
  });
  const redirect = location.pathname + location.search;
  link.href = `/auth/discord/login?redirect=${encodeURIComponent(redirect)}`;
}

function showSignIn(reason) {
  $("app").hidden = true;
  $("account").hidden = true;
  $("signin").hidden = false;
  const message = $("signin-message");
  message.textContent = reason || "";
  message.hidden = !reason;
  document.title = "Sign in · Partnerships";
}

async function enter() {
  $("signin").hidden = true;
  $("account").hidden = false;
  showWho(null);
  let viewer;
  try {
    viewer = (await api.request(VIEWER)).viewer;
  } catch (failure) {
    if (!session.signedIn) return; // signed out meanwhile: the sign-in page is shown
    showSignIn(`Could not load your servers: ${failure.message}`);
    return;
  }
  state.guildIds = viewer.guildIds;
  showWho(viewer.name);
  const names = Object.fromEntries((viewer.guilds || []).map((g) => [g.id, g.name]));
  state.guildNames = names;
  const picker = $("guild-picker");
  // The name when the bot has seen the server; the id stays in the option's title (hover).
  replace(
    picker,
    viewer.guildIds.map((id) => h("option", { value: id, title: `server id ${id}`, text: names[id] || `Server ${id}` })),
  );
  $("app").hidden = false;
  if (!viewer.guildIds.length) {
    picker.disabled = true;
    replace(
      $("main"),
      h("h1", { text: "No servers" }),
      h("p", {
        text:
          "Your Discord account has no partnership permissions in a server that uses the bot. " +
          "Ask the server's owner for a manager or viewer role, then sign in again.",
      }),
    );
    return;
  }
  picker.disabled = false;
  const wanted = new URLSearchParams(location.search).get("guild") || sessionStorage.getItem(GUILD_KEY);
  const restored = sessionStorage.getItem("partners-dashboard.view");
  sessionStorage.removeItem("partners-dashboard.view");
  if (restored && VIEWS[restored] && !location.hash) history.replaceState(null, "", `#${restored}`);
  await selectGuild(viewer.guildIds.includes(wanted) ? wanted : viewer.guildIds[0]);
}

// ---------------------------------------------------------------------------------------------
// Guild, live subscription, overview

async function selectGuild(guildId) {
  leaveGuild();
  state.guildId = guildId;
  $("guild-picker").value = guildId;
  sessionStorage.setItem(GUILD_KEY, guildId);
  const url = new URL(location.href);
  url.searchParams.set("guild", guildId);
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
  state.unsubscribe = live.subscribe(
    QUEUE_EVENTS,
    { guildId },
    (data) => onQueueEvent(data.partnershipQueue),
    (errors) => showLiveProblem(errors),
  );
  // The overview first: whether the bot is in the server decides what the sections may promise.
  await refreshOverview();
  if (guildId === state.guildId) route(true);
}

function leaveGuild() {
  if (state.unsubscribe) state.unsubscribe();
  state.unsubscribe = null;
  state.botPresent = null;
  state.limits = null;
  replace($("presence"));
  if (state.view && state.view.dispose) state.view.dispose();
  state.view = null;
  state.viewName = null;
}

function onQueueEvent(event) {
  if (!event || event.guildId !== state.guildId) return;
  if (event.type === "APPLICATION_SUBMITTED" && event.application) {
    announce(`New application from ${event.application.partner.name}.`);
  }
  if (state.view && state.view.onEvent) state.view.onEvent(event);
  scheduleOverview();
}

/** The section, the server and, first (so it shows in a narrow tab), the pending count. */
function setTitle() {
  if (!state.viewName) return;
  const pending = state.limits ? `(${state.limits.pendingCount} pending) ` : "";
  document.title = `${pending}${VIEWS[state.viewName].title} · ${guildLabel(state.guildId)} · Partnerships`;
}

function scheduleOverview() {
  clearTimeout(state.overviewTimer);
  state.overviewTimer = setTimeout(refreshOverview, 250);
}

async function refreshOverview() {
  const guildId = state.guildId;
  if (!guildId) return;
  let guild;
  try {
    guild = (await api.request(GUILD_OVERVIEW, { guildId })).guild;
  } catch (failure) {
    if (guildId !== state.guildId) return;
    replace($("limits"), h("p", { class: "message error", role: "alert", text: explain(failure) }));
    return;
  }
  if (guildId !== state.guildId || !guild) return;
  const presenceChanged = state.botPresent !== null && state.botPresent !== guild.botPresent;
  state.botPresent = guild.botPresent;
  renderPresence(guild.botPresent);
  // Rare (the bot was added or removed while the page is open): redraw the section with what it
  // may now offer (Bump, "posted shortly").
  if (presenceChanged) route(true);
  state.limits = guild.limits;
  setTitle();
  renderLimits(guild.limits);
  renderWarnings(guild.warnings);
  if (state.view && state.view.onLimits) state.view.onLimits(guild.limits);
}

/** A warning above every section in the box `boxId` (a region named `label`, headed `title`), or an
 * empty box when `body` is null. */
function warningRegion(boxId, label, title, body) {
  const box = $(boxId);
  if (body === null) {
    replace(box);
    return;
  }
  replace(box, h("div", { class: "callout warning", role: "region", "aria-label": label }, h("h2", { text: title }), body));
}

/** Said once, at the top, for every section: without the bot nothing reaches Discord. */
function renderPresence(present) {
  const absent = "The bot is not in this server";
  const text =
    "Decisions made here are recorded, but nothing is posted, bumped or removed in Discord, and " +
    "no invites or roles are made, until the bot is added to the server.";
  warningRegion("presence", absent, absent, present ? null : h("p", { text }));
}

/** "98 / 100 active": each with a meter, and in words where a limit bites. */
function renderLimits(limits) {
  const rows = [
    {
      label: "Active partnerships",
      value: limits.activeCount,
      max: limits.activeMax,
      unit: "active",
      full: "approvals are refused until a partnership ends",
    },
    {
      label: "Pending applications",
      value: limits.pendingCount,
      max: limits.pendingMax,
      unit: "pending",
      full: "new applications are refused",
    },
    {
      label: "Blacklisted servers",
      value: limits.blacklistCount,
      max: limits.blacklistMax,
      unit: "blacklisted",
      full: "remove an entry before adding another",
    },
  ];
  replace(
    $("limits"),
    rows.map((row) => {
      const isFull = row.value >= row.max;
      const near = !isFull && row.value >= row.max * 0.9;
      const status = isFull ? row.full : near ? "nearly full" : "";
      return h(
        "div",
        { class: `limit ${isFull ? "is-full" : near ? "is-near" : ""}` },
        h("span", { class: "limit-label", text: row.label }),
        h(
          "span",
          { class: "limit-value" },
          `${count(row.value)} / ${count(row.max)} ${row.unit}`,
          status ? h("strong", { class: "limit-status", text: `: ${status}` }) : null,
        ),
        h("meter", {
          min: 0,
          max: row.max,
          value: row.value,
          low: row.max * 0.75,
          high: row.max * 0.9,
          optimum: 0,
          "aria-hidden": "true",
        }),
      );
    }),
  );
}

function renderWarnings(warnings) {
  const list = h(
    "ul",
    {},
    warnings.map((w) =>
      h(
        "li",
        {},
        h("strong", { text: "Warning: " }),
        w.message,
        " ",
        h("span", { class: "muted" }, "(", h("code", { text: w.code }), ", ", timeEl(w.at), ")"),
      ),
    ),
  );
  warningRegion("warnings", "Setup problems", `Setup problems (${warnings.length})`, warnings.length ? list : null);
}

// ---------------------------------------------------------------------------------------------
// Sections

function route(force = false) {
  if (!state.guildId) return;
  const hash = location.hash.slice(1);
  if (hash.includes("access_token")) return; // handled by the session at start
  // Other fragments (the skip link's #main) keep the current section.
  const name = VIEWS[hash] ? hash : state.viewName || "queue";
  if (!force && name === state.viewName) return;
  if (state.view && state.view.dispose) state.view.dispose();
  state.viewName = name;
  for (const link of document.querySelectorAll(".tabs a")) {
    if (link.dataset.view === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  setTitle();
  const ctx = {
    api,
    session,
    guildId: state.guildId,
    canEdit: session.canEdit(state.guildId),
    limits: () => state.limits,
    // false only when the API said so: an overview that failed to load hides nothing.
    botPresent: state.botPresent !== false,
    refreshOverview: scheduleOverview,
    explain,
    timeEl,
    guildName: () => (state.guildNames && state.guildNames[state.guildId]) || null,
  };
  state.view = VIEWS[name].make(ctx);
  replace($("main"), state.view.element);
  if (state.limits && state.view.onLimits) state.view.onLimits(state.limits);
  // Move focus to the new section when the user switched sections, not on first load.
  if (!force) $("main").focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with the views

/** "Signed in as Alice" (the user id on hover); the id alone for a token minted without the login. */
function showWho(name) {
  const who = $("who");
  who.textContent = name ? `Signed in as ${name}` : `Signed in as user ${session.userId}`;
  who.title = `user id ${session.userId}`;
}

function guildLabel(guildId) {
  return (state.guildNames && state.guildNames[guildId]) || `Server ${guildId}`;
}

function showLiveState({ state: liveState, retryAt }) {
  const box = $("live-status");
  box.dataset.state = liveState;
  const seconds = retryAt ? Math.max(1, Math.round((retryAt - Date.now()) / 1000)) : 0;
  box.textContent = {
    live: "Live updates: on",
    connecting: "Live updates: connecting…",
    waiting: `Live updates: reconnecting in ${seconds} s…`,
    offline: "Live updates: off",
  }[liveState];
}

function showLiveProblem(errors) {
  const box = $("live-status");
  box.dataset.state = "offline";
  box.textContent = `Live updates: off (${errors.map((e) => e.message).join(" ")})`;
}

/** A failure in words for people. */
function explain(failure) {
  if (failure instanceof GraphQLFailure) {
    if (failure.code === "FORBIDDEN") return "Not permitted: your roles do not allow this.";
    if (failure.code === "UNAUTHENTICATED") return "Your session has ended. Sign in again.";
    if (failure.code === "RATE_LIMITED") return `Too many changes at once. ${failure.message}`;
    return failure.message;
  }
  if (failure instanceof TypeError) return "The server could not be reached. Check your connection and try again.";
  return String(failure.message || failure);
}

/** <time> showing "3 h ago", the full date in its title. */
function timeEl(iso, prefix = "") {
  return h("time", { datetime: iso, title: when(iso), "data-relative": prefix, text: `${prefix}${ago(iso)}` });
}

// Keep "3 h ago" true while the page stays open.
setInterval(() => {
  for (const el of document.querySelectorAll("time[datetime][data-relative]")) {
    el.textContent = `${el.dataset.relative}${ago(el.getAttribute("datetime"))}`;
  }
}, 60000);

boot();
