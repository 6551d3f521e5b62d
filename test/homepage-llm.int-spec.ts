import { after, before, describe, it } from 'node:test';
import { expect } from 'expect';
import { startOpenAiServer } from './helpers/openai-server';
import { dataUrl, samplePhoto, startTestApp, type TestApp, waitForJob } from './helpers/test-app';

type Server = Awaited<ReturnType<typeof startOpenAiServer>>;
interface StageRecord { used: string; attempts: string[][]; fallback?: string }
interface Writer { model: string; plan: StageRecord; copy: StageRecord; design: StageRecord }

const SHOP = {
  name: '카페 온기',
  category: '카페',
  address: '부산광역시 수영구 광안해변로 100',
  phone: '051-123-4567',
  hours: '매일 10:00-22:00',
  links: { naver_map: 'https://naver.me/onggi' },
  products: [
    { name: '아메리카노', price: '4,500원', image: dataUrl(samplePhoto()) },
    { name: '바닐라 라떼', price: 5500, description: '마다가스카르 바닐라빈 시럽' },
  ],
};

const GOOD = {
  plan: { sections: ['about', 'products', 'hours', 'location', 'contact'], hero_button: 'map', featured: '바닐라 라떼', tone: '다정하고 차분한 바닷가 카페' },
  copy: { tagline: '바다를 보며 쉬어 가는 동네 카페', about: '카페 온기는 광안리 바닷가의 작은 카페입니다. 매일 아침 원두를 갈아 한 잔씩 정성껏 내립니다. 창가에 앉아 바다를 보며 쉬어 가세요.', products: [{ name: '아메리카노', description: '깔끔하고 고소한 매일의 한 잔' }] },
  design: { preset: 'warm', accent: '#0b5566', surface: '#f4fafb', ink: '#10262b', muted: '#3d5358' },
};

/** Answers each agent by its system prompt; `bad` answers the first call of a stage badly. */
function agents(answers: Partial<Record<keyof typeof GOOD, unknown[]>> = {}) {
  const queues = { plan: [...(answers.plan ?? [])], copy: [...(answers.copy ?? [])], design: [...(answers.design ?? [])] };
  return (_user: string, system: string): string => {
    const stage = /You plan/.test(system) ? 'plan' : /You write the copy/.test(system) ? 'copy' : /You choose the colours/.test(system) ? 'design' : null;
    if (!stage) throw new Error(`unexpected chat: ${system.slice(0, 60)}`);
    return JSON.stringify(queues[stage].shift() ?? GOOD[stage]);
  };
}

