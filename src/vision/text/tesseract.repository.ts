import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { throwIfAborted } from '../../common/errors/domain.exception';
import { FairSemaphore } from '../../common/fair-semaphore';
import type { Box } from '../image.types';
import type { HostReply, HostRequest } from './tesseract-wire';

const TIMEOUT_MS = 15_000;
const HANGUL = /[\uac00-\ud7a3]/;

/**
 * Reads text with Debian's Tesseract (tesseract-ocr, tesseract-ocr-kor): the image goes in on
 * stdin, the text comes back on stdout. Page segmentation 6 (one uniform block), as an ad's
 * text block is; the default page mode reads almost nothing on posters. Without Tesseract the
 * text is simply not read (null), which the caller reports: a layer is still a layer. Tesseract
 * is started by a small host process (tesseract-host.ts), never forked from this large one.
 */
@Injectable()
export class TesseractRepository implements OnModuleDestroy {
  private readonly logger = new Logger(TesseractRepository.name);
  private missing = false;
  private host: ChildProcess | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { host: ChildProcess; done: (reply: HostReply) => void }>();
  /** One single-threaded Tesseract per core: a poster's layers are read side by side, never more than the cores. */
  private readonly slots = new FairSemaphore(Math.max(1, availableParallelism()));

  /**
   * The same reading (page mode 6; 7 for an image of one line), its lines joined by newlines, with
   * Tesseract's mean word confidence (0-100), to choose between two renderings of one text.
   */
  async readScored(png: Buffer, signal?: AbortSignal, mode: 'block' | 'line' = 'block'): Promise<{ text: string; confidence: number } | null> {
    const tsv = await this.run(['--psm', mode === 'line' ? '7' : '6', 'tsv'], png, signal);
    if (tsv === null) return null;
    const words = tsv
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'))
      .filter((f) => f[0] === '5' && f.length >= 12 && f[11].trim() !== '');
    const confidence = words.length ? words.reduce((sum, f) => sum + Math.max(0, Number(f[10])), 0) / words.length : 0;
    // Hangul syllables a hair apart are one word that Tesseract split (thin strokes leave gaps);
    // a real word space is about a quarter of the line's height.
    let text = '';
    words.forEach((f, i) => {
      const prev = words[i - 1];
      const sameLine = prev && prev.slice(1, 5).join() === f.slice(1, 5).join();
      const gap = sameLine ? Number(f[6]) - Number(prev[6]) - Number(prev[8]) : Infinity;
      const joined = gap < 0.22 * Math.max(Number(f[9]), Number(prev?.[9] ?? 0)) && HANGUL.test(prev[11].trim().slice(-1)) && HANGUL.test(f[11].trim()[0]);
      text += (i === 0 || joined ? '' : sameLine ? ' ' : '\n') + f[11].trim();
    });
    return { text, confidence };
  }

  /**
   * Word boxes over a whole image (page mode 11, sparse text), with their confidence: the other
   * text detector the decomposition bench measures against PP-OCRv4.
   */
  async words(png: Buffer, signal?: AbortSignal): Promise<Array<{ box: Box; text: string; confidence: number }>> {
    const tsv = await this.run(['--psm', '11', 'tsv'], png, signal);
    if (!tsv) return [];
    return tsv
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t'))
      .filter((f) => f[0] === '5' && f.length >= 12 && f[11].trim() !== '' && Number(f[10]) >= 30)
      .map((f) => ({ box: { x: Number(f[6]), y: Number(f[7]), width: Number(f[8]), height: Number(f[9]) }, text: f[11].trim(), confidence: Number(f[10]) }));
  }

  /** Tesseract with the image on stdin; its stdout, or null when it failed, was killed or is missing. */
  private async run(args: string[], png: Buffer, signal?: AbortSignal): Promise<string | null> {
    throwIfAborted(signal);
    if (this.missing) return null;
    const release = await this.slots.acquire(signal);
    try {
      throwIfAborted(signal); // stopped while waiting for a slot: its listener would never hear it
      return await this.spawned(args, png, signal);
    } finally {
      release();
    }
  }

  private spawned(args: string[], png: Buffer, signal?: AbortSignal): Promise<string | null> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const host = this.hostProcess();
      const kill = () => void (host.connected && host.send({ kind: 'kill', id } satisfies HostRequest));
      const timer = setTimeout(kill, TIMEOUT_MS);
      signal?.addEventListener('abort', kill, { once: true });
      this.waiting.set(id, {
        host,
        done: (reply) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', kill);
          if (reply.missing && !this.missing) {
            this.missing = true;
            this.logger.warn('tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-kor): layer text will not be read');
          }
          resolve(reply.code === 0 ? (reply.stdout ?? '') : null);
        },
      });
      // A read under way keeps the process alive (a one-shot CLI waits for it); an idle host does not.
      host.channel?.ref();
      host.send({ kind: 'read', id, args: ['stdin', 'stdout', '-l', 'kor+eng', ...args], png } satisfies HostRequest, (error) => {
        if (error) this.answer({ id, code: null });
      });
    });
  }

  private answer(reply: HostReply): void {
    const waiter = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    waiter?.done(reply);
    if (this.waiting.size === 0) this.host?.channel?.unref();
  }

  /** The host, started on the first read and again after it died (its reads under way answer null). */
  private hostProcess(): ChildProcess {
    if (this.host?.connected) return this.host;
    const host = fork(path.join(__dirname, 'tesseract-host.js'), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    host.on('message', (reply: HostReply) => this.answer(reply));
    host.on('error', (error) => this.logger.warn(`the Tesseract host failed: ${error.message}`));
    host.on('exit', () => {
      if (this.host === host) this.host = null;
      for (const [id, waiter] of [...this.waiting]) if (waiter.host === host) this.answer({ id, code: null });
    });
    host.unref();
    host.channel?.unref();
    this.host = host;
    return host;
  }

  /** Lets the host go: it kills the Tesseracts it started and exits (tesseract-host.ts). */
  onModuleDestroy(): void {
    if (this.host?.connected) this.host.disconnect();
    this.host = null;
  }

  get available(): boolean {
    return !this.missing;
  }
}
