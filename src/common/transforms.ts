import { type ClassConstructor, plainToInstance, type TransformFnParams } from 'class-transformer';

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

/**
 * A multipart field that carries JSON (`products`, `links`, `hours` sent as one text field):
 * parsed when it looks like JSON and made into `type` (so nested validation runs); a broken one
 * stays a string so validation names the field.
 */
export function fromJsonText(type?: ClassConstructor<object>) {
  return ({ value, obj, key }: TransformFnParams): unknown => {
    const raw: unknown = (obj as Record<string, unknown>)[key];
    if (typeof raw !== 'string' || !/^\s*[[{]/.test(raw)) return value;
    try {
      const parsed = JSON.parse(raw) as unknown;
      return type && parsed !== null && typeof parsed === 'object' ? plainToInstance(type, parsed) : parsed;
    } catch {
      return raw;
    }
  };
}
