/**
 * A small child process that starts Tesseract for the service (tesseract.repository.ts). Starting
 * a process from the server means forking it, and Linux copies the page tables of the whole
 * process to do so: with ONNX sessions resident (2-3 GB) each spawn held the server's main thread
 * for about 100 ms. Forked from this process of a few tens of MB, a spawn takes a few ms, and off
 * the server's main thread.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { HostReply, HostRequest } from './tesseract-wire';

const running = new Map<number, ChildProcess>();
const send = (reply: HostReply) => process.send?.(reply);

function read(id: number, args: string[], png: Uint8Array): void {
  const child = spawn('tesseract', args, { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, OMP_THREAD_LIMIT: '1' } });
  running.set(id, child);
  const out: Buffer[] = [];
  let answered = false;
  const answer = (reply: HostReply) => {
    if (answered) return;
    answered = true;
    running.delete(id);
    send(reply);
  };
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.on('error', (error: NodeJS.ErrnoException) => answer({ id, code: null, missing: error.code === 'ENOENT' }));
  child.on('close', (code) => answer({ id, code, stdout: code === 0 ? Buffer.concat(out).toString('utf8') : undefined }));
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
}

process.on('message', (msg: HostRequest) => {
  if (msg.kind === 'kill') running.get(msg.id)?.kill('SIGKILL');
  else read(msg.id, msg.args, msg.png);
});
// The server is gone (or let this host go): no Tesseract outlives it.
process.on('disconnect', () => {
  for (const child of running.values()) child.kill('SIGKILL');
  process.exit(0);
});
