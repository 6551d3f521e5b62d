import sharp from 'sharp';
import { mulberry32 } from '../../src/ad/background/procedural-noise';
import { pngDeclaring } from './images';

export interface Mutant {
  name: string;
  bytes: Buffer;
}

/**
 * A drawn product photo (a rounded shape with a highlight on a graded backdrop) in every format a
 * user uploads: baseline and progressive JPEG, PNG with and without alpha, palette PNG, WebP, GIF.
 */
async function originals(random: () => number, side: number): Promise<Mutant[]> {
  const hue = Math.floor(random() * 360);
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}">` +
      `<defs><linearGradient id="g" x2="0" y2="1"><stop offset="0" stop-color="hsl(${hue},20%,92%)"/><stop offset="1" stop-color="hsl(${hue},25%,70%)"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/>` +
      `<rect x="${side * 0.3}" y="${side * 0.25}" width="${side * 0.4}" height="${side * 0.55}" rx="${side * 0.08}" fill="hsl(${(hue + 180) % 360},60%,45%)"/>` +
      `<ellipse cx="${side * 0.42}" cy="${side * 0.4}" rx="${side * 0.05}" ry="${side * 0.12}" fill="#fff" opacity=".5"/></svg>`,
  );
  const base = sharp(svg);
  return [
    { name: 'jpeg', bytes: await base.clone().jpeg({ quality: 85 }).toBuffer() },
    { name: 'progressive jpeg', bytes: await base.clone().jpeg({ quality: 80, progressive: true }).toBuffer() },
    { name: 'png', bytes: await base.clone().removeAlpha().png().toBuffer() },
    { name: 'rgba png', bytes: await base.clone().ensureAlpha(0.9).png().toBuffer() },
    { name: 'palette png', bytes: await base.clone().png({ palette: true, colours: 32 }).toBuffer() },
    { name: 'webp', bytes: await base.clone().webp({ quality: 80 }).toBuffer() },
    { name: 'gif', bytes: await base.clone().gif().toBuffer() },
  ];
}

const MAGIC: Record<string, Buffer> = {
  png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
  gif: Buffer.from('GIF89a'),
  webp: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4, 0x40), Buffer.from('WEBPVP8 ')]),
};

/** Junk bytes between two JPEG segments: libjpeg warns "extraneous bytes before marker" and decodes on. */
function extraneousBeforeMarker(jpeg: Buffer, random: () => number): Buffer {
  let at = 2;
  while (at < jpeg.length - 4 && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) at += 2 + jpeg.readUInt16BE(at + 2);
  const junk = Buffer.from(Array.from({ length: 64 + Math.floor(random() * 600) }, () => Math.floor(random() * 255)).map((b) => (b === 0xff ? 0 : b)));
  return Buffer.concat([jpeg.subarray(0, at), junk, jpeg.subarray(at)]);
}

/**
 * `count` mutants of drawn photos, seeded: truncated, bit-flipped, header-swapped, random tails,
 * junk between JPEG segments, PNGs whose header claims 100,000 px, junk GIFs and pure noise. Some
 * still decode (a flipped bit in entropy data, a tail after the end marker), most do not: what a
 * service must do is refuse the second kind at the door and finish the first.
 */
export async function imageMutants(seed: number, count: number, side = 160): Promise<Mutant[]> {
  const random = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const sources = await originals(random, side);
  const kinds: Array<(src: Mutant) => Mutant> = [
    (s) => ({ name: `${s.name} truncated`, bytes: s.bytes.subarray(0, Math.floor(s.bytes.length * (0.2 + random() * 0.75))) }),
    (s) => {
      const bytes = Buffer.from(s.bytes);
      const flips = 1 + Math.floor(random() * 12);
      for (let i = 0; i < flips; i++) {
        const at = 16 + Math.floor(random() * (bytes.length - 16));
        bytes[at] ^= 1 << Math.floor(random() * 8);
      }
      return { name: `${s.name} with ${flips} flipped bits`, bytes };
    },
    (s) => {
      const [format, magic] = pick(Object.entries(MAGIC).filter(([f]) => !s.name.endsWith(f)));
      return { name: `${s.name} behind a ${format} header`, bytes: Buffer.concat([magic, s.bytes.subarray(magic.length)]) };
    },
    (s) => ({ name: `${s.name} with a random tail`, bytes: Buffer.concat([s.bytes, Buffer.from(Array.from({ length: 1 + Math.floor(random() * 4096) }, () => Math.floor(random() * 256)))]) }),
    (s) => ({ name: 'jpeg with junk before a marker', bytes: extraneousBeforeMarker(s.name.includes('jpeg') ? s.bytes : sources[0].bytes, random) }),
    () => ({ name: 'png declaring 100000 px wide', bytes: pngDeclaring(100_000, 1 + Math.floor(random() * 1000)) }),
    () => ({ name: 'junk gif', bytes: Buffer.concat([MAGIC.gif, Buffer.from(Array.from({ length: 200 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256)))]) }),
    () => ({ name: 'noise', bytes: Buffer.from(Array.from({ length: 1 + Math.floor(random() * 3000) }, () => Math.floor(random() * 256))) }),
  ];
  return Array.from({ length: count }, (_, i) => {
    const mutant = kinds[i % kinds.length](pick(sources));
    return { name: `#${i} ${mutant.name}`, bytes: mutant.bytes };
  });
}
