// Live updates over graphql-transport-ws, written out by hand (the protocol is small):
//
//   client                                   server
//   open ws /graphql, subprotocol "graphql-transport-ws"
//   {type: "connection_init", payload: {Authorization: "Bearer <jwt>"}}
//                                            {type: "connection_ack"}     (or close 4403: bad token)
//   {id, type: "subscribe", payload: {query, variables}}
//                                            {id, type: "next", payload: {data, errors?}}  ...
//                                            {id, type: "error", payload: [GraphQLError]}  (ends it)
//                                            {id, type: "complete"}                         (ends it)
//   {id, type: "complete"}                   (the client stops a subscription)
//   {type: "ping"} <-> {type: "pong"}        (either side; the other answers)
//
// Reconnection: any close the page did not ask for (network drop, server restart, a ping without
// pong) is followed by a new connection after a backoff (0.5 s, 1 s, 2 s, ... up to 30 s, with
// jitter; at once when the browser comes back online). Close 4401 (token expired; the API closes a
// subscription when its token does) and 4403 (token refused at connection_init) first refresh the
// token. Events are not replayed, so after every reconnect `onResync` runs: the page refetches what it
// shows to catch up on what happened meanwhile.

const PROTOCOL = "graphql-transport-ws";
const PING_EVERY_MS = 20000;
const PONG_WITHIN_MS = 10000;
const ACK_WITHIN_MS = 10000;
const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30000;

export class LiveConnection extends EventTarget {
  #session;
  #url;
  #ws = null;
  #subs = new Map(); // id -> {query, variables, onNext, onError}
  #nextId = 1;
  #attempt = 0;
  #everConnected = false;
  #retryTimer = null;
  #pingTimer = null;
  #pongTimer = null;
  #ackTimer = null;
  #stopped = true;
  state = "offline"; // offline | connecting | live | waiting

  /** @param session  {token(): string|null, refresh(): Promise<boolean>} */
  constructor(session, url = defaultUrl()) {
    super();
    this.#session = session;
    this.#url = url;
    window.addEventListener("online", () => {
      if (!this.#stopped && this.state === "waiting") this.#connectNow();
    });
  }

  /** Starts a subscription; returns a function that ends it. Survives reconnects. */
  subscribe(query, variables, onNext, onError = () => {}) {
    const id = String(this.#nextId++);
    this.#subs.set(id, { query, variables, onNext, onError });
    if (this.state === "live") this.#sendSubscribe(id);
    this.start();
    return () => {
      if (this.#subs.delete(id) && this.state === "live") this.#send({ id, type: "complete" });
    };
  }

  /** Opens the connection (if not open) and keeps it open until stop(). */
  start() {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connectNow();
  }

  /** Closes for good (sign out). */
  stop() {
    this.#stopped = true;
    this.#subs.clear();
    clearTimeout(this.#retryTimer);
    this.#teardown(1000, "signed out");
    this.#setState("offline");
  }

  /** New token: reconnect with it now (the old socket would be closed at the old token's expiry). */
  renew() {
    if (this.#stopped) return;
    this.#teardown(1000, "new token");
    this.#connectNow();
  }

  #connectNow() {
    clearTimeout(this.#retryTimer);
    if (this.#stopped) return;
    this.#teardown(1000, "replaced"); // at most one socket at a time
    const token = this.#session.token();
    if (!token) return;
    this.#setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.#url, PROTOCOL);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.#ws) return;
      ws.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
      this.#ackTimer = setTimeout(() => this.#drop(ws, 4408, "no connection_ack"), ACK_WITHIN_MS);
    });
    ws.addEventListener("message", (event) => this.#onMessage(ws, event));
    ws.addEventListener("close", (event) => this.#onClose(ws, event));
    // "error" is always followed by "close": handled there.
  }

  #onMessage(ws, event) {
    if (ws !== this.#ws) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return this.#drop(ws, 4400, "not JSON");
    }
    switch (message.type) {
      case "connection_ack": {
        clearTimeout(this.#ackTimer);
        const resumed = this.#everConnected;
        this.#everConnected = true;
        this.#attempt = 0;
        this.#setState("live");
        for (const id of this.#subs.keys()) this.#sendSubscribe(id);
        this.#startPings(ws);
        if (resumed) this.dispatchEvent(new CustomEvent("resync"));
        break;
      }
      case "next": {
        const sub = this.#subs.get(message.id);
        if (!sub) break;
        const payload = message.payload || {};
        if (payload.errors && payload.errors.length) sub.onError(payload.errors);
        if (payload.data) sub.onNext(payload.data);
        break;
      }
      case "error": {
        const sub = this.#subs.get(message.id);
        this.#subs.delete(message.id);
        if (sub) sub.onError(Array.isArray(message.payload) ? message.payload : [message.payload]);
        break;
      }
      case "complete":
        this.#subs.delete(message.id);
        break;
      case "ping":
        this.#send({ type: "pong" });
        break;
      case "pong":
        clearTimeout(this.#pongTimer);
        break;
      default:
        break;
    }
  }

  async #onClose(ws, event) {
    if (ws !== this.#ws) return; // an old socket we replaced
    this.#ws = null;
    this.#stopTimers();
    if (this.#stopped) return;
    if (event.code === 4401 || event.code === 4403) {
      // The token expired or was refused: get a new one, then reconnect at once.
      this.#setState("connecting");
      let ok = false;
      try {
        ok = await this.#session.refresh();
      } catch {
        ok = false;
      }
      if (this.#stopped || this.#ws) return; // signed out, or already reconnected by renew()
      if (!ok) {
        if (!this.#session.token()) return this.#setState("offline"); // signed out
        return this.#scheduleReconnect();
      }
      if (this.#attempt++ < 3) return this.#connectNow();
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (this.#stopped) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** this.#attempt);
    const delay = Math.round(base * (0.5 + Math.random() * 0.5));
    this.#attempt += 1;
    this.retryAt = Date.now() + delay;
    this.#setState("waiting");
    this.#retryTimer = setTimeout(() => this.#connectNow(), delay);
  }

  #sendSubscribe(id) {
    const sub = this.#subs.get(id);
    if (sub) this.#send({ id, type: "subscribe", payload: { query: sub.query, variables: sub.variables } });
  }

  #startPings(ws) {
    this.#pingTimer = setInterval(() => {
      if (ws !== this.#ws) return;
      this.#send({ type: "ping" });
      clearTimeout(this.#pongTimer);
      // A connection that stopped answering (a half-open TCP connection) is dropped and redone.
      this.#pongTimer = setTimeout(() => this.#drop(ws, 4000, "no pong"), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  #drop(ws, code, reason) {
    if (ws !== this.#ws) return;
    this.#ws = null;
    this.#stopTimers();
    try {
      ws.close(code, reason);
    } catch {
      /* already closed */
    }
    this.#scheduleReconnect();
  }

  #teardown(code, reason) {
    const ws = this.#ws;
    this.#ws = null;
    this.#stopTimers();
    if (ws) {
      try {
        ws.close(code, reason);
      } catch {
        /* already closed */
      }
    }
  }

  #stopTimers() {
    clearTimeout(this.#ackTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }

  #send(message) {
    if (this.#ws && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(message));
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
