import type { TransformFnParams } from 'class-transformer';

/** Multipart fields arrive as strings: "false" must become false, not true. */
export function toBoolean({ value }: TransformFnParams): unknown {
  if (typeof value === 'boolean' || value === undefined || value === null) return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  return value;
}

/** Numbers from multipart strings; anything unparsable stays as is so validation names it. */
export function toNumber({ value }: TransformFnParams): unknown {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isNaN(n) ? value : n;
}
