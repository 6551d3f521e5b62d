import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  ValidateIf,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { type ApiKey, parseApiKeys } from './api-keys';
import { webhookAllowProblems } from '../common/address-policy';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toFloat = toInt;
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toList = ({ value }: { value: unknown }) =>
  value === undefined || value === ''
    ? undefined
    : String(value)
        .split(',')
        .map((item) => item.trim().toLowerCase())
        .filter(Boolean);

/**
 * Every setting the service reads, from the environment, validated once at boot.
 * Defaults run the whole service with no keys, no GPU and no external database.
 */
export class AppConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  /** Unset: an embedded PostgreSQL under DATA_DIR/pg. */
  @IsOptional() @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL?: string;

  /** 0: pick a free port for the embedded PostgreSQL at each start. */
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  EMBEDDED_PG_PORT = 0;

  @IsString()
  DATA_DIR = './data';

  @IsString()
  MODELS_DIR = './models';

  @Transform(toInt) @IsInt() @Min(256) @Max(1_048_576)
  GPU_VRAM_BUDGET_MB = 24576;

  @IsIn(['lru', 'jit'])
  MODEL_RESIDENCY: 'lru' | 'jit' = 'lru';

  @Transform(toList)
  @IsIn(['cpu', 'cuda', 'tensorrt', 'dml', 'coreml'], { each: true })
  ORT_EXECUTION_PROVIDERS: string[] = ['cpu'];

  /** Threads ONNX Runtime may use for one inference on the CPU; 0: the cores this process may run on (inference on one device runs one at a time). */
  @Transform(toInt) @IsInt() @Min(0) @Max(256)
  ORT_INTRA_OP_THREADS = 0;

  /**
   * Whether ONNX Runtime's idle threads spin between the parallel parts of an inference. Off, a
   * core they would spin on goes to other work (at JOB_CONCURRENCY=2 the other job's, where
   * spinning took back what running two jobs gained); one job alone takes as long either way.
   */
  @Transform(toBool) @IsBoolean()
  ORT_ALLOW_SPINNING = false;

  /**
   * Keep each CPU model's graph as ONNX Runtime optimized it (ORT_CACHE_DIR, one file per model
   * and machine): a restarted server loads ISNet in a tenth of the seconds it takes from the package.
   */
  @Transform(toBool) @IsBoolean()
  ORT_CACHE = true;

  /** Unset: DATA_DIR/ort-cache. Instances on one machine may share it. */
  @IsOptional() @IsString()
  ORT_CACHE_DIR?: string;

  /**
   * Nice value (Linux) of the threads that run inference and matte refinement: above the request
   * thread's 0, so a /status poll is answered at once while a model fills every core; 0 treats
   * them alike. Only the order of waiting threads changes: an idle core still runs inference.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(19)
  INFERENCE_NICE = 10;

  /**
   * A product's cutout first looks at the photo at 768 px (0.55x the time of the full 1024 px pass)
   * and takes the full pass only where that look is unsure of its edges or in parts; false: always the full pass.
   */
  @Transform(toBool) @IsBoolean()
  SEGMENT_FIRST_LOOK = true;

  /** Memory for the last cutouts, reused when the same photo comes again (another ad of one product); 0: none kept. */
  @Transform(toInt) @IsInt() @Min(0) @Max(4096)
  SEGMENT_CACHE_MB = 64;

  /** Unset: /usr/bin/chromium, then chromium-browser and google-chrome on PATH. */
  @IsOptional() @IsString()
  CHROMIUM_PATH?: string;

  /** Pages kept open for rendering text layers. */
  @Transform(toInt) @IsInt() @Min(1) @Max(16)
  RENDER_PAGES = 2;

  @Transform(toInt) @IsInt() @Min(1) @Max(120_000)
  RENDER_TIMEOUT_MS = 10_000;

  /** Start Chromium at boot so the first jobs don't pay its launch and font loading. */
  @Transform(toBool) @IsBoolean()
  RENDER_PREWARM = true;

  /** Extra font files (TTF/OTF) offered to the renderer beside the system's fonts. */
  @IsString()
  FONTS_DIR = './fonts';

  /** Images declaring more pixels than this are refused before they are decoded. */
  @Transform(toInt) @IsInt() @Min(65_536) @Max(500_000_000)
  MAX_IMAGE_PIXELS = 40_000_000;

  @Transform(toInt) @IsInt() @Min(1) @Max(512)
  MAX_BODY_MB = 25;

  /**
   * Jobs one instance runs at the same time. Their inference takes turns on each device. At 2
   * a job's work around the model (decode, backdrop, render, encodes) runs while the other's
   * model does: a batch of ten took 0.88-0.94x the time on two cores, but a job beside another
   * ran ~1.9x as long and /status answered slower under load (p99 110 -> 180 ms with 200
   * pollers), so 1 stays the default.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  JOB_CONCURRENCY = 1;

  /** A running job's lease; an instance that stops renewing it loses the job after this long. */
  @Transform(toInt) @IsInt() @Min(2) @Max(3600)
  JOB_LEASE_SECONDS = 30;

  /** How often an idle runner also polls for work and expired leases; NOTIFY brings new jobs at once. */
  @Transform(toInt) @IsInt() @Min(50) @Max(60_000)
  JOB_POLL_MS = 1000;

  /** An interrupted job is retried this many times before it is failed. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10)
  JOB_MAX_ATTEMPTS = 2;

  @Transform(toBool) @IsBoolean()
  RUNNER_ENABLED = true;

  /** A job running longer than this is aborted and fails with JOB_TIMEOUT (a hung stage). */
  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  JOB_MAX_RUNTIME_SEC = 1800;

  /** Finished jobs and their files are deleted this long after they finish; 0 keeps them. */
  @Transform(toInt) @IsInt() @Min(0) @Max(87_600)
  JOB_RETENTION_HOURS = 168;

  /** Decomposition jobs are kept this long (the seed's CLEANUP_AFTER_HOURS); 0 keeps them. */
  @Transform(toInt) @IsInt() @Min(0) @Max(87_600)
  DECOMPOSE_RETENTION_HOURS = 24;

  /** The largest poster /api/decompose takes, in MB (the seed's 10 MB). */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  DECOMPOSE_MAX_FILE_MB = 10;

  /** How often this instance tries to sweep expired jobs (one instance sweeps at a time). */
  @Transform(toInt) @IsInt() @Min(5) @Max(86_400)
  RETENTION_SWEEP_SECONDS = 600;

  /**
   * Names this instance's leases. It must be stable across restarts (so a restarted instance
   * takes back its own jobs at once) and unique among live instances. Default: host name and
   * a hash of DATA_DIR.
   */
  @IsOptional() @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 characters of A-Z a-z 0-9 . _ : -' })
  INSTANCE_ID?: string;

  /** Connections the HTTP side may hold; the job runner has its own small pool. */
  @Transform(toInt) @IsInt() @Min(2) @Max(200)
  DB_POOL_SIZE = 10;

  @IsIn(['fs', 's3'])
  STORAGE_DRIVER: 'fs' | 's3' = 'fs';

  /** S3-compatible endpoint (MinIO, R2...); unset: AWS S3 for S3_REGION. */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  S3_ENDPOINT?: string;

  @ValidateIf((c: AppConfig) => c.STORAGE_DRIVER === 's3')
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a bucket name (3-63 of a-z 0-9 . -); required when STORAGE_DRIVER=s3' })
  S3_BUCKET?: string;

  @IsString()
  S3_REGION = 'us-east-1';

  @IsOptional() @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional() @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** MinIO and s3rver need path-style URLs (endpoint/bucket/key). */
  @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** Public base URL used in links to artifacts; empty: relative links. */
  @IsOptional() @Matches(/^https?:\/\/[^\s]+[^/]$/, { message: 'PUBLIC_URL must be an http(s) URL without a trailing slash' })
  PUBLIC_URL?: string;

  /**
   * Named keys, "name:secret" or "name:secret:admin", comma separated. With any key set, every
   * route but /health, the docs, signed file links and published sites needs one (docs/security.md).
   */
  @IsOptional() @IsString()
  API_KEYS?: string;

  /** One admin key (named "admin"): the shorthand for a single user. */
  @IsOptional() @IsString()
  API_KEY?: string;

  /** Signs file links; unset: derived from the keys (rotating a key then ends old links). */
  @IsOptional() @Matches(/^\S{32,}$/, { message: 'LINK_SECRET must be at least 32 characters without spaces' })
  LINK_SECRET?: string;

  /** How long a signed file link works (it is re-signed on every /status read). */
  @Transform(toInt) @IsInt() @Min(60) @Max(604_800)
  LINK_TTL_SECONDS = 86_400;

  /** Job-creating POSTs per key (per IP without keys) per minute. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  RATE_LIMIT_SUBMITS_PER_MINUTE = 30;

  /**
   * Every other request per key (per IP without keys) per minute: 100 a second, as large public
   * APIs allow for reads (an admin page and a few clients polling every second fit well inside).
   * Probes, the docs and static files are never counted.
   */
  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  RATE_LIMIT_READS_PER_MINUTE = 6000;

  /** Jobs one key may have waiting; one more is 429 QUEUE_FULL. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100_000)
  MAX_PENDING_JOBS_PER_KEY = 100;

  /** Where finished jobs are announced when a job names no webhook_url of its own. */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  WEBHOOK_URL?: string;

  /**
   * Standard Webhooks signing secret, whsec_ and base64; required for any webhook. While
   * rotating, "whsec_new,whsec_old": each delivery carries a signature by each.
   */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,}={0,2}(,whsec_[A-Za-z0-9+/]{32,}={0,2})*$/, {
    message: 'WEBHOOK_SECRET must be whsec_ followed by at least 24 bytes of base64 (several: comma separated)',
  })
  WEBHOOK_SECRET?: string;

  /** true: webhooks may reach private, loopback and link-local addresses; or a list of CIDRs that may. */
  @Transform(toList) @IsString({ each: true })
  WEBHOOK_ALLOW_PRIVATE: string[] = ['false'];

  /** Seconds between delivery attempts; the default spreads eight attempts over about a day. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((v) => Number(v.trim())) : value))
  @IsNumber({}, { each: true }) @Min(0.01, { each: true }) @Max(86_400, { each: true })
  WEBHOOK_RETRY_DELAYS_SEC: number[] = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

  @Transform(toInt) @IsInt() @Min(100) @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /**
   * Express's "trust proxy": which proxies' X-Forwarded-For to believe for the client address
   * (rate limits without keys, secure cookies). false, true, a hop count, or addresses/CIDRs.
   */
  @IsString()
  TRUST_PROXY = 'false';

  /** Origins browsers may call the API from (CORS); empty: none. */
  @Transform(toList) @IsString({ each: true })
  CORS_ORIGINS: string[] = [];

  /**
   * Host names /mcp answers besides localhost (DNS-rebinding protection): add the names
   * clients use to reach this server, e.g. "ads.example.com,192.168.0.10".
   */
  @Transform(toList) @IsString({ each: true })
  MCP_ALLOWED_HOSTS: string[] = [];

  /** The fallback for every provider role below (docs/providers.md). */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  OPENAI_BASE_URL?: string;

  @IsOptional() @IsString()
  OPENAI_API_KEY?: string;

  /** The image role: backgrounds. Unset with no OpenAI fallback: the embedded studio backdrops. */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  IMAGE_API_BASE_URL?: string;

  @IsOptional() @IsString()
  IMAGE_API_KEY?: string;

  @IsOptional() @IsString()
  IMAGE_MODEL?: string;

  /** Which server speaks for the image role: its request shape differs (docs/providers.md). */
  @IsIn(['openai', 'vllm-omni', 'sglang'])
  IMAGE_API_FLAVOR: 'openai' | 'vllm-omni' | 'sglang' = 'openai';

  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  IMAGE_API_TIMEOUT_MS = 120_000;

  /** Denoising steps sent to FLUX-style servers (vllm-omni, sglang); unset: the server's default. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200)
  IMAGE_INFERENCE_STEPS?: number;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  VISION_API_BASE_URL?: string;

  @IsOptional() @IsString()
  VISION_API_KEY?: string;

  @IsOptional() @IsString()
  VISION_MODEL?: string;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  LLM_API_BASE_URL?: string;

  @IsOptional() @IsString()
  LLM_API_KEY?: string;

  @IsOptional() @IsString()
  LLM_MODEL?: string;

  /**
   * Where generated homepages are published, a separate origin that proxies /sites/ of this
   * service (e.g. https://sites.example.com): site URLs become SITES_PUBLIC_URL/{id}/. Unset:
   * PUBLIC_URL/sites/{id}/.
   */
  @IsOptional() @Matches(/^https?:\/\/[^\s]+[^/]$/, { message: 'SITES_PUBLIC_URL must be an http(s) URL without a trailing slash' })
  SITES_PUBLIC_URL?: string;

  /**
   * A Qwen-Image-Layered endpoint for poster decomposition, in the request shape of the hosted
   * ones (fal-ai/qwen-image-layered): the full URL to POST to. Unset: the embedded decomposer.
   */
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  LAYERED_API_BASE_URL?: string;

  @IsOptional() @IsString()
  LAYERED_API_KEY?: string;

  /** How the key is sent: fal's `Authorization: Key ...` or `Bearer ...` (RunComfy, self-hosted). */
  @IsIn(['key', 'bearer'])
  LAYERED_API_AUTH: 'key' | 'bearer' = 'key';

  @Transform(toInt) @IsInt() @Min(1000) @Max(900_000)
  LAYERED_API_TIMEOUT_MS = 300_000;

  /** Denoising steps and guidance sent with each request (the hosted defaults). */
  @Transform(toInt) @IsInt() @Min(1) @Max(50)
  LAYERED_INFERENCE_STEPS = 28;

  @Transform(toFloat) @IsNumber() @Min(1) @Max(20)
  LAYERED_GUIDANCE_SCALE = 5;

  /** Vision and LLM calls' limit. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  CHAT_API_TIMEOUT_MS = 60_000;

  /** Retries of a 408/409/429/5xx answer (Retry-After honoured), per call. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10)
  PROVIDER_MAX_RETRIES = 2;

  /** Optional prices that turn a job's provider usage into an estimated cost (metrics.providers). */
  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0)
  PRICE_PER_IMAGE_USD?: number;

  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0)
  PRICE_PER_1M_INPUT_TOKENS_USD?: number;

  @IsOptional() @Transform(toFloat) @IsNumber() @Min(0)
  PRICE_PER_1M_OUTPUT_TOKENS_USD?: number;

  /** What a stage does when its provider fails: embedded (use the built-in one, say so) or fail the job. */
  @IsIn(['embedded', 'fail'])
  PROVIDER_FALLBACK: 'embedded' | 'fail' = 'embedded';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** The parsed API_KEYS and API_KEY; empty: the service is open (a laptop). */
  get apiKeys(): ApiKey[] {
    let keys = PARSED_KEYS.get(this);
    if (!keys) PARSED_KEYS.set(this, (keys = parseApiKeys(this.API_KEYS, this.API_KEY).keys));
    return keys;
  }

  get dataDir(): string {
    return path.resolve(this.DATA_DIR);
  }

  get ortCacheDir(): string {
    return path.resolve(this.ORT_CACHE_DIR ?? path.join(this.DATA_DIR, 'ort-cache'));
  }

  get fontsDir(): string {
    return path.resolve(this.FONTS_DIR);
  }

  get instanceId(): string {
    return this.INSTANCE_ID ?? defaultInstanceId(this.dataDir);
  }

  get modelsDir(): string {
    return path.resolve(this.MODELS_DIR);
  }
}

