import sharp from 'sharp';

/**
 * 64-bit perceptual hash (DCT of a 32x32 greyscale, top-left 8x8 against their median):
 * small rendering differences (anti-aliasing, a font hinting change) flip few bits, a changed
 * layout flips many. Transparent pixels are flattened onto mid-grey first.
 */
export async function phash(png: Buffer): Promise<bigint> {
  const size = 32;
  const pixels = await sharp(png).flatten({ background: '#808080' }).greyscale().resize(size, size, { fit: 'fill' }).raw().toBuffer();
  const dct: number[] = [];
  for (let u = 0; u < 8; u++) {
    for (let v = 0; v < 8; v++) {
      let sum = 0;
      for (let x = 0; x < size; x++) {
        for (let y = 0; y < size; y++) {
          sum += pixels[y * size + x] * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * size)) * Math.cos(((2 * y + 1) * v * Math.PI) / (2 * size));
        }
      }
      dct.push(sum);
    }
  }
  const ac = dct.slice(1);
  const median = [...ac].sort((a, b) => a - b)[Math.floor(ac.length / 2)];
  return dct.reduce((hash, value, i) => (value > median ? hash | (1n << BigInt(i)) : hash), 0n);
}

export function hamming(a: bigint, b: bigint): number {
  let x = a ^ b;
  let count = 0;
  while (x) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}
