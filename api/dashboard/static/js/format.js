// Formatting of times, numbers and ids for people.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const number = new Intl.NumberFormat();

/** "3 h ago", "in 2 d", "just now" (English, like the rest of the page). */
export function ago(iso, now = Date.now()) {
  if (!iso) return "";
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return seconds <= 0 ? "just now" : "in a moment";
  let amount;
  if (abs < 3600) amount = `${Math.max(1, Math.round(abs / 60))} min`;
  else if (abs < 86400 * 2) amount = `${Math.floor(abs / 3600)} h`;
  else amount = `${Math.floor(abs / 86400)} d`;
  return seconds < 0 ? `${amount} ago` : `in ${amount}`;
}

export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : "";
}

export function count(n) {
  return n === null || n === undefined ? "unknown" : number.format(n);
}

export function plural(n, one, many = `${one}s`) {
  return `${count(n)} ${n === 1 ? one : many}`;
}

export const SOURCE_LABELS = {
  SLASH: "Slash command",
  PANEL: "Panel button",
  TICKET: "Ticket",
  DM: "Direct message",
  MANUAL: "Added by staff",
  MUTUAL: "Mutual partnership (the server partnered with you)",
};

export const STATUS_LABELS = {
  PENDING: "Pending",
  APPROVED: "Approved",
  DENIED: "Denied",
  WITHDRAWN: "Withdrawn",
  ACTIVE: "Active",
  ENDED: "Ended",
};

/** https://discord.gg/<code>, or null when the code has characters an invite code never has. */
export function inviteUrl(code) {
  return code && /^[A-Za-z0-9-]{1,64}$/.test(code) ? `https://discord.gg/${code}` : null;
}

/** Only https images (partner icons live on Discord's CDN); anything else is not shown. */
export function safeImageUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}
