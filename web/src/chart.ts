/**
 * A grouped horizontal bar chart, laid out once as plain shapes and drawn three ways: as SVG on the page, as an SVG
 * file and on a canvas for a PNG file (no library; the page loads nothing from elsewhere). Each category's title
 * stands on its own line above its bars, so the chart reads at a phone's width too.
 */
import { formatNumber } from './words';

export interface BarChartInput {
  title: string;
  subtitle?: string;
  /** One bar per series in every category, labelled with the series name. */
  series: string[];
  categories: { label: string; values: number[] }[];
}

export type Shape =
  | { kind: 'rect'; x: number; y: number; width: number; height: number; fill: string }
  | { kind: 'text'; x: number; y: number; text: string; size: number; anchor: 'start' | 'end'; bold?: boolean; fill: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string };

export interface ChartLayout {
  width: number;
  height: number;
  shapes: Shape[];
}

/** Okabe–Ito: told apart also with the common colour-vision deficiencies. */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#7F7F7F', '#000000'];
const INK = '#1d2733';
const MUTED = '#5a6675';
export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

const PAD = 12;
const BAR = 16;
const BAR_GAP = 4;
const GROUP_GAP = 14;
const LABEL_SIZE = 13;
const SMALL = 12;
/** Average advance of a character, as a share of the font size (for wrapping and label widths without measuring). */
const CHAR = 0.56;

function wrap(text: string, size: number, width: number): string[] {
  const perLine = Math.max(8, Math.floor(width / (size * CHAR)));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && (line + ' ' + word).length > perLine) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The text cut to fit `width` (estimated as wrap does), its end replaced by an ellipsis: a series label never runs off the chart's left edge. */
export function fitText(text: string, size: number, width: number): string {
  const fits = Math.max(1, Math.floor(width / (size * CHAR)));
  const chars = Array.from(text);
  return chars.length <= fits ? text : `${chars.slice(0, Math.max(1, fits - 1)).join('').trimEnd()}…`;
}

export function layoutBarChart(input: BarChartInput, width: number): ChartLayout {
  const w = Math.max(280, Math.round(width));
  const shapes: Shape[] = [];
  let y = PAD;
  for (const line of wrap(input.title, 15, w - 2 * PAD)) {
    y += 18;
    shapes.push({ kind: 'text', x: PAD, y, text: line, size: 15, anchor: 'start', bold: true, fill: INK });
  }
  for (const line of input.subtitle ? wrap(input.subtitle, SMALL, w - 2 * PAD) : []) {
    y += 16;
    shapes.push({ kind: 'text', x: PAD, y, text: line, size: SMALL, anchor: 'start', fill: MUTED });
  }
  y += 10;
  const max = Math.max(1, ...input.categories.flatMap((c) => c.values));
  const seriesWidth = Math.min(Math.round(w * 0.35), Math.ceil(Math.max(3, ...input.series.map((s) => s.length)) * SMALL * CHAR) + 8);
  const valueWidth = Math.ceil(formatNumber(max).length * SMALL * CHAR) + 8;
  const x0 = PAD + seriesWidth;
  const plot = Math.max(40, w - x0 - valueWidth - PAD);
  for (const category of input.categories) {
    y += 6;
    for (const line of wrap(category.label, LABEL_SIZE, w - 2 * PAD)) {
      y += LABEL_SIZE + 4;
      shapes.push({ kind: 'text', x: PAD, y, text: line, size: LABEL_SIZE, anchor: 'start', bold: true, fill: INK });
    }
    y += 6;
    const top = y;
    category.values.forEach((v, i) => {
      const length = Math.round((v / max) * plot);
      shapes.push({ kind: 'text', x: x0 - 6, y: y + BAR - 4, text: fitText(input.series[i] ?? '', SMALL, seriesWidth - 6), size: SMALL, anchor: 'end', fill: INK });
      if (length > 0) shapes.push({ kind: 'rect', x: x0, y, width: length, height: BAR, fill: SERIES_COLOURS[i % SERIES_COLOURS.length]! });
      shapes.push({ kind: 'text', x: x0 + length + 4, y: y + BAR - 4, text: formatNumber(v), size: SMALL, anchor: 'start', fill: INK });
      y += BAR + BAR_GAP;
    });
    shapes.push({ kind: 'line', x1: x0, y1: top - 2, x2: x0, y2: y - BAR_GAP + 2, stroke: MUTED });
    y += GROUP_GAP - BAR_GAP;
  }
  return { width: w, height: y + PAD, shapes };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A stand-alone SVG file of the chart (white background, the title and description for readers of the file). */
export function svgMarkup(layout: ChartLayout, title: string, description: string): string {
  const body = layout.shapes.map((s) => {
    if (s.kind === 'rect') return `<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" fill="${s.fill}"/>`;
    if (s.kind === 'line') return `<line x1="${s.x1}" y1="${s.y1}" x2="${s.x2}" y2="${s.y2}" stroke="${s.stroke}"/>`;
    return `<text x="${s.x}" y="${s.y}" font-size="${s.size}" text-anchor="${s.anchor}"${s.bold ? ' font-weight="bold"' : ''} fill="${s.fill}">${escapeXml(s.text)}</text>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" ` +
      `font-family="${escapeXml(FONT_FAMILY)}" role="img" aria-labelledby="title desc">`,
    `<title id="title">${escapeXml(title)}</title>`,
    `<desc id="desc">${escapeXml(description)}</desc>`,
    `<rect width="${layout.width}" height="${layout.height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Draws the chart on a canvas context (scaled by the caller), for the PNG file. */
export function drawOnCanvas(ctx: CanvasRenderingContext2D, layout: ChartLayout): void {
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, layout.width, layout.height);
  ctx.textBaseline = 'alphabetic';
  for (const s of layout.shapes) {
    if (s.kind === 'rect') {
      ctx.fillStyle = s.fill;
      ctx.fillRect(s.x, s.y, s.width, s.height);
    } else if (s.kind === 'line') {
      ctx.strokeStyle = s.stroke;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(s.x1 + 0.5, s.y1);
      ctx.lineTo(s.x2 + 0.5, s.y2);
      ctx.stroke();
    } else {
      ctx.fillStyle = s.fill;
      ctx.font = `${s.bold ? 'bold ' : ''}${s.size}px ${FONT_FAMILY}`;
      ctx.textAlign = s.anchor;
      ctx.fillText(s.text, s.x, s.y);
    }
  }
}

/** The chart as a PNG (twice the layout's size, for sharp print). */
export function pngBlob(layout: ChartLayout, scale = 2): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = layout.width * scale;
  canvas.height = layout.height * scale;
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.reject(new Error('Browseren kan ikke tegne billeder (canvas)'));
  ctx.scale(scale, scale);
  drawOnCanvas(ctx, layout);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG-filen kunne ikke laves'))), 'image/png'));
}
