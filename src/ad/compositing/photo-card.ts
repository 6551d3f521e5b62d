import sharp from 'sharp';
import type { CutoutCheck } from '../../quality/quality-checks';
import type { Box, RawImage } from '../../vision/image.types';

export type SubjectLayoutChoice = 'auto' | 'cutout' | 'card';

/** Which layout a job's subject got, and why (result.subject_layout). */
export interface SubjectLayout {
  used: 'cutout' | 'card';
  why: string;
  cutout_confidence: number;
}

/**
 * `auto` trusts the cutout unless its check says poor: a hesitant matte (fur, glass, a product
 * the colour of its background) pasted onto a new backdrop looks worse than the photo itself.
 * A photo that came already cut out is the user's own cutout: its soft alpha (a glass at 35%)
 * reads as hesitant to the check, but it is what they drew.
 */
export function chooseSubjectLayout(asked: SubjectLayoutChoice, check: CutoutCheck, cutAlready = false): SubjectLayout {
  const confidence = check.confidence;
  if (asked !== 'auto') return { used: asked, why: `asked for (subject_layout=${asked})`, cutout_confidence: confidence };
  if (cutAlready) return { used: 'cutout', why: 'the photo came already cut out (its own transparency is kept)', cutout_confidence: confidence };
  return check.verdict === 'poor'
    ? { used: 'card', why: `the cutout was poor (edge confidence ${confidence} < 0.5): the photo is shown as a framed card instead`, cutout_confidence: confidence }
    : { used: 'cutout', why: `the cutout was ${check.verdict} (edge confidence ${confidence})`, cutout_confidence: confidence };
}

/** Room kept around the subject in the card, as a share of its longer side. */
const CARD_PAD = 0.12;
/** The white print border, as a share of the card's longer side. */
const CARD_BORDER = 0.028;
const CARD_RADIUS = 0.035;

/**
 * The photo itself as a framed print: cropped around the subject with some of its own
 * surroundings, a white border, rounded corners (anti-aliased alpha). It is then placed,
 * shadowed and layered exactly like a cutout, so every placement and export works unchanged.
 */
export async function photoCard(source: RawImage, subject: Box): Promise<{ image: RawImage; box: Box }> {
  const pad = Math.round(Math.max(subject.width, subject.height) * CARD_PAD);
  const left = Math.max(0, subject.x - pad);
  const top = Math.max(0, subject.y - pad);
  const width = Math.min(source.width, subject.x + subject.width + pad) - left;
  const height = Math.min(source.height, subject.y + subject.height + pad) - top;
  const border = Math.max(2, Math.round(Math.max(width, height) * CARD_BORDER));
  const w = width + border * 2;
  const h = height + border * 2;
  const r = Math.round(Math.max(w, h) * CARD_RADIUS);
  const mask = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" rx="${r}" ry="${r}" fill="#fff"/></svg>`);
  const { data } = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: source.channels } })
    .flatten({ background: '#ffffff' }) // a PNG that was already cut out is printed on white
    .extract({ left, top, width, height })
    .extend({ top: border, bottom: border, left: border, right: border, background: '#ffffff' })
    .ensureAlpha()
    .composite([{ input: mask, blend: 'dest-in' }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { image: { data, width: w, height: h, channels: 4 }, box: { x: 0, y: 0, width: w, height: h } };
}