const PARSED_KEYS = new WeakMap<AppConfig, ApiKey[]>();

/** Optional settings have no default, so `new AppConfig()` does not list them. */
const OPTIONAL_KEYS = [
  'DATABASE_URL', 'CHROMIUM_PATH', 'PUBLIC_URL', 'SITES_PUBLIC_URL', 'API_KEYS', 'API_KEY', 'LINK_SECRET', 'WEBHOOK_URL', 'WEBHOOK_SECRET', 'INSTANCE_ID', 'ORT_CACHE_DIR',
  'S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY',
  'IMAGE_API_BASE_URL', 'IMAGE_API_KEY', 'IMAGE_MODEL', 'IMAGE_INFERENCE_STEPS', 'VISION_API_BASE_URL', 'VISION_API_KEY', 'VISION_MODEL',
  'LLM_API_BASE_URL', 'LLM_API_KEY', 'LLM_MODEL', 'LAYERED_API_BASE_URL', 'LAYERED_API_KEY', 'PRICE_PER_IMAGE_USD', 'PRICE_PER_1M_INPUT_TOKENS_USD', 'PRICE_PER_1M_OUTPUT_TOKENS_USD',
];
/** Never echoed in a config error: the message goes to logs. */
const SECRET_KEYS = new Set([
  'API_KEYS', 'API_KEY', 'LINK_SECRET', 'WEBHOOK_SECRET', 'S3_SECRET_ACCESS_KEY', 'DATABASE_URL', 'OPENAI_API_KEY', 'IMAGE_API_KEY', 'VISION_API_KEY', 'LLM_API_KEY', 'LAYERED_API_KEY',
]);

