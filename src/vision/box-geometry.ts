import type { Box } from './image.types';

/** Rectangle arithmetic on canvas boxes, shared by the ad's layout, the quality report and the decomposer. */

/** True when `inner` lies completely inside `outer`. */
export function boxInside(inner: Box, outer: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** True when the two boxes share any area. */
export function boxesIntersect(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** The area two boxes share (0 when apart). */
export function boxIntersectionArea(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** `box` grown by `by` pixels on every side, clipped to the canvas. */
export function expandBox(box: Box, by: number, width: number, height: number): Box {
  const x = Math.max(0, Math.floor(box.x - by));
  const y = Math.max(0, Math.floor(box.y - by));
  const right = Math.min(width, Math.ceil(box.x + box.width + by));
  const bottom = Math.min(height, Math.ceil(box.y + box.height + by));
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}
