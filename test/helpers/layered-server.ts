import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const LAYERED_PATH = '/fal-ai/qwen-image-layered';

/** One request as the server received it. */
export interface LayeredRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** What the server answers: images (as data URIs or links it serves), or a fault. */
export type LayeredAnswer =
  | { images: Buffer[]; as?: 'data' | 'link' | 'mixed' }
  | { status: number; body: unknown }
  | { raw: string }
  | 'hang';

/**
 * A local server speaking the hosted Qwen-Image-Layered protocol (fal-ai/qwen-image-layered)
 * over real HTTP: POST with `image_url`, `num_layers`, `num_inference_steps`, `guidance_scale`,
 * `seed`, `output_format`; the answer's `images[].url` are data URIs or links to files it serves.
 * It cannot run the model: a test scripts what it answers (real layers of a generated poster, or
 * faults).
 */
export async function startLayeredServer(): Promise<{
  url: string;
  requests: LayeredRequest[];
  answer(next: LayeredAnswer): void;
  close(): Promise<void>;
}> {
  const requests: LayeredRequest[] = [];
  const answers: LayeredAnswer[] = [];
  const files = new Map<string, Buffer>();
  const app = express();
  app.use(express.json({ limit: '60mb' }));
  let base = '';

  app.post(LAYERED_PATH, (req, res) => {
    requests.push({ headers: req.headers, body: req.body as Record<string, unknown> });
    const next = answers.shift() ?? { status: 500, body: { detail: 'no answer scripted' } };
    if (next === 'hang') return;
    if ('raw' in next) {
      res.type('text/plain').send(next.raw);
      return;
    }
    if ('status' in next) {
      res.status(next.status).json(next.body);
      return;
    }
    const images = next.images.map((png, i) => {
      const link = next.as === 'link' || (next.as === 'mixed' && i % 2 === 1);
      if (!link) return { url: `data:image/png;base64,${png.toString('base64')}`, content_type: 'image/png' };
      const name = `${requests.length}-${i}.png`;
      files.set(name, png);
      return { url: `${base}/files/${name}`, content_type: 'image/png' };
    });
    res.json({ images, seed: (req.body as { seed?: number }).seed ?? 0, prompt: '' });
  });
  app.get('/files/:name', (req, res) => {
    const png = files.get(req.params.name);
    if (!png) res.status(404).end();
    else res.type('image/png').send(png);
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}${LAYERED_PATH}`,
    requests,
    answer: (next) => answers.push(next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
