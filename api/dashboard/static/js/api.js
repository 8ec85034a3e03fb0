// Every GraphQL document the dashboard sends, and the small client that sends them.
//
// This module doubles as the reference for other dashboard authors: the API (schema.graphql at the
// repository root) is the only thing the page talks to, besides the login endpoints under /auth.
//
// Conventions of the API that shape these documents:
// - Snowflakes (Discord ids) are decimal STRINGS both ways: never parse them as JS numbers (they
//   exceed 2^53 and would be silently rounded).
// - Business-rule failures are data: every mutation payload has `userErrors { code message field }`,
//   where `field` is the input path, e.g. ["input", "maxActive"]. Show them next to that field.
// - Authentication and permission failures are GraphQL errors with `extensions.code`
//   UNAUTHENTICATED (refresh the token and retry once) or FORBIDDEN (say "not permitted").
// - Lists are cursor connections: pass `pageInfo.endCursor` as `after` while `hasNextPage`.
//   `first` is at most 100.
// - The server limits depth (12), aliases (30) and tokens (5000) per document: keep each one small,
//   one document per view rather than one giant query.

// ---------------------------------------------------------------------------------------------
// Fragments: the fields each view shows, kept in one place so live events and queries agree.
// A document lists each fragment it uses once (GraphQL refuses a fragment defined twice).

const PARTNER_SERVER = `
fragment PartnerServerFields on PartnerServer {
  id
  name
  iconUrl
  memberCount   # approximate, from the partner's invite; may be null
  inviteCode    # the partner server's own invite (what the applicant submitted)
}`;

const APPLICATION = `
fragment ApplicationFields on Application {
  id
  status
  source
  representativeId
  representativeName        # display name as the bot saw it; null when unknown (show the id then)
  representativeAvatarUrl
  advertisement   # user-written text: render with textContent, never as HTML
  submittedAt
  decidedAt
  decidedBy       # null when the decision was automatic (e.g. a blacklisted server re-applied)
  decidedByName   # the decider's display name when known (they signed in to the dashboard)
  reason
  partner { ...PartnerServerFields }
}`;

const PARTNERSHIP = `
fragment PartnershipFields on Partnership {
  id
  status
  representativeId
  representativeName
  advertisement
  startedAt
  endedAt
  endReason
  lastBumpedAt
  nextBumpAt          # when the partner may bump next
  trackedInviteCode   # invite to THIS server made for the partner; joins through it are attributed
  reciprocity         # YES / NO: does the partner (running this bot too) showcase us; UNKNOWN otherwise
  health { status problems { issue message since graceEndsAt } lastCheckedAt nextCheckAt }   # the recurring check's findings
  showcase { channelId messageId threadId postedAt }   # null until the bot has posted the ad
  showcaseError       # why the last showcase post failed, in plain words
  problems { action code message at }
  proposedAdvertisement { id advertisement submittedAt }   # the representative's new ad, waiting for review
  joinCount
  retainedCount
  partner { ...PartnerServerFields }
}`;

const USER_ERRORS = `userErrors { code message field }`;

/** A mutation of one partnership, answering it (PartnershipFields) or the userErrors:
 * partnershipMutation("Bump($id: ID!)", "bumpPartnership(id: $id)"). */
const partnershipMutation = (signature, call) => `
mutation ${signature} {
  ${call} { partnership { ...PartnershipFields } ${USER_ERRORS} }
}
${PARTNERSHIP}
${PARTNER_SERVER}`;

// ---------------------------------------------------------------------------------------------
// Queries

/** Who is signed in (name and avatar from the Discord login; null for a token minted otherwise) and
 * which guilds they may view, with their names (null until the bot has seen the server). */
export const VIEWER = `query Viewer { viewer { userId guildIds name avatarUrl guilds { id name iconUrl } } }`;

/** The server's channels and roles as the bot last saw them, for the settings pickers (empty lists
 * when the bot has not reported the server yet: fall back to typing ids). */
export const GUILD_DIRECTORY = `
query GuildDirectory($guildId: Snowflake!) {
  guild(id: $guildId) {
    id
    name
    channels { id name type parentId position }   # type: TEXT | ANNOUNCEMENT | CATEGORY | FORUM | OTHER
    roles { id name color position managed }      # highest first; managed roles cannot be granted
  }
}`;

/** The numbers shown wherever a limit bites, setup problems staff should fix, and whether the bot
 * is in the server at all (false: nothing gets posted, so the page promises nothing of the kind). */
export const GUILD_OVERVIEW = `
query GuildOverview($guildId: Snowflake!) {
  guild(id: $guildId) {
    id
    botPresent
    limits { activeCount activeMax pendingCount pendingMax blacklistCount blacklistMax }
    warnings { code message at }
  }
}`;

/** The review queue: pending applications, oldest first by default, one page at a time ("load more").
 * search: a partner server's id, or part of its name (case-insensitive); null for all. */
export const QUEUE = `
query Queue($guildId: Snowflake!, $first: Int!, $after: String, $order: SortOrder = OLDEST_FIRST, $search: String) {
  guild(id: $guildId) {
    id
    applications(status: PENDING, order: $order, first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...ApplicationFields } }
    }
  }
}
${APPLICATION}
${PARTNER_SERVER}`;

