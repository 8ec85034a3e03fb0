// Live updates over graphql-transport-ws, with the graphql-ws library's client (vendor/graphql-ws.js)
// doing the protocol: connection_init with the token, subscribe / next / error / complete, ping/pong,
// resubscribing after a reconnect. This module adds what the page needs around it:
//
// - Reconnection: any close the page did not ask for (network drop, server restart, a ping without a
//   pong) is followed by a new connection after a backoff (0.5 s, 1 s, 2 s, ... up to 30 s, with
//   jitter; at once when the browser comes back online).
// - The token: close 4401 (token expired; the API closes a subscription when its token does) and 4403
//   (token refused at connection_init) first refresh it, then reconnect at once. graphql-ws treats 4401
//   as final, so those closes are handled here: the client is replaced by a new one with the new token.
// - Resync: events are not replayed, so after every reconnect a "resync" event tells the page to
//   refetch what it shows, to catch up on what happened meanwhile.
//
// Events: "state" ({state: offline | connecting | live | waiting, retryAt}) and "resync".

import { createClient } from "./vendor/graphql-ws.js";

const PING_EVERY_MS = 20000;
const PONG_WITHIN_MS = 10000;
const ACK_WITHIN_MS = 10000;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30000;
const AUTH_CLOSES = new Set([4401, 4403]); // token expired / refused: refresh, then reconnect

export class LiveConnection extends EventTarget {
  #session;
  #url;
  #client = null; // the current graphql-ws client; replaced on a new token
  #generation = 0; // which client is current: callbacks of a replaced one are ignored
  #subs = new Map(); // id -> {query, variables, onNext, onError, cancel}
  #nextId = 1;
  #everConnected = false;
  #authAttempts = 0; // reconnects at once after a refresh, in a row
  #pongTimer = null;
  #wake = null; // ends the current backoff early (the browser is back online)
  #stopped = true;
  state = "offline"; // offline | connecting | live | waiting

  /** @param session  {token(): string|null, refresh(): Promise<boolean>} */
  constructor(session, url = defaultUrl()) {
    super();
    this.#session = session;
    this.#url = url;
    window.addEventListener("online", () => {
      if (!this.#stopped && this.state === "waiting" && this.#wake) this.#wake();
    });
  }

  /** Starts a subscription; returns a function that ends it. Survives reconnects. */
  subscribe(query, variables, onNext, onError = () => {}) {
    const id = String(this.#nextId++);
    const sub = { query, variables, onNext, onError, cancel: null };
    this.#subs.set(id, sub);
    if (this.#client) this.#open(id, sub);
    this.start();
    return () => {
      if (this.#subs.delete(id) && sub.cancel) sub.cancel(); // sends "complete" when connected
    };
  }

  /** Opens the connection (if not open) and keeps it open until stop(). */
  start() {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Closes for good (sign out). */
  stop() {
    this.#stopped = true;
    this.#subs.clear();
    this.#drop();
    if (this.#wake) this.#wake();
    this.#setState("offline");
  }

  /** New token: reconnect with it now (the old socket would be closed at the old token's expiry). */
  renew() {
    if (this.#stopped) return;
    this.#connect();
  }

  /** A new client (at most one at a time), with every subscription opened on it. */
  #connect() {
    this.#drop();
    if (this.#stopped || !this.#session.token()) return;
    const generation = this.#generation;
    // createClient starts connecting (and calls `on.connecting`) before it returns.
    const current = () => generation === this.#generation;
    const client = createClient({
      url: this.#url,
      lazy: false, // connected from start() to stop(), subscriptions or not
      connectionParams: () => ({ Authorization: `Bearer ${this.#session.token()}` }),
      keepAlive: PING_EVERY_MS,
      connectionAckWaitTimeout: ACK_WITHIN_MS,
      retryAttempts: Infinity,
      shouldRetry: () => !this.#stopped, // errors too (a refused connection), not only closes
      // A replaced client never tries again (its wait does not end); it is being disposed.
      retryWait: (retries) => (current() ? this.#backoff(retries) : new Promise(() => {})),
      onNonLazyError: () => {}, // the close that ended it is handled in on.closed
      on: {
        connecting: () => {
          if (current()) this.#setState("connecting");
        },
        connected: () => {
          if (!current()) return;
          const resumed = this.#everConnected;
          this.#everConnected = true;
          this.#authAttempts = 0;
          this.#setState("live");
          if (resumed) this.dispatchEvent(new CustomEvent("resync"));
        },
        ping: (received) => {
          if (received || !current()) return;
          // A connection that stopped answering (a half-open TCP connection) is dropped and redone.
          clearTimeout(this.#pongTimer);
          this.#pongTimer = setTimeout(() => client.terminate(), PONG_WITHIN_MS);
        },
        pong: (received) => {
          if (received) clearTimeout(this.#pongTimer);
        },
        closed: (event) => {
          if (!current()) return;
          clearTimeout(this.#pongTimer);
          if (event && AUTH_CLOSES.has(event.code)) this.#reauthenticate();
        },
      },
    });
    this.#client = client;
    for (const [id, sub] of this.#subs) this.#open(id, sub);
  }

  #open(id, sub) {
    const client = this.#client;
    sub.cancel = client.subscribe(
      { query: sub.query, variables: sub.variables },
      {
        next: (payload) => {
          if (client !== this.#client || this.#subs.get(id) !== sub) return;
          if (payload.errors && payload.errors.length) sub.onError(payload.errors);
          if (payload.data) sub.onNext(payload.data);
        },
        error: (error) => {
          // An "error" message from the API ends the subscription; a close is the connection's
          // business (retried by graphql-ws, or handled in on.closed).
          if (client !== this.#client || !Array.isArray(error)) return;
          if (this.#subs.get(id) === sub) this.#subs.delete(id);
          sub.onError(error);
        },
        complete: () => {
          if (client === this.#client && this.#subs.get(id) === sub) this.#subs.delete(id);
        },
      },
    );
  }

  /** The token expired or was refused: get a new one, then reconnect with it. */
  async #reauthenticate() {
    this.#drop(); // graphql-ws must not retry with the old token
    this.#setState("connecting");
    let ok = false;
    try {
      ok = await this.#session.refresh();
    } catch {
      ok = false;
    }
    // Signed out, or already reconnected by renew() (a successful refresh announces the new token).
    if (this.#stopped || this.#client) return;
    if (!ok && !this.#session.token()) return this.#setState("offline"); // signed out
    if (ok && this.#authAttempts++ < 3) return this.#connect();
    await this.#backoff(this.#authAttempts);
    if (!this.#stopped && !this.#client) this.#connect();
  }

  /** Waits 0.5 s, 1 s, 2 s ... up to 30 s (with jitter) before the next attempt; less when back online. */
  #backoff(attempt) {
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.retryAt = Date.now() + delay;
    this.#setState("waiting");
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = null;
        resolve();
      }
      this.#wake = done;
    });
  }

  #drop() {
    clearTimeout(this.#pongTimer);
    this.#generation += 1;
    const client = this.#client;
    this.#client = null;
    for (const sub of this.#subs.values()) sub.cancel = null;
    // Closes with 1000; a socket still connecting is closed once it opens. Errors: it is gone anyway.
    if (client) client.dispose().catch(() => {});
  }

  #setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, retryAt: this.retryAt } }));
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}
