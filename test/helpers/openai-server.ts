import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import multer from 'multer';
import sharp from 'sharp';

/** One request as the server received it. */
export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** JSON body, or the text fields of a multipart body. */
  body: Record<string, unknown>;
  files: Array<{ field: string; bytes: number; mime: string; width?: number; height?: number; data: Buffer }>;
  /** Set when the client closed the connection before the answer. */
  closedEarly: boolean;
}

/** What the next request to a path gets instead of a normal answer. */
export type Fault =
  | { status: number; retryAfter?: number; error?: { message: string; type?: string; code?: string } }
  | 'hang';

/**
 * A local server that speaks the OpenAI API over real HTTP: POST /v1/images/generations and
 * /v1/images/edits answer with images it draws itself (a gradient scene at the asked size, PNG,
 * as b64_json); POST /v1/chat/completions answers with what the test scripts (by default an
 * image prompt as JSON). Faults queued per path come first, then normal answers.
 */
export async function startOpenAiServer(): Promise<{
  url: string;
  requests: RecordedRequest[];
  fail(path: string, ...faults: Fault[]): void;
  /** How /v1/chat/completions answers: the assistant's content for a user and system message. */
  answerChat(fn: (user: string, system: string) => string): void;
  /** Where the painted floor begins, as a share of the image height (default 0.68). */
  paintFloorAt(share: number): void;
  close(): Promise<void>;
}> {
  let floorShare = 0.68;
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const app = express();
  app.use(express.json({ limit: '50mb' }));
  const upload = multer({ storage: multer.memoryStorage() }).any();

  const handle = (kind: 'generations' | 'edits') => async (req: express.Request, res: express.Response) => {
    const files = (req.files as Express.Multer.File[] | undefined) ?? [];
    const record: RecordedRequest = {
      path: req.path,
      headers: req.headers,
      body: req.body as Record<string, unknown>,
      files: await Promise.all(
        files.map(async (f) => {
          const meta = await sharp(f.buffer).metadata().catch(() => undefined);
          return { field: f.fieldname, bytes: f.size, mime: f.mimetype, width: meta?.width, height: meta?.height, data: f.buffer };
        }),
      ),
      closedEarly: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    const fault = faults.get(req.path)?.shift();
    if (fault === 'hang') return; // never answers; the client must give up or abort
    if (fault) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      res.status(fault.status).json({ error: fault.error ?? { message: `injected ${fault.status}`, type: 'server_error' } });
      return;
    }
    const [width, height] = String(record.body.size ?? '1024x1024').split('x').map(Number);
    const png = await scene(width || 1024, height || 1024, kind, floorShare);
    res.json({ created: Math.floor(Date.now() / 1000), data: [{ b64_json: png.toString('base64') }] });
  };
  let chat: (user: string, system: string) => string = defaultChat;
  app.post('/v1/chat/completions', (req, res) => {
    const body = req.body as { messages?: Array<{ role: string; content: unknown }> };
    const record: RecordedRequest = { path: req.path, headers: req.headers, body: req.body as Record<string, unknown>, files: [], closedEarly: false };
    requests.push(record);
    const fault = faults.get(req.path)?.shift();
    if (fault === 'hang') return;
    if (fault) {
      res.status(fault.status).json({ error: fault.error ?? { message: `injected ${fault.status}` } });
      return;
    }
    // A vision request's user content is a list of parts: its text parts are what the model reads.
    const text = (role: string) => {
      const content = body.messages?.find((m) => m.role === role)?.content ?? '';
      return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('\n') : String(content);
    };
    const content = chat(text('user'), text('system'));
    res.json({
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: (req.body as { model?: string }).model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 120, completion_tokens: 60, total_tokens: 180 },
    });
  });
  app.post('/v1/images/generations', handle('generations'));
  app.post('/v1/images/edits', upload, handle('edits'));
  // Anything else (a stylesheet, font or image a hostile design names) is recorded and refused.
  app.use((req, res) => {
    requests.push({ path: req.path, headers: req.headers, body: {}, files: [], closedEarly: false });
    res.status(404).end();
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    fail: (path, ...more) => faults.set(path, [...(faults.get(path) ?? []), ...more]),
    answerChat: (fn) => {
      chat = fn;
    },
    paintFloorAt: (share) => {
      floorShare = share;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What the real models would answer, by the system prompt's task: a copy design (the copy in a
 * dark panel, which reads on any scene), a layer description, a scene reading, or an image prompt.
 */
export function defaultChat(user: string, system: string): string {
  if (/typographer/.test(system)) return designAnswer(copyOf(user));
  if (/split into editable layers/.test(system)) return JSON.stringify({ description: `설명: ${/found as: (\w+)/.exec(user)?.[1] ?? '?'} 레이어` });
  if (/free regions/.test(system)) {
    return JSON.stringify({
      scene: 'a product on a warm wooden table',
      mood: 'warm, calm',
      dominant_colors: ['#f3d9b1', '#7a4a26'],
      free_regions: [{ x: 0.1, y: 0.06, width: 0.8, height: 0.16 }],
      text_position: 'top',
      text_color: '#1a1a1a',
    });
  }
  return JSON.stringify({
    prompt: `Photorealistic empty scene for a product photo (${user.split('\n')[0]}), a wooden surface in the lower third, soft window light, 50 mm lens, shallow depth of field, professional product photography`,
  });
}

/** The copy from the designer's brief (its first JSON object). */
export function copyOf(user: string): string {
  const end = user.indexOf('\n}') + 2;
  return (JSON.parse(user.slice(0, end)) as { copy: string }).copy;
}

/** A designer's answer: the copy as a headline in a dark rounded panel; `extra` adds hostile bits. */
export function designAnswer(copy: string, extra: { html?: string; css?: string } = {}): string {
  return JSON.stringify({
    html: `<div class="panel"><h1 class="head">${copy}</h1></div>${extra.html ?? ''}`,
    css:
      '.panel { background: rgba(20, 16, 12, 0.78); border-radius: 0.4em; padding: 0.3em 0.7em; }\n' +
      `.head { margin: 0; font-size: 1.8em; font-weight: 800; color: #fff8ee; letter-spacing: -0.01em; }\n${extra.css ?? ''}`,
  });
}

/** A warm wall over a darker floor: an unmistakably generated, deterministic scene. */
function scene(width: number, height: number, kind: string, floorShare: number): Promise<Buffer> {
  const floor = Math.round(height * floorShare);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="w" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#f3d9b1"/><stop offset="1" stop-color="#d9a86c"/></linearGradient></defs>` +
    `<rect width="${width}" height="${floor}" fill="url(#w)"/><rect y="${floor}" width="${width}" height="${height - floor}" fill="#7a4a26"/>` +
    `<circle cx="${width * 0.8}" cy="${height * 0.2}" r="${Math.min(width, height) * 0.08}" fill="${kind === 'edits' ? '#ffffff' : '#fff4d6'}"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
