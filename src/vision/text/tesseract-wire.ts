/** Messages between the server and its Tesseract host process (tesseract-host.ts). */
export type HostRequest = { kind: 'read'; id: number; args: string[]; png: Uint8Array } | { kind: 'kill'; id: number };

/** `code` null: Tesseract did not start (`missing`: not installed) or was killed. */
export interface HostReply {
  id: number;
  code: number | null;
  stdout?: string;
  missing?: boolean;
}
