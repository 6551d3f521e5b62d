import { eachBackdropRow, fitPlainBackdrop, type PlainBackdrop } from './backdrop-contrast';

/**
 * Glass photographed on a plain backdrop. A salient-object model outlines a tumbler well, but
 * everything inside the outline is kept as the product's own colour, so the studio wall seen
 * through it travels onto the new backdrop as a pale slab. With the backdrop known (the smooth
 * surface fitted to the photo's border, evaluated behind the glass), each pixel is
 * I = a F + (1 - a) B with F and a unknown; of all the (F, a) that explain it, the least opaque
 * is taken (Smith and Blinn's "known backdrop" solution): a = the largest share of the way from
 * B towards black or white that any channel went, F = B + (I - B) / a. The clear body becomes
 * nearly transparent, the rims, frosting and highlights keep their darkening or brightening, and
 * the edge has no fringe of the old backdrop, because the old backdrop is exactly what was taken
 * out. A white label on a white backdrop is read as clear too: this is for glass, asked for.
 *
 * Pure functions on interleaved 8-bit RGB; seeThrough runs in the matte worker.
 */

export interface SeeThroughMatte {
  /** min(outline matte, glass opacity). */
  matte: Uint8Array;
  /** Interleaved RGB: the glass's own colour where it has opacity, the photo elsewhere. */
  fg: Uint8Array;
}

/** Whether a see-through matte was made for a glass, and why (not). */
export interface SeeThroughOutcome {
  made: boolean;
  why: string;
}

/**
 * The backdrop a glass is read against: the photo's border must be one smooth surface (a studio
 * sweep, a wall), or what shows through the glass cannot be told from the glass.
 */
export function glassBackdrop(rgb: Uint8Array, w: number, h: number, cutAlready: boolean): { backdrop?: PlainBackdrop; why: string } {
  if (cutAlready) return { why: 'the photo came already cut out: its own transparency says how see-through the glass is' };
  const backdrop = fitPlainBackdrop(rgb, w, h);
  if (!backdrop) {
    return {
      why: 'the backdrop around the glass is not one plain surface (a studio sweep or a wall), so what shows through it cannot be told from the glass: ' +
        'kept opaque. Photograph it on a plain backdrop, or upload it already cut out as a PNG with its transparency.',
    };
  }
  return { backdrop, why: `its opacity was read against the photo's plain backdrop (grain ${backdrop.rms.toFixed(1)} levels)` };
}

/**
 * The glass's opacity inside its outline and its own colour, against the known backdrop (see
 * above); differences within twice the backdrop's grain are grain, not glass.
 */
export function seeThrough(rgb: Uint8Array, outline: Uint8Array, w: number, h: number, backdrop: PlainBackdrop): SeeThroughMatte {
  const matte = new Uint8Array(w * h);
  const fg = rgb.slice();
  const grain = 2 * backdrop.rms;
  eachBackdropRow(backdrop.surface, w, h, (y, row) => {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (outline[i] === 0) continue;
      let a = 0;
      for (let c = 0; c < 3; c++) {
        const b = Math.min(255, Math.max(0, row[x * 3 + c]));
        const d = rgb[i * 3 + c] - b;
        // How far towards white (or black) this channel went, of the way it could go.
        const room = (d > 0 ? 255 - b : b) - grain;
        if (room > 0) a = Math.max(a, Math.max(0, Math.abs(d) - grain) / room);
      }
      a = Math.min(1, a);
      matte[i] = Math.min(outline[i], Math.round(a * 255));
      if (a === 0) continue;
      for (let c = 0; c < 3; c++) {
        const b = row[x * 3 + c];
        const f = b + (rgb[i * 3 + c] - b) / a;
        fg[i * 3 + c] = f <= 0 ? 0 : f >= 255 ? 255 : Math.round(f);
      }
    }
  });
  return { matte, fg };
}
