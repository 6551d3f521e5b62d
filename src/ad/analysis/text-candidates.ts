import type { Box } from '../../vision/image.types';
import type { TextBoxCandidate } from './analysis.types';
import type { BoxSums } from './raster-stats';
import { expandBox } from '../../vision/box-geometry';

export type CandidatePosition = TextBoxCandidate['position'];

export interface CandidateSearch {
  width: number;
  height: number;
  safe: Box;
  product: Box | null;
  position: 'auto' | 'top' | 'center' | 'bottom';
  sums: BoxSums;
}

/** Clear space kept around the product's box, as a share of the canvas's short side. */
export const PRODUCT_GAP = 0.04;
/**
 * Smallest usable box: two lines at the smallest font the layout allows (~2.2% of the short
 * side, line height ~1.25) plus padding is ~9% of the short side tall; narrower than 40% of the
 * canvas (28% for a side column) a Korean headline breaks after every word.
 */
const MIN_HEIGHT = 0.09;
const MIN_WIDTH = 0.4;
const MIN_SIDE_WIDTH = 0.28;
/** A headline block taller than this reads as a wall of text, not an ad. */
const MAX_BAND_HEIGHT = 0.3;
/** Candidate area (share of the canvas) at which "larger" stops helping the score. */
const AMPLE_AREA = 0.12;
/**
 * With no preference, headline first is the reading order of a poster; text over the centre
 * competes with the product, so it ranks last.
 */
const AUTO_WEIGHT: Record<CandidatePosition, number> = { top: 1, left: 1, right: 0.95, bottom: 0.9, center: 0.8 };
/** Added to the requested position's score: it wins whenever it has any usable room. */
export const REQUESTED_BONUS = 1;

interface Band {
  position: CandidatePosition;
  box: Box;
  /** Which end of the band a window prefers; windows slide vertically. */
  anchor: 'start' | 'end' | 'middle';
}

/** Free bands of the safe zone around the product (plus its gap) for each position. */
function freeBands(s: CandidateSearch): Band[] {
  const { safe, width, height } = s;
  const short = Math.min(width, height);
  const keepOut = s.product ? expandBox(s.product, short * PRODUCT_GAP, width, height) : null;
  const safeBottom = safe.y + safe.height;
  const safeRight = safe.x + safe.width;
  const bands: Band[] = [];
  const row = (position: CandidatePosition, y0: number, y1: number, anchor: Band['anchor']) => {
    if (y1 - y0 > 0) bands.push({ position, box: { x: safe.x, y: Math.round(y0), width: safe.width, height: Math.round(y1 - y0) }, anchor });
  };
  row('top', safe.y, keepOut ? Math.min(safeBottom, keepOut.y) : safeBottom, 'start');
  row('bottom', keepOut ? Math.max(safe.y, keepOut.y + keepOut.height) : safe.y, safeBottom, 'end');
  // Centre: the free interval that holds the canvas middle, or the nearer one when the product
  // covers the middle; it only counts as "center" when its middle lies in the middle third.
  const mid = height / 2;
  const intervals = keepOut
    ? [
        [safe.y, Math.min(safeBottom, keepOut.y)],
        [Math.max(safe.y, keepOut.y + keepOut.height), safeBottom],
      ]
    : [[safe.y, safeBottom]];
  for (const [y0, y1] of intervals) {
    if (y1 - y0 < short * MIN_HEIGHT) continue;
    const h = Math.min(y1 - y0, height * MAX_BAND_HEIGHT);
    const top = Math.min(Math.max(y0, mid - h / 2), y1 - h);
    if (Math.abs(top + h / 2 - mid) <= height / 6) row('center', top, top + h, 'middle');
  }
  // Columns beside the product: always on wide canvases; elsewhere where a thin subject leaves
  // one wide enough to be usable (a normal product leaves strips too narrow to pass `usable`).
  if (keepOut) {
    const col = (position: CandidatePosition, x0: number, x1: number) => {
      if (x1 - x0 > 0) bands.push({ position, box: { x: Math.round(x0), y: safe.y, width: Math.round(x1 - x0), height: safe.height }, anchor: 'middle' });
    };
    col('left', safe.x, Math.min(safeRight, keepOut.x));
    col('right', Math.max(safe.x, keepOut.x + keepOut.width), safeRight);
  }
  return bands;
}

