import { ErrorEnvelopeFilter } from '../common/errors/error.filter';
import { ErrorCode, httpStatusFor } from '../common/errors/error-codes';
import { productUploads } from '../homepage/homepage.controller';

/** Fixed product rows: the form works without JavaScript, and blank rows are left out. */
export const PRODUCT_ROWS = 6;
const TEXT_FIELDS = ['name', 'category', 'tagline', 'description', 'address', 'phone', 'hours', 'owner', 'business_number', 'mail_order_number', 'style', 'language'] as const;
export const LINK_FIELDS = ['naver_map', 'kakao_map', 'kakao_channel', 'instagram'] as const;
export const PRODUCT_FIELDS = ['name', 'price', 'description', 'link', 'job_id'] as const;

/** What the form shows again: the typed values by field name (products[0][name]...) and the error. */
export interface HomepageFormState {
  values: Record<string, string>;
  error?: { field: string; message: string };
  /** Photos cannot be kept across a re-render, so the page asks for them again. */
  hadPhotos?: boolean;
}

/** The form read into the API's multipart shape, with the rows the kept products came from. */
export interface HomepageFormInput {
  values: Record<string, string>;
  request: Record<string, unknown>;
  /** Photos by the index of their product in `request.products` (not by row). */
  uploads: Map<number, Buffer>;
  /** rows[i]: the form row of request.products[i], to point an error at the right row. */
  rows: number[];
}

/** The typed values of a multipart body as multer nests it (products[0][name] -> body.products[0].name). */
export function formValues(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const nested = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const values: Record<string, string> = {};
  const keep = (name: string, v: unknown) => {
    if (typeof v === 'string') values[name] = v;
  };
  for (const f of TEXT_FIELDS) keep(f, b[f]);
  for (const f of LINK_FIELDS) keep(`links[${f}]`, nested(b.links)[f]);
  const products = Array.isArray(b.products) ? (b.products as unknown[]) : [];
  for (let row = 0; row < Math.min(products.length, PRODUCT_ROWS); row++) {
    for (const f of PRODUCT_FIELDS) keep(`products[${row}][${f}]`, nested(products[row])[f]);
  }
  if (b.make_ads === 'true') values.make_ads = 'true';
  return values;
}

/**
 * The request the API would get from this form: blank fields and blank product rows left out,
 * so an empty optional field is "not given" rather than an invalid empty string. The names
 * (shop and product) are kept even when blank, so validation says "name is required" and only
 * that. Throws the API's error for a file field that is not products[N][image].
 */
export function readHomepageForm(body: unknown, files: Express.Multer.File[]): HomepageFormInput {
  const values = formValues(body);
  const byRow = productUploads(files);
  const given = (name: string) => values[name]?.trim() || undefined;
  const request: Record<string, unknown> = { name: values.name?.trim() ?? '' };
  for (const f of TEXT_FIELDS) if (f !== 'name' && given(f)) request[f] = given(f);
  const links = Object.fromEntries(LINK_FIELDS.flatMap((f) => (given(`links[${f}]`) ? [[f, given(`links[${f}]`)]] : [])));
  if (Object.keys(links).length) request.links = links;
  if (values.make_ads) request.make_ads = true;

  const products: Array<Record<string, string>> = [];
  const uploads = new Map<number, Buffer>();
  const rows: number[] = [];
  const rowCount = Math.max(PRODUCT_ROWS, ...[...byRow.keys()].map((row) => row + 1));
  for (let row = 0; row < rowCount; row++) {
    const product = Object.fromEntries(PRODUCT_FIELDS.flatMap((f) => (given(`products[${row}][${f}]`) ? [[f, given(`products[${row}][${f}]`)!]] : [])));
    const photo = byRow.get(row);
    if (!Object.keys(product).length && !photo) continue;
    if (photo) uploads.set(products.length, photo);
    rows.push(row);
    products.push({ name: '', ...product });
  }
  if (products.length) request.products = products;
  return { values, request, uploads, rows };
}

/**
 * An error as the form shows it: the API's message, and the form field it names. Errors about
 * request.products[i] are moved to the row that product came from (`rows`), in the field and in
 * the message, since blank rows were left out before the API saw the products.
 */
export function formError(error: unknown, rows?: number[]): { status: number; field: string; message: string } {
  const { code, message, details } = new ErrorEnvelopeFilter().describe(error);
  if (code === ErrorCode.INTERNAL) throw error;
  const d = details as { field?: unknown; fields?: Array<{ field: string; problems: string[] }> } | null | undefined;
  const toRow = (i: string) => String(rows?.[Number(i)] ?? i);
  // The validation pipe lists every bad field; the form reports the first, named.
  const first = Array.isArray(d?.fields) ? d.fields[0] : undefined;
  const path = first?.field ?? (typeof d?.field === 'string' ? d.field : '');
  // 'products.0.name' or 'products[0].image' -> 'products[ROW][name]'; 'links.naver_map' -> 'links[naver_map]'.
  const [head = '', ...rest] = path.split(/[.[\]]+/).filter(Boolean);
  if (head === 'products' && /^\d+$/.test(rest[0] ?? '')) rest[0] = toRow(rest[0]);
  const field = head + rest.map((s) => `[${s}]`).join('');
  const text = (first ? [...new Set(first.problems)].join('; ') : message).replace(/products(?:\[(\d+)\]|\.(\d+))/g, (_, a?: string, b?: string) => `products[${toRow(a ?? b!)}]`);
  // A nested problem reads "name must be...": say which product's name.
  return { status: httpStatusFor(code), field, message: first && !text.startsWith(first.field) ? `${field}: ${text}` : text };
}