/** Host name plus a short hash of DATA_DIR: the same after a restart, distinct per data folder. */
function defaultInstanceId(dataDir: string): string {
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 8);
  return `${hostname().slice(0, 48)}:${digest}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every variable the service reads (scripts/check-compose.mjs holds the compose files to it). */
export const settingNames = (): string[] => [...Object.keys(new AppConfig()), ...OPTIONAL_KEYS];

/** Reads the variables AppConfig knows from `env`; throws one ConfigError naming every bad one. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<AppConfig> = {}): AppConfig {
  const raw: Record<string, unknown> = {};
  for (const key of settingNames()) {
    if (env[key] !== undefined && env[key] !== '') raw[key] = env[key];
  }
  const config = plainToInstance(AppConfig, { ...raw, ...overrides });
  const problems = validateSync(config, { forbidUnknownValues: false }).map((e) => {
    const shown = SECRET_KEYS.has(e.property) ? '(hidden)' : JSON.stringify(raw[e.property] ?? e.value);
    return `${e.property}=${shown}: ${Object.values(e.constraints ?? {}).join('; ')}`;
  });
  problems.push(...parseApiKeys(config.API_KEYS, config.API_KEY).problems.map((p) => `API_KEYS: ${p}`));
  problems.push(...webhookAllowProblems(config.WEBHOOK_ALLOW_PRIVATE));
  if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET) problems.push('WEBHOOK_URL needs WEBHOOK_SECRET (whsec_...) to sign deliveries');
  problems.push(...roleProblems(config));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * A role's own server without a model is a mistake worth stopping for. A shared
 * OPENAI_BASE_URL without a role's model only leaves that role on its embedded stage (one
 * vLLM serving the LLM need not serve images).
 */
export function roleProblems(config: AppConfig): string[] {
  const own = { IMAGE: [config.IMAGE_API_BASE_URL, config.IMAGE_MODEL], VISION: [config.VISION_API_BASE_URL, config.VISION_MODEL], LLM: [config.LLM_API_BASE_URL, config.LLM_MODEL] };
  return Object.entries(own)
    .filter(([, [url, model]]) => url && !model)
    .map(([prefix]) => `${prefix}_MODEL: ${prefix}_API_BASE_URL names a server but no model is set`);
}
