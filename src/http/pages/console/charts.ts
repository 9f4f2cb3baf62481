// Charts drawn on the server as inline SVG (the dashboard): no script, and no style attribute
// (the CSP's style-src 'self' forbids them) — positions are presentation attributes, colours
// come from classes in signoff.css. Horizontal positions are percentages of the chart's width
// and heights are pixels, so a chart fills its card at any width with its text unscaled. Each
// chart is an image with a <title> and a <desc> saying what it shows in words; every bar has
// its own <title> (a tooltip on hover), and the dashboard adds a table of the same numbers.
import { html, type Markup } from '../html.ts';

/** A percentage for an SVG attribute: short, and never a negative zero. */
const pct = (fraction: number) => `${Math.max(0, Math.round(fraction * 100_000) / 1000)}%`;

/** The smallest of 1, 2, 5, 10, 20, 50… at or above `n` (at least 1): the scale's top. */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

function svg(id: string, title: string, desc: string, height: number, body: Markup[]) {
  return html`<svg class="chart-svg" role="img" width="100%" height="${height}" aria-labelledby="${id}-title ${id}-desc" focusable="false">
  <title id="${id}-title">${title}</title>
  <desc id="${id}-desc">${desc}</desc>
  ${body}
</svg>`;
}

export interface BarRow {
  label: string;
  value: number;
  /** The bar's tooltip: what it counts, in words. */
  title: string;
  /** The bar's colour class (see .chart-svg in signoff.css). */
  className: string;
}

export interface BarGroup {
  /** A heading over the group's bars, or null for none. */
  heading: string | null;
  rows: BarRow[];
}

const ROW = 40;
const HEADING = 26;
/** The longest bar: room is left at its end for the value. */
const LONGEST = 0.86;

/** Horizontal bars, each with its label above it and its value at its end, scaled to the largest. */
export function barChart(input: { id: string; title: string; desc: string; groups: BarGroup[] }) {
  const max = Math.max(1, ...input.groups.flatMap((g) => g.rows.map((r) => r.value)));
  const body: Markup[] = [];
  let y = 0;
  for (const group of input.groups) {
    if (group.heading) {
      body.push(html`<text class="chart-heading" x="0" y="${y + 17}">${group.heading}</text>`);
      y += HEADING;
    }
    for (const row of group.rows) {
      const width = (row.value / max) * LONGEST;
      body.push(html`<g>
    <text class="chart-label" x="0" y="${y + 13}">${row.label}</text>
    <rect class="chart-track" x="0" y="${y + 19}" width="${pct(LONGEST)}" height="14" rx="3"/>
    ${row.value > 0 ? html`<rect class="bar ${row.className}" x="0" y="${y + 19}" width="${pct(width)}" height="14" rx="3"><title>${row.title}</title></rect>` : null}
    <text class="chart-value" x="${pct(width)}" dx="6" y="${y + 31}">${row.value.toLocaleString('en-GB')}</text>
  </g>`);
      y += ROW;
    }
  }
  return svg(input.id, input.title, input.desc, Math.max(y, 1), body);
}

export interface Segment {
  value: number;
  className: string;
  title: string;
}

export interface ColumnChartInput {
  id: string;
  title: string;
  desc: string;
  /** One column per slot (an hour), its segments stacked from the bottom. */
  columns: Segment[][];
  /** Labels under some columns (a day's first hour), by column index. */
  ticks: { index: number; text: string }[];
  /** What the scale counts: "sessions an hour". */
  unit: string;
}

const TOP = 20;
const PLOT = 150;
const BASE = TOP + PLOT;

/** Stacked columns over time, with the scale's top and middle marked and labelled ticks below. */
export function columnChart(input: ColumnChartInput) {
  const n = Math.max(1, input.columns.length);
  const total = (c: Segment[]) => c.reduce((sum, s) => sum + s.value, 0);
  const top = niceCeiling(Math.max(...input.columns.map(total), 0));
  const slot = 1 / n;
  const body: Markup[] = [
    html`<text class="chart-axis" x="0" y="12">${top.toLocaleString('en-GB')} ${input.unit}</text>`,
    html`<line class="chart-grid" x1="0" x2="100%" y1="${TOP}" y2="${TOP}"/>`,
    html`<line class="chart-grid" x1="0" x2="100%" y1="${TOP + PLOT / 2}" y2="${TOP + PLOT / 2}"/>`,
  ];
  input.columns.forEach((segments, i) => {
    let y = BASE;
    for (const s of segments) {
      if (s.value <= 0) continue;
      const h = Math.max(1, (s.value / top) * PLOT);
      y -= h;
      body.push(
        html`<rect class="bar ${s.className}" x="${pct(i * slot + slot * 0.12)}" y="${Math.round(y * 10) / 10}" width="${pct(slot * 0.76)}" height="${Math.round(h * 10) / 10}"><title>${s.title}</title></rect>`,
      );
    }
  });
  body.push(html`<line class="chart-baseline" x1="0" x2="100%" y1="${BASE}" y2="${BASE}"/>`);
  for (const t of input.ticks) {
    // A label near the right edge ends at its tick instead of running out of the chart.
    const end = t.index * slot > 0.88;
    body.push(
      html`<line class="chart-tick" x1="${pct(t.index * slot)}" x2="${pct(t.index * slot)}" y1="${BASE}" y2="${BASE + 6}"/>`,
      html`<text class="chart-axis" x="${pct(t.index * slot)}" dx="${end ? -3 : 3}" y="${BASE + 19}"${end ? html` text-anchor="end"` : null}>${t.text}</text>`,
    );
  }
  return svg(input.id, input.title, input.desc, BASE + 24, body);
}
