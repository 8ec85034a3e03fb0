// A small inline-SVG bar chart: attributed joins per partner, with the members who stayed drawn
// inside each bar. Labelled in text on every row, so it reads without colour; the same numbers are
// offered as a table for screen readers and for copying.

import { h } from "./dom.js";
import { count } from "./format.js";

const WIDTH = 400;
const ROW = 40;
const BAR = 14;
const TOP = 4;

/** rows: [{label, joins, retained}] sorted as they should appear. */
export function joinsChart(rows, titleText) {
  const max = Math.max(1, ...rows.map((row) => row.joins));
  const height = TOP + rows.length * ROW;
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const descId = `${titleId}-desc`;
  const hatchId = `${titleId}-hatch`;
  const svg = h(
    "svg",
    {
      class: "chart",
      viewBox: `0 0 ${WIDTH} ${height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      preserveAspectRatio: "xMinYMin meet",
    },
    h("title", { id: titleId, text: titleText }),
    h(
      "defs",
      {},
      h(
        "pattern",
        { id: hatchId, width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
        h("rect", { width: 6, height: 6, class: "chart-stayed-bg" }),
        h("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "chart-hatch" }),
      ),
    ),
    h(
      "desc",
      { id: descId },
      rows.map((row) => `${row.label}: ${row.joins} joined, ${row.retained} stayed. `).join(""),
    ),
    rows.map((row, index) => {
      const y = TOP + index * ROW;
      const joined = Math.max(row.joins ? 2 : 0, (row.joins / max) * WIDTH);
      const stayed = row.joins ? (row.retained / row.joins) * joined : 0;
      return h(
        "g",
        { class: "chart-row" },
        h("text", { x: 0, y: y + 12, class: "chart-label", text: clip(row.label, 34) }),
        h("text", {
          x: WIDTH,
          y: y + 12,
          class: "chart-value",
          "text-anchor": "end",
          text: `${count(row.joins)} joined · ${count(row.retained)} stayed`,
        }),
        h("rect", { x: 0, y: y + 18, width: WIDTH, height: BAR, class: "chart-track", rx: 2 }),
        h("rect", { x: 0, y: y + 18, width: joined, height: BAR, class: "chart-joined", rx: 2 }),
        h("rect", { x: 0, y: y + 18, width: stayed, height: BAR, class: "chart-stayed", fill: `url(#${hatchId})`, rx: 2 }),
      );
    }),
  );
  const legend = h(
    "p",
    { class: "chart-legend" },
    h("span", { class: "swatch joined", "aria-hidden": "true" }),
    " whole bar: members who joined through the partner's tracked invite   ",
    h("span", { class: "swatch stayed", "aria-hidden": "true" }),
    " hatched part: those still in the server",
  );
  const table = h(
    "details",
    { class: "chart-table" },
    h("summary", { text: "Show as a table" }),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Partner" }), h("th", { scope: "col", text: "Joined" }), h("th", { scope: "col", text: "Stayed" }))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h("tr", {}, h("th", { scope: "row", text: row.label }), h("td", { text: count(row.joins) }), h("td", { text: count(row.retained) })),
        ),
      ),
    ),
  );
  return h("figure", { class: "chart-figure" }, svg, legend, table);
}

function clip(text, max) {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}

const DAY_HEIGHT = 120;

/** series: [{day, joins, left, fake}] oldest first (joinSeries). One column per day: the joins,
 * with the ones that left drawn inside; every number is also in the description and the table. */
export function dailyChart(series, titleText) {
  const max = Math.max(1, ...series.map((d) => d.joins));
  const step = WIDTH / Math.max(1, series.length);
  const bar = Math.max(1, step - 2);
  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const descId = `${titleId}-desc`;
  const totals = series.reduce((t, d) => ({ joins: t.joins + d.joins, left: t.left + d.left, fake: t.fake + d.fake }), { joins: 0, left: 0, fake: 0 });
  const svg = h(
    "svg",
    { class: "daily-chart", viewBox: `0 0 ${WIDTH} ${DAY_HEIGHT + 16}`, width: "100%", role: "img", "aria-labelledby": `${titleId} ${descId}`, preserveAspectRatio: "xMinYMin meet" },
    h("title", { id: titleId, text: titleText }),
    h("desc", { id: descId, text: `${series.length} days: ${totals.joins} joined, ${totals.left} left, ${totals.fake} fake. ${series.filter((d) => d.joins).map((d) => `${d.day}: ${d.joins} joined, ${d.left} left, ${d.fake} fake.`).join(" ")}` }),
    h("line", { x1: 0, y1: DAY_HEIGHT, x2: WIDTH, y2: DAY_HEIGHT, class: "daily-axis" }),
    series.map((d, index) => {
      const height = (d.joins / max) * DAY_HEIGHT;
      const left = d.joins ? (Math.min(d.left, d.joins) / d.joins) * height : 0;
      const x = index * step;
      return h(
        "g",
        { class: "chart-day", dataset: { day: d.day, joins: String(d.joins) } },
        h("rect", { x, y: DAY_HEIGHT - height, width: bar, height, class: "chart-joined" }, h("title", { text: `${d.day}: ${d.joins} joined, ${d.left} left, ${d.fake} fake` })),
        left ? h("rect", { x, y: DAY_HEIGHT - left, width: bar, height: left, class: "chart-stayed-bg" }) : null,
      );
    }),
    h("text", { x: 0, y: DAY_HEIGHT + 14, class: "chart-label", text: series.length ? series[0].day : "" }),
    h("text", { x: WIDTH, y: DAY_HEIGHT + 14, class: "chart-label", "text-anchor": "end", text: series.length ? series[series.length - 1].day : "" }),
  );
  const summary = h("p", { class: "chart-legend", text: `${count(totals.joins)} joined · ${count(totals.left)} left · ${count(totals.fake)} fake (the darker foot of a column: members who left)` });
  const table = h(
    "details",
    { class: "chart-table" },
    h("summary", { text: "Show as a table" }),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ["Day", "Joined", "Left", "Fake"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, series.map((d) => h("tr", {}, h("th", { scope: "row", text: d.day }), h("td", { text: count(d.joins) }), h("td", { text: count(d.left) }), h("td", { text: count(d.fake) })))),
    ),
  );
  return h("figure", { class: "chart-figure" }, svg, summary, table);
}
