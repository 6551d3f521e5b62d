import { WebSocket } from 'ws';

export type SocketOutcome =
  | { kind: 'messages'; messages: Array<{ event: string; data: Record<string, unknown> }>; code: number }
  | { kind: 'refused'; status: number; body: { error: { code: string; message: string } } };

/** Follows /api/status/{id}/ws to its close, or reports the HTTP answer that refused the upgrade. */
export function followStatusSocket(baseUrl: string, jobId: string, headers: Record<string, string> = {}): Promise<SocketOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/status/${jobId}/ws`, { headers });
    const messages: Array<{ event: string; data: Record<string, unknown> }> = [];
    ws.on('message', (raw) => messages.push(JSON.parse(String(raw)) as { event: string; data: Record<string, unknown> }));
    ws.on('close', (code) => resolve({ kind: 'messages', messages, code }));
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, body: JSON.parse(text) as { error: { code: string; message: string } } }));
    });
    ws.on('error', reject);
  });
}
