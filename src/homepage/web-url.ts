import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';

/** A link's longest normalized form: Hangul triples in length once percent-encoded, so 500 typed characters may need ~1,500. */
export const MAX_LINK_LENGTH = 2048;

export type LinkScheme = 'https' | 'http(s)';

/**
 * A link as a person types or pastes it, read the way a browser's address bar reads it: the
 * WHATWG URL parser (`new URL`), which percent-encodes Hangul and spaces in the path and turns
 * a Hangul host into punycode. Returns the normalized `href`, or why it is refused: not
 * parseable as an absolute URL, a scheme other than https (or http where allowed: javascript:,
 * data:, mailto:...), a user name or password before the host (a classic disguise for where a
 * link really goes), or a host that is not a public name (no dot: "https://naver" is a typo).
 */
export function readLink(raw: unknown, scheme: LinkScheme): { href: string } | { problem: string } {
  if (typeof raw !== 'string') return { problem: 'must be a URL as text' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { problem: `must be ${article(scheme)} URL such as https://map.naver.com/...` };
  }
  const allowed = scheme === 'https' ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(url.protocol)) {
    return { problem: url.protocol === 'http:' ? 'must start with https:// (http:// links are not taken here)' : `must be ${article(scheme)} URL, not ${url.protocol}` };
  }
  if (url.username || url.password) return { problem: 'must not carry a user name or password before the host' };
  if (!url.hostname.includes('.')) return { problem: `must name a public host (${url.hostname} has no dot)` };
  return { href: url.href };
}

function article(scheme: LinkScheme): string {
  return scheme === 'https' ? 'an https' : 'an http(s)';
}

/**
 * A DTO link field: normalized to its `href` while the request is turned into the DTO, then
 * refused with the reason, prefixed by the field's name (`links.naver_map must ...`), when it
 * does not read as a link. What is stored and rendered is always the normalized form.
 */
export function IsLink(field: string, scheme: LinkScheme): PropertyDecorator {
  const normalize = Transform(({ value }) => {
    const read = readLink(value, scheme);
    return 'href' in read ? read.href : value;
  });
  const validate = ValidateBy({
    name: 'isLink',
    validator: {
      validate: (value: unknown) => {
        const read = readLink(value, scheme);
        return 'href' in read && read.href === value && read.href.length <= MAX_LINK_LENGTH;
      },
      defaultMessage: (args?: ValidationArguments) => {
        const read = readLink(args?.value, scheme);
        const problem = 'problem' in read ? read.problem : `must be at most ${MAX_LINK_LENGTH} characters once encoded`;
        return `${field} ${problem}`;
      },
    },
  });
  return (target: object, key: string | symbol) => {
    normalize(target, key);
    validate(target, key);
  };
}