/** Partnerships of one status (ACTIVE, AWAITING_PARTNER or ENDED). Ended ones are listed newest first. */
export const PARTNERSHIPS = `
query Partnerships($guildId: Snowflake!, $status: PartnershipStatus!, $order: SortOrder!, $first: Int!, $after: String, $search: String) {
  guild(id: $guildId) {
    id
    partnerships(status: $status, order: $order, first: $first, after: $after, search: $search) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...PartnershipFields } }
    }
  }
}
${PARTNERSHIP}
${PARTNER_SERVER}`;

/** Attributed joins per partnership for members who joined in [since, until); null = unbounded. */
export const JOIN_STATS = `
query JoinStats($guildId: Snowflake!, $since: DateTime) {
  guild(id: $guildId) {
    id
    joinStats(since: $since) {
      joins
      retained
      partnership { id status partner { id name } }
    }
  }
}`;

/** Every setting; the settings form shows them all. */
export const SETTINGS_FIELDS = `
applicationMode
channelMode
showcaseChannelId
showcaseCategoryId
showcaseForumId
reviewChannelId
reviewPingRoleId
ticketChannelId
managerRoleIds
viewerRoleIds
partnerContactRoleId
minPartnerMemberCount
applicationCooldownHours
maxActive
bumpIntervalDays
trackJoins
advertisement
approvalFlow
reviewStyle
confirmHours
logChannelId
healthChecks
healthGraceHours
autoEndUnhealthy
staleQueueHours
mutualPartnerships
fakeJoinSeconds
minAccountAgeDays`;

export const SETTINGS = `
query Settings($guildId: Snowflake!) {
  guild(id: $guildId) { id settings { ${SETTINGS_FIELDS} } }
}`;

/** Blacklisted partner servers, newest first. */
export const BLACKLIST = `
query Blacklist($guildId: Snowflake!, $first: Int!, $after: String) {
  guild(id: $guildId) {
    id
    blacklist(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { partnerGuildId reason addedBy addedByName addedAt } }
    }
  }
}`;

/** The audit log needs partnerships.edit: viewers get a FORBIDDEN error for this field. */
export const AUDIT_LOG = `
query AuditLog($guildId: Snowflake!, $first: Int!, $after: String) {
  guild(id: $guildId) {
    id
    auditLog(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { at actorId actorName action targetId partnerServer { id name } before after reason } }
    }
  }
}`;

// ---------------------------------------------------------------------------------------------
// Mutations (all need partnerships.edit). Each returns userErrors instead of failing.

export const APPROVE = `
mutation Approve($id: ID!) {
  approveApplication(id: $id) {
    application { ...ApplicationFields }
    partnership { id status }
    ${USER_ERRORS}
  }
}
${APPLICATION}
${PARTNER_SERVER}`;

/** blacklist: true also blacklists the partner server, so its re-applications are denied automatically. */
export const DENY = `
mutation Deny($id: ID!, $reason: String, $blacklist: Boolean!) {
  denyApplication(id: $id, reason: $reason, blacklist: $blacklist) {
    application { ...ApplicationFields }
    ${USER_ERRORS}
  }
}
${APPLICATION}
${PARTNER_SERVER}`;

/** Up to 100 pending applications decided at once (one mutation for the rate limit). results: one per
 * id, in order, each as approveApplication / denyApplication would answer; userErrors: the call was
 * refused whole (more than 100 ids) and nothing was decided. */
export const DECIDE_MANY = `
mutation DecideMany($ids: [ID!]!, $decision: Decision!, $reason: String, $blacklist: Boolean!) {
  decideApplications(ids: $ids, decision: $decision, reason: $reason, blacklist: $blacklist) {
    results { application { ...ApplicationFields } partnership { id status } ${USER_ERRORS} }
    ${USER_ERRORS}
  }
}
${APPLICATION}
${PARTNER_SERVER}`;

/** Only the fields given change; an ACTIVE partner's showcase post is edited in place. */
export const UPDATE_PARTNERSHIP = partnershipMutation(
  "UpdatePartnership($id: ID!, $input: UpdatePartnershipInput!)",
  "updatePartnership(id: $id, input: $input)",
);

/** Attributed joins per UTC day, oldest first (zeros included): the server's, or one partner's. */
export const GUILD_JOIN_SERIES = `
query GuildJoinSeries($guildId: Snowflake!, $days: Int!) {
  guild(id: $guildId) { id joinSeries(days: $days) { day joins left fake } }
}`;

export const PARTNER_JOIN_SERIES = `
query PartnerJoinSeries($id: ID!, $days: Int!) {
  node(id: $id) { id ... on Partnership { joinSeries(days: $days) { day joins left fake } } }
}`;

/** BUMP_TOO_SOON before nextBumpAt. */
export const BUMP = partnershipMutation("Bump($id: ID!)", "bumpPartnership(id: $id)");

/** The representative's proposedAdvertisement: approved, it replaces the ad and the showcase post is
 * edited in place; denied, the representative is told the reason by DM. */
