import { after, describe, it } from 'node:test';
import { expect } from 'expect';
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { TesseractRepository } from './tesseract.repository';

const INSTALLED = (() => {
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const line = (text: string) =>
  sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="90"><rect width="100%" height="100%" fill="#fff"/><text x="20" y="62" font-family="DejaVu Sans" font-size="44">${text}</text></svg>`))
    .png()
    .toBuffer();

describe('TesseractRepository (Tesseract started by its host process)', { skip: !INSTALLED && 'tesseract is not installed' }, () => {
  const ocr = new TesseractRepository();
  after(() => ocr.onModuleDestroy());

  it('reads lines side by side, each its own', async () => {
    const words = ['SPRING SALE 30', 'FRESH COFFEE 12', 'OPEN DAILY 9'];
    const read = await Promise.all(words.map(async (w) => (await ocr.readScored(await line(w), undefined, 'line'))?.text));
    expect(read).toEqual(words);
  });

  it('stops a read when its job stops, answers null for bytes that are no image, and reads again after its host was stopped', async () => {
    const png = await line('AGAIN 42');
    const stopped = new AbortController();
    stopped.abort();
    await expect(ocr.readScored(png, stopped.signal, 'line')).rejects.toThrow();
    // Stopped while Tesseract runs: the host kills it and the read answers null.
    const running = new AbortController();
    const killed = ocr.readScored(await sharp(png).resize(6400, 900).png().toBuffer(), running.signal, 'block');
    setTimeout(() => running.abort(), 30);
    expect(await killed).toBeNull();
    expect(await ocr.readScored(Buffer.from('not an image'), undefined, 'line')).toBeNull();
    ocr.onModuleDestroy();
    expect((await ocr.readScored(png, undefined, 'line'))?.text).toBe('AGAIN 42');
  });
});
