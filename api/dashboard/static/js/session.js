// The signed-in session: the short-lived access token and how it is renewed.
//
// - Sign in: a plain link to /auth/discord/login?redirect=/dashboard/. After Discord, the API sends the
//   browser back to /dashboard/#access_token=...&token_type=Bearer&expires_in=... A URL fragment never
//   reaches any server, so the token stays out of logs and Referer headers; start() reads it and removes
//   it from the address bar at once (history.replaceState).
// - The access token lives in this object only (memory). It is never written to storage: a reload
//   gets a new one from POST /auth/refresh, which sends the HttpOnly refresh cookie (Path=/auth) that no
//   script can read.
// - Renewal: shortly before expiry (a timer), and whenever the API answers UNAUTHENTICATED. Each refresh
//   token works once and the server revokes the whole session if a used one is presented again, so
//   refreshes are single-flight within the page and serialised across tabs with the Web Locks API.
// - Sign out: POST /auth/logout revokes every token of the login and clears the cookie.

const REFRESH_LOCK = "partners-dashboard-refresh";
// Not a secret: only whether this browser signed in here, so a first visit does not ask /auth/refresh
// for a cookie it cannot have. (The cookie itself is HttpOnly: scripts cannot see whether it exists.)
const HINT_KEY = "partners-dashboard.signed-in";
const RETRY_SECONDS = 15;

export class Session extends EventTarget {
  #token = null;
  #expiresAt = 0; // ms since epoch
  #claims = null;
  #timer = null;
  #inflight = null;

  token() {
    return this.#token;
  }

  get signedIn() {
    return this.#token !== null;
  }

  get userId() {
    return this.#claims ? String(this.#claims.sub) : null;
  }

  get expiresAt() {
    return this.#expiresAt;
  }

  /**
   * Per-guild permissions from the token's documented `perms` claim, used only to decide which
   * buttons to show; the API checks every call itself.
   */
  canEdit(guildId) {
    const perms = (this.#claims && this.#claims.perms && this.#claims.perms[guildId]) || [];
    return perms.includes("partnerships.edit");
  }

  /** Reads a token from the URL fragment, or else tries the refresh cookie. Resolves to signedIn. */
  async start() {
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (fragment.has("access_token")) {
      const token = fragment.get("access_token");
      const seconds = Number(fragment.get("expires_in")) || 900;
      // Out of the address bar (and of history) before anything else can read or share it.
      history.replaceState(history.state, "", location.pathname + location.search);
      this.#set(token, seconds);
      return true;
    }
    if (!localStorage.getItem(HINT_KEY)) return false;
    try {
      return await this.refresh();
    } catch {
      return false; // login server down: the sign-in page says so if the user tries
    }
  }

  /** A token pasted by a developer (e.g. the demo token `python -m api` prints). */
  useToken(token) {
    const claims = decodeClaims(token);
    if (!claims || !claims.exp) throw new Error("That is not a dashboard token.");
    const seconds = claims.exp - Date.now() / 1000;
    if (seconds <= 0) throw new Error("That token has expired.");
    this.#set(token, seconds, { pasted: true });
  }

  /**
   * Gets a new access token with the refresh cookie. Resolves true when signed in afterwards, false
   * when the session is over (401: signed out). Rejects when the login server cannot answer now
   * (e.g. 502 while Discord is unreachable); the refresh token then stays valid and a retry is set.
   */
  refresh() {
    if (this.#claims && this.#claims.pasted) {
      return Promise.resolve(this.#endLocally("The pasted token expired."));
    }
    this.#inflight ||= this.#lockedRefresh().finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async signOut() {
    this.#clear();
    localStorage.removeItem(HINT_KEY);
    try {
      await fetch("/auth/logout", { method: "POST", credentials: "same-origin" });
    } finally {
      this.dispatchEvent(new CustomEvent("signedout", { detail: { reason: "You signed out." } }));
    }
  }

  async #lockedRefresh() {
    const run = () => this.#refreshNow();
    if (navigator.locks && navigator.locks.request) {
      return navigator.locks.request(REFRESH_LOCK, run);
    }
    return run();
  }

  async #refreshNow() {
    let response;
    try {
      response = await fetch("/auth/refresh", {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      this.#retryLater();
      throw error;
    }
    if (response.ok) {
      const body = await response.json();
      this.#set(body.access_token, body.expires_in);
      return true;
    }
    if (response.status === 401 || response.status === 400) {
      localStorage.removeItem(HINT_KEY);
      return this.#endLocally(this.#token ? "Your session has ended. Sign in again." : null);
    }
    // 502 (Discord unreachable), 503 (login not configured), ...: keep what we have, try again later.
    this.#retryLater();
    let message = `The login server answered ${response.status}.`;
    try {
      message = (await response.json()).message || message;
    } catch {
      /* not JSON */
    }
    throw new Error(message);
  }

  #set(token, seconds, extra = {}) {
    const hadToken = this.#token !== null;
    if (!extra.pasted) localStorage.setItem(HINT_KEY, "1");
    this.#token = token;
    this.#claims = { ...(decodeClaims(token) || {}), ...extra };
    this.#expiresAt = Date.now() + seconds * 1000;
    // Renew a minute early (or at 80% of a short lifetime), so calls never carry a dead token.
    const lead = Math.min(60, seconds * 0.2);
    this.#schedule(Math.max(1, seconds - lead));
    this.dispatchEvent(new CustomEvent(hadToken ? "refreshed" : "signedin"));
  }

  #schedule(seconds) {
    clearTimeout(this.#timer);
    if (this.#claims && this.#claims.pasted) return;
    this.#timer = setTimeout(() => this.refresh().catch(() => {}), seconds * 1000);
  }

  #retryLater() {
    if (this.#token) this.#schedule(RETRY_SECONDS);
  }

  #endLocally(reason) {
    const had = this.#token !== null;
    this.#clear();
    if (had) this.dispatchEvent(new CustomEvent("signedout", { detail: { reason } }));
    return false;
  }

  #clear() {
    clearTimeout(this.#timer);
    this.#token = null;
    this.#claims = null;
    this.#expiresAt = 0;
  }
}

/** The JWT's payload (not verified here: only the server's checks count). */
export function decodeClaims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="));
    return JSON.parse(json);
  } catch {
    return null;
  }
}