export const APPROVE_AD = partnershipMutation("ApproveAd($id: ID!)", "approveProposedAdvertisement(id: $id)");

export const DENY_AD = partnershipMutation(
  "DenyAd($id: ID!, $reason: String)",
  "denyProposedAdvertisement(id: $id, reason: $reason)",
);

export const END = partnershipMutation(
  "End($id: ID!, $reason: String)",
  "endPartnership(id: $id, reason: $reason)",
);

/** CONFIRM flow: ask the representative again (e.g. after they opened their DMs). */
export const RESEND_CONFIRMATION = partnershipMutation(
  "ResendConfirmation($id: ID!)",
  "resendConfirmation(id: $id)",
);

/** Manual mode: staff add a partner directly (same caps and blacklist apply). */
export const CREATE_PARTNERSHIP = partnershipMutation(
  "CreatePartnership($input: CreatePartnershipInput!)",
  "createPartnership(input: $input)",
);

/** `input` holds only the settings that changed; null clears an optional id. */
export const UPDATE_SETTINGS = `
mutation UpdateSettings($guildId: Snowflake!, $input: PartnershipSettingsInput!) {
  updatePartnershipSettings(guildId: $guildId, input: $input) {
    settings { ${SETTINGS_FIELDS} }
    ${USER_ERRORS}
  }
}`;

export const BLACKLIST_ADD = `
mutation BlacklistServer($guildId: Snowflake!, $partnerGuildId: Snowflake!, $reason: String) {
  blacklistServer(guildId: $guildId, partnerGuildId: $partnerGuildId, reason: $reason) {
    entry { partnerGuildId reason addedBy addedAt }
    ${USER_ERRORS}
  }
}`;

export const BLACKLIST_REMOVE = `
mutation UnblacklistServer($guildId: Snowflake!, $partnerGuildId: Snowflake!) {
  unblacklistServer(guildId: $guildId, partnerGuildId: $partnerGuildId) {
    entry { partnerGuildId }
    ${USER_ERRORS}
  }
}`;

// ---------------------------------------------------------------------------------------------
// Subscription (graphql-transport-ws, see live.js): every change to the guild's queue and
// partnerships, in order. A client that was disconnected must refetch: events are not replayed.

export const QUEUE_EVENTS = `
subscription QueueEvents($guildId: Snowflake!) {
  partnershipQueue(guildId: $guildId) {
    type      # APPLICATION_SUBMITTED | _APPROVED | _DENIED | _WITHDRAWN | PARTNERSHIP_CREATED | _BUMPED | _ENDED | _UPDATED | _CONFIRMED | SHOWCASE_POSTED | SETTINGS_UPDATED
    guildId
    at
    application { ...ApplicationFields }
    partnership { ...PartnershipFields }
  }
}
${APPLICATION}
${PARTNERSHIP}
${PARTNER_SERVER}`;

// ---------------------------------------------------------------------------------------------
// The client

/** A GraphQL error the page can act on: `code` is extensions.code (UNAUTHENTICATED, FORBIDDEN, ...). */
export class GraphQLFailure extends Error {
  constructor(message, code, errors = []) {
    super(message);
    this.name = "GraphQLFailure";
    this.code = code;
    this.errors = errors;
  }
}

/**
 * POSTs documents to /graphql with the session's bearer token. On UNAUTHENTICATED it asks the
 * session for a fresh token (POST /auth/refresh) and retries once.
 */
export class ApiClient {
  /** @param {{token: () => string|null, refresh: () => Promise<boolean>}} session */
  constructor(session, endpoint = "/graphql") {
    this.session = session;
    this.endpoint = endpoint;
  }

  /** Resolves to `data`; rejects with GraphQLFailure (errors) or TypeError (network). */
  async request(document, variables = {}) {
    let body = await this.#send(document, variables);
    if (codeOf(body) === "UNAUTHENTICATED" && (await this.session.refresh())) {
      body = await this.#send(document, variables);
    }
    if (body.errors && body.errors.length) {
      const code = codeOf(body) || "ERROR";
      throw new GraphQLFailure(body.errors.map((e) => e.message).join(" "), code, body.errors);
    }
    return body.data;
  }

  async #send(document, variables) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    const token = this.session.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers,
      credentials: "same-origin",
      body: JSON.stringify({ query: document, variables }),
    });
    let body;
    try {
      body = await response.json();
    } catch {
      throw new GraphQLFailure(`The API answered ${response.status} without JSON.`, `HTTP_${response.status}`);
    }
    return body;
  }
}

function codeOf(body) {
  const first = body && body.errors && body.errors[0];
  return (first && first.extensions && first.extensions.code) || null;
}

/** userErrors -> {fieldName: [messages]} plus `_form` for errors without a field. */
export function errorsByField(userErrors) {
  const out = {};
  for (const error of userErrors || []) {
    // ["input", "managerRoleIds", "3"] -> "managerRoleIds"; ["id"] -> "id"
    const path = (error.field || []).filter((part) => part !== "input" && !/^\d+$/.test(part));
    const key = path[0] || "_form";
    (out[key] ||= []).push(error.message);
  }
  return out;
}
