import { describe, it } from 'node:test';
import { expect } from 'expect';
import { sanitizeDesign } from './design-sanitizer';

const opts = { scope: '.nc-copy', fontFamilies: ['NanumGothic', 'Noto Sans KR'] };

describe('sanitizeDesign (hostile HTML and CSS from an LLM)', () => {
  it('keeps the text and its structure, drops everything that runs or loads', () => {
    const html =
      '<div class="headline" onclick="steal()">가을 <strong style="color:red">신메뉴</strong></div>' +
      '<script>fetch("https://evil.example")</script><iframe src="https://evil.example"></iframe>' +
      '<img src="https://evil.example/x.png" onerror="x()"><a href="javascript:alert(1)">출시</a>' +
      '<svg><foreignObject><p>hidden</p></foreignObject></svg><style>body{background:url(https://evil.example/y)}</style>' +
      '<form action="https://evil.example"><input name="q"></form>';
    const out = sanitizeDesign(html, '', opts);
    expect(out.html).toBe('<div class="headline">가을 <strong>신메뉴</strong></div>출시<p>hidden</p>');
    expect(out.html).not.toMatch(/evil|script|onclick|onerror|javascript|style/i);
    expect(out.removed).toEqual(expect.arrayContaining(['div[onclick]', 'strong[style]', '<script>', '<iframe>', '<img>', '<a>', '<svg>', '<style>', '<form>']));
  });

  it('removes at-rules, fetching values, motion, escapes and positioning out of the layer', () => {
    const css = `
      @import url("https://evil.example/a.css");
      @font-face { font-family: X; src: url(https://evil.example/x.woff2); }
      .headline { color: #222; background-image: url(https://evil.example/bg.png); animation: spin 1s infinite; transition: all 1s;
                  transform: rotate(3deg); filter: blur(40px); position: fixed; z-index: 99; --x: 1; background: u\\72l(https://evil.example/z);
                  width: var(--w); }
      @keyframes spin { to { transform: rotate(360deg); } }`;
    const out = sanitizeDesign('<div class="headline">x</div>', css, opts);
    expect(out.css).not.toMatch(/evil|url|@|animation|transition|transform|filter|fixed|z-index|--x|var\(/i);
    expect(out.css).toContain('.nc-copy .headline');
    expect(out.css).toContain('color: #222');
    expect(out.removed).toEqual(expect.arrayContaining(['@import', '@font-face', '@keyframes', 'position: only relative positioning', 'background: loads or runs something']));
  });

  it('clamps blur, shadow count and font size; keeps only installed fonts; scopes body and *', () => {
    const css = `
      body { font-family: "Comic Evil", cursive; }
      * { font-family: 'Noto Sans KR', sans-serif; font-size: 2000px; text-shadow: 0 0 500px #000, 1px 1px 2px #000, 0 0 3px red, 0 0 4px red, 0 0 5px red; }
      .a { font-family: "Definitely Not Installed"; }`;
    const out = sanitizeDesign('<p class="a">x</p>', css, opts);
    expect(out.css).toContain('.nc-copy {');
    expect(out.css).toContain('.nc-copy * {');
    expect(out.css).toContain('font-size: 400px');
    expect(out.css).toContain('text-shadow: 0 0 24px #000, 1px 1px 2px #000, 0 0 3px red, 0 0 4px red');
    expect(out.css).not.toContain('5px red');
    expect(out.css).not.toContain('Definitely Not Installed');
    expect(out.removed).toContain('font-family: no installed font among them');
  });

  it('drops a stylesheet that does not parse, and says so', () => {
    const out = sanitizeDesign('<p>x</p>', '.a { color: red; ', opts);
    expect(out.css).toBe('');
    expect(out.removed[0]).toMatch(/^the stylesheet \(does not parse/);
  });

  it('cannot close its <style> or outrank the frame: markup in values and selectors goes, !important is dropped', () => {
    const css = `.a { color: red </style><script>x()</script>; font-weight: 700 !important; }\n.b</style><script> { color: blue; }`;
    const out = sanitizeDesign('<p class="a">x</p>', css, opts);
    expect(out.css).not.toMatch(/<|important/);
    expect(out.css).toContain('font-weight: 700');
    expect(out.removed).toEqual(expect.arrayContaining(['color: loads or runs something', 'a rule with markup in its selector']));
  });
});
