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