function usable(band: Band, s: CandidateSearch): boolean {
  const short = Math.min(s.width, s.height);
  const minWidth = band.position === 'left' || band.position === 'right' ? MIN_SIDE_WIDTH : MIN_WIDTH;
  return band.box.height >= short * MIN_HEIGHT && band.box.width >= s.width * minWidth;
}

/** Pixel distance between two boxes (0 when they touch or overlap). */
function boxDistance(a: Box, b: Box): number {
  const dx = Math.max(0, b.x - (a.x + a.width), a.x - (b.x + b.width));
  const dy = Math.max(0, b.y - (a.y + a.height), a.y - (b.y + b.height));
  return Math.hypot(dx, dy);
}

/**
 * Score in [0, 1] (plus REQUESTED_BONUS): large enough (saturating at AMPLE_AREA), calm (the
 * edge share counts squared: a quarter busy is already hard to read on), clear of the product.
 */
function scoreBox(box: Box, position: CandidatePosition, s: CandidateSearch, stats: { edgeDensity: number; productCoverage: number }): number {
  const area = (box.width * box.height) / (s.width * s.height);
  const areaTerm = Math.min(1, Math.sqrt(area / AMPLE_AREA));
  const calm = (1 - Math.min(1, stats.edgeDensity * 1.5)) ** 2;
  const short = Math.min(s.width, s.height);
  const clearance = s.product ? 0.6 + 0.4 * Math.min(1, boxDistance(box, s.product) / (short * 0.1)) : 1;
  const covered = Math.max(0, 1 - stats.productCoverage * 10);
  const weight = s.position === 'auto' ? AUTO_WEIGHT[position] : 1;
  return areaTerm * calm * clearance * covered * weight;
}

/**
 * Best window per free band: bands taller than MAX_BAND_HEIGHT are searched with a sliding
 * window (7 stops) and the calmest stop wins, ties going to the band's natural anchor.
 */
export function findTextCandidates(s: CandidateSearch): TextBoxCandidate[] {
  const out: TextBoxCandidate[] = [];
  for (const band of freeBands(s)) {
    if (!usable(band, s)) continue;
    const isSide = band.position === 'left' || band.position === 'right';
    const windowH = Math.round(Math.min(band.box.height, s.height * (isSide ? 0.7 : MAX_BAND_HEIGHT)));
    const slack = band.box.height - windowH;
    const stops = slack > 0 ? 7 : 1;
    let best: TextBoxCandidate | null = null;
    for (let i = 0; i < stops; i++) {
      const t = stops === 1 ? 0 : i / (stops - 1);
      const box = { ...band.box, y: Math.round(band.box.y + slack * t), height: windowH };
      const stats = s.sums.stats(box);
      const anchorT = band.anchor === 'start' ? 0 : band.anchor === 'end' ? 1 : 0.5;
      // Up to 5% for sitting at the anchor: a calm window elsewhere still wins.
      const anchorBonus = 1 - 0.05 * Math.abs(t - anchorT);
      let score = scoreBox(box, band.position, s, stats) * anchorBonus;
      if (s.position === band.position) score += REQUESTED_BONUS;
      if (!best || score > best.score) {
        best = { box, score, position: band.position, meanColor: stats.meanColor, meanLuminance: stats.meanLuminance, edgeDensity: stats.edgeDensity };
      }
    }
    if (best) out.push(best);
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * When nothing is usable (the product fills the frame), a strip at the top of the safe zone is
 * still returned with score 0, so the layout can put the copy on a backing panel there.
 */
export function fallbackCandidate(s: CandidateSearch): TextBoxCandidate {
  const short = Math.min(s.width, s.height);
  const h = Math.min(s.safe.height, Math.round(short * 0.16));
  const options = [
    { position: 'top' as const, box: { ...s.safe, height: h } },
    { position: 'bottom' as const, box: { ...s.safe, y: s.safe.y + s.safe.height - h, height: h } },
  ];
  const ranked = options
    .map((o) => ({ ...o, stats: s.sums.stats(o.box) }))
    .sort((a, b) => {
      const prefer = (p: string) => (s.position === p ? -1 : 0);
      return prefer(a.position) - prefer(b.position) || a.stats.edgeDensity + a.stats.productCoverage - (b.stats.edgeDensity + b.stats.productCoverage);
    });
  const { position, box, stats } = ranked[0];
  return { box, score: 0, position, meanColor: stats.meanColor, meanLuminance: stats.meanLuminance, edgeDensity: stats.edgeDensity };
}