describe('homepage with an LLM: planner -> copywriter -> designer, checked, repaired once, else the template', () => {
  let api: Server;
  let t: TestApp;
  before(async () => {
    api = await startOpenAiServer();
    t = await startTestApp({ LLM_API_BASE_URL: api.url, LLM_MODEL: 'gpt-5-mini', PROVIDER_MAX_RETRIES: 0 });
  });
  after(async () => {
    await t?.close();
    await api?.close();
  });

  const make = async () => {
    const made = await t.http.post('/homepage').send(SHOP).expect(202);
    const done = await waitForJob(t.http, made.body.job_id, 120_000);
    expect(done.status).toBe('completed');
    const html = (await t.http.get(`/sites/${made.body.job_id}/`).expect(200)).text;
    return { result: done.result as { generator: string; theme: string; writer: Writer; audit: { axe: { serious_or_critical: number }; html_validate: { errors: unknown[] } } }, html };
  };
  const chats = () => api.requests.filter((r) => r.path === '/v1/chat/completions');
  const userOf = (r: { body: Record<string, unknown> }) => (r.body.messages as Array<{ content: string }>)[1].content;

  it("uses each agent's checked answer: the plan's order and button, the copy where the shop wrote none, the palette", async () => {
    api.answerChat(agents());
    const before = chats().length;
    const { result, html } = await make();
    expect(result.generator).toBe('llm:gpt-5-mini');
    expect(result.theme).toBe('llm');
    for (const stage of ['plan', 'copy', 'design'] as const) expect(result.writer[stage]).toEqual({ used: 'llm', attempts: [[]] });
    const sent = chats().slice(before);
    expect(sent.map((r) => (r.body.response_format as { json_schema: { name: string } }).json_schema.name)).toEqual(['site_plan', 'site_copy', 'site_design']);
    // The copywriter is told what to write, and given the shop's facts only.
    const copyBrief = JSON.parse(userOf(sent[1])) as { write: string[]; business: string[]; tone: string };
    expect(copyBrief.write).toEqual(['tagline', 'about', 'products[].description for "아메리카노"']);
    expect(copyBrief.business).toContain('product: 바닐라 라떼, 5,500원, 마다가스카르 바닐라빈 시럽');
    expect(copyBrief.tone).toBe(GOOD.plan.tone);

    expect(html).toContain(`<p>${GOOD.copy.tagline}</p>`);
    expect(html).toContain(GOOD.copy.about);
    expect(html).toContain('<p>깔끔하고 고소한 매일의 한 잔</p>');
    expect(html).toContain('<p>마다가스카르 바닐라빈 시럽</p>'); // the shop's own words stay
    expect(html).toContain('--accent:#0b5566');
    expect(html.indexOf('id="about"')).toBeLessThan(html.indexOf('id="products"'));
    expect(html.indexOf('<h3>바닐라 라떼</h3>')).toBeLessThan(html.indexOf('<h3>아메리카노</h3>')); // featured first
    expect(html).toMatch(/<div class="cta"><a class="btn" href="https:\/\/naver\.me\/onggi"/);
    expect(result.audit.axe.serious_or_critical).toBe(0);
    expect(result.audit.html_validate.errors).toEqual([]);
  });

  it('sends invented facts back once with the problems named, and takes the corrected answer', async () => {
    const invented = { ...GOOD.copy, tagline: '30년 전통, 리뷰 만점 카페', about: `${GOOD.copy.about} 아메리카노는 지금 2,000원 할인!` };
    api.answerChat(agents({ copy: [invented] }));
    const before = chats().length;
    const { result, html } = await make();
    expect(result.writer.copy.used).toBe('llm');
    expect(result.writer.copy.attempts[1]).toEqual([]);
    expect(result.writer.copy.attempts[0]).toEqual([
      'tagline: numbers the shop did not give: 30',
      'tagline: claims the shop did not make: 리뷰, 만점',
      'about: numbers the shop did not give: 2000',
      'about: claims the shop did not make: 할인',
    ]);
    const repair = chats().slice(before).filter((r) => /"site_copy"/.test(JSON.stringify(r.body.response_format)))[1];
    expect(userOf(repair)).toContain('failed these checks:\n- tagline: numbers the shop did not give: 30');
    expect(html).not.toContain('30년');
    expect(html).toContain(GOOD.copy.tagline);
  });

  it("keeps the template's part when both answers fail: unreadable colours, a plan that drops sections, copy in the wrong language", async () => {
    const unreadable = { ...GOOD.design, accent: '#f6d365' };
    const dropping = { ...GOOD.plan, sections: ['products', 'contact'], featured: '카푸치노' };
    const english = { ...GOOD.copy, tagline: 'A seaside cafe' };
    api.answerChat(agents({ design: [unreadable, unreadable], plan: [dropping, dropping], copy: [english, english] }));
    const { result, html } = await make();
    expect(result.generator).toBe('embedded templates');
    expect(result.theme).toBe('warm');
    expect(result.writer.design).toMatchObject({ used: 'template', fallback: expect.stringMatching(/both answers failed/) });
    expect(result.writer.design.attempts[0].join(' ')).toMatch(/white button text on accent reads at [\d.]+:1, below 4.5:1/);
    expect(result.writer.plan.attempts[0]).toEqual(['sections must list each of products, about, hours, location, contact once', 'featured must be null or one of the product names exactly: 아메리카노, 바닐라 라떼']);
    expect(result.writer.copy.attempts[0]).toEqual(['tagline must be written in Korean']);
    expect(html).toContain('<p>카페, 카페 온기에서 만나 보세요</p>'); // the template's tagline
    expect(html.indexOf('id="products"')).toBeLessThan(html.indexOf('id="about"'));
  });

  it('falls back to the template when the LLM server fails (PROVIDER_FALLBACK=embedded), recording why', async () => {
    api.answerChat(agents());
    api.fail('/v1/chat/completions', { status: 500 }, { status: 500 }, { status: 500 });
    const { result } = await make();
    expect(result.generator).toBe('embedded templates');
    for (const stage of ['plan', 'copy', 'design'] as const) expect(result.writer[stage]).toMatchObject({ used: 'template', attempts: [], fallback: expect.stringMatching(/^PROVIDER_ERROR: /) });
  });
});
