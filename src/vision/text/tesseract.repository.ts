import { Injectable, Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { throwIfAborted } from '../../common/errors/domain.exception';

const TIMEOUT_MS = 15_000;

/**
 * Reads text with Debian's Tesseract (tesseract-ocr, tesseract-ocr-kor): the image goes in on
 * stdin, the text comes back on stdout. Page segmentation 6 (one uniform block), as an ad's
 * text block is; the default page mode reads almost nothing on posters. Without Tesseract the
 * text is simply not read (null), which the caller reports: a layer is still a layer.
 */
@Injectable()
export class TesseractRepository {
  private readonly logger = new Logger(TesseractRepository.name);
  private missing = false;

  async read(png: Buffer, signal?: AbortSignal): Promise<string | null> {
    throwIfAborted(signal);
    if (this.missing) return null;
    return new Promise((resolve) => {
      const child = spawn('tesseract', ['stdin', 'stdout', '-l', 'kor+eng', '--psm', '6'], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      const onAbort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (value: string | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          this.missing = true;
          this.logger.warn('tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-kor): layer text will not be read');
        }
        done(null);
      });
      child.on('close', (code) => done(code === 0 ? Buffer.concat(out).toString('utf8').replace(/\s+/g, ' ').trim() : null));
      child.stdin.on('error', () => undefined);
      child.stdin.end(png);
    });
  }

  get available(): boolean {
    return !this.missing;
  }
}
