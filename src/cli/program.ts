// `bodhi`: the gateway's command line. Every command has --help.
import { Command, InvalidArgumentError, Option } from 'commander';
import { SCOPES } from '../auth/scopes.js';
import { loadConfig, type ConfigFlags } from '../config.js';
import { API_FORMATS } from '../providers/formats.js';
import { VERSION } from '../version.js';
import { GROUP_BYS, parseBucket, parseSince, usageSummary } from '../usage/usage-service.js';
import type { UsageGroupBy } from '../store/types.js';
import type { ApiModelView } from '../models/api-model-service.js';
import { WEBSOCKET_FORMATS } from '../state/registry.js';
import { printTable, withContext } from './context.js';
import { databaseUrlOption, homeOption, run, storeFlags } from './options.js';
import { addRouterCommands } from './routers.js';

/** --websocket values: the stored setting each one means (auto: null, decided by the base URL). */
const WEBSOCKET_MODES: Record<string, boolean | null> = { auto: null, on: true, off: false };
/** The list table's cell: on/off, or auto with what it means now; '-' for formats without the setting. */
function websocketCell(m: ApiModelView): string | null {
  if (!(WEBSOCKET_FORMATS as readonly string[]).includes(m.api_format)) return null;
  const effective = m.websocket_effective ? 'on' : 'off';
  return m.websocket === null ? `auto (${effective})` : effective;
}
const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}
function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function jsonObject(v: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError('must be valid JSON, e.g. \'{"temperature":0.7}\'');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function buildCli(): Command {
  const program = new Command('bodhi')
    .description('Bodhi Gateway: one OpenAI-compatible API in front of your configured model providers.')
    .version(VERSION)
    .showHelpAfterError();

  program
    .command('serve')
    .description('run the gateway (default http://127.0.0.1:1135)')
    .option('--host <host>', 'address to listen on (default: $BODHI_HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default: $BODHI_PORT or 1135)', port)
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .option('--log-level <level>', 'trace|debug|info|warn|error (default: $BODHI_LOG_LEVEL or info)')
    .option('--workers <n>', 'processes serving the port, a number or auto (one per core) (default: $BODHI_WORKERS or 1)')
    .action(
      run(async (opts: ConfigFlags) => {
        const config = loadConfig(opts);
        if (config.workers > 1) {
          // A node:cluster primary and its workers (each forked with these same arguments).
          const { serveCluster } = await import('../app/cluster.js');
          await serveCluster(config);
          return;
        }
        // Loaded here so the other commands start without the HTTP server, docs and UI plugins.
        const { handleSignals, startServer } = await import('../app/start.js');
        const server = await startServer(config);
        handleSignals(server);
        server.logger.info({ url: server.url, home: server.gateway.config.home, store: server.gateway.store.kind, database: server.gateway.store.location }, `Bodhi Gateway listening on ${server.url}`);
        server.logger.flush(); // show the start-up lines now, not with the first 32 KiB of log
      }),
    );

  const apiModels = program.command('api-models').description('manage API models (upstream providers)');
  apiModels
    .command('add')
    .description('add an API model; prints it as JSON (never the key)')
    .requiredOption('--name <name>', 'unique name')
    .addOption(
      new Option(
        '--format <format>',
        'API format: openai (chat completions, embeddings), openai_responses (responses), anthropic (Anthropic Messages), gemini (Google Gemini)',
      )
        .choices([...API_FORMATS])
        .makeOptionMandatory(),
    )
    .requiredOption(
      '--base-url <url>',
      'upstream base URL as the provider documents it, e.g. https://api.openai.com/v1, https://api.anthropic.com/v1, https://generativelanguage.googleapis.com/v1beta',
    )
    .addOption(new Option('--api-key <key>', 'upstream API key (prefer --api-key-env: flags end up in shell history)').conflicts('apiKeyEnv'))
    .option('--api-key-env <var>', 'read the upstream API key from this environment variable')
    .option('--models <ids>', 'comma-separated model ids, e.g. gpt-5,gpt-4.1 or claude-sonnet-4-5', list)
    .option('--prefix <prefix>', 'prefix clients add to model ids, e.g. res/')
    .option('--forward-all', 'forward every model id that starts with the prefix')
    .option('--openai-organization <id>', 'openai formats: send OpenAI-Organization: <id> upstream (clients cannot set it), e.g. org-abc123')
    .option('--openai-project <id>', 'openai formats: send OpenAI-Project: <id> upstream (clients cannot set it), e.g. proj_abc123')
    .addOption(
      new Option('--websocket <mode>', 'openai_responses: whether the upstream serves the Responses API over WebSocket; auto = on for api.openai.com, off otherwise')
        .choices(Object.keys(WEBSOCKET_MODES))
        .default('auto'),
    )
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (opts: { name: string; format: string; baseUrl: string; apiKey?: string; apiKeyEnv?: string; models?: string[]; prefix?: string; forwardAll?: boolean; openaiOrganization?: string; openaiProject?: string; websocket: string; home?: string; databaseUrl?: string }) => {
        let apiKey = opts.apiKey;
        if (opts.apiKeyEnv !== undefined) {
          apiKey = process.env[opts.apiKeyEnv];
          if (!apiKey) throw new Error(`environment variable ${opts.apiKeyEnv} is not set`);
        }
        await withContext(storeFlags(opts), async ({ apiModels }) => {
          const created = await apiModels.create({
            name: opts.name,
            api_format: opts.format,
            base_url: opts.baseUrl,
            api_key: apiKey,
            models: opts.models ?? [],
            prefix: opts.prefix,
            forward_all: opts.forwardAll ?? false,
            openai_organization: opts.openaiOrganization ?? null,
            openai_project: opts.openaiProject ?? null,
            websocket: WEBSOCKET_MODES[opts.websocket] ?? null,
          });
          process.stdout.write(JSON.stringify(created, null, 2) + '\n');
        });
      }),
    );
  apiModels
    .command('list')
    .description('list API models')
    .option('--json', 'print JSON')
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (opts: { json?: boolean; home?: string; databaseUrl?: string }) => {
        await withContext(storeFlags(opts), async ({ apiModels }) => {
          const rows = await apiModels.list();
          if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          else {
            const shown = rows.map((r) => ({ ...r, websocket: websocketCell(r) }));
            printTable(shown, ['name', 'api_format', 'base_url', 'models', 'prefix', 'forward_all', 'has_api_key', 'websocket']);
          }
        });
      }),
    );
  apiModels
    .command('remove')
    .description('remove an API model')
    .argument('<name>', 'name (or id) of the API model')
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (name: string, opts: { home?: string; databaseUrl?: string }) => {
        await withContext(storeFlags(opts), async ({ apiModels }) => {
          const removed = await apiModels.remove(name);
          process.stdout.write(`removed API model '${removed.name}'\n`);
        });
      }),
    );

  const aliases = program.command('aliases').description('manage local aliases (GGUF models run by llama.cpp in the gateway)');
  aliases
    .command('add')
    .description('add a local alias; checks the file is a readable GGUF model; prints the alias as JSON')
    .requiredOption('--name <name>', 'the model id clients send, e.g. llama3')
    .requiredOption('--model-file <path>', 'path of the .gguf model file')
    .option('--context-size <n>', 'context window in tokens (default: $BODHI_LOCAL_CONTEXT_SIZE or 4096, capped at the model\'s)', positiveInt)
    .option('--request-params <json>', 'request defaults as JSON, e.g. \'{"temperature":0.7,"max_tokens":512}\'', jsonObject)
    .addOption(homeOption())
    .action(
      run(async (opts: { name: string; modelFile: string; contextSize?: number; requestParams?: Record<string, unknown>; home?: string }) => {
        await withContext({ home: opts.home }, async ({ localAliases }) => {
          const created = await localAliases.create({
            name: opts.name,
            model_file: opts.modelFile,
            context_size: opts.contextSize ?? null,
            request_params: opts.requestParams ?? {},
          });
          process.stdout.write(JSON.stringify(created, null, 2) + '\n');
        });
      }),
    );
  aliases
    .command('list')
    .description('list local aliases')
    .option('--json', 'print JSON')
    .addOption(homeOption())
    .action(
      run(async (opts: { json?: boolean; home?: string }) => {
        await withContext({ home: opts.home }, async ({ localAliases }) => {
          const rows = await localAliases.list();
          if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          else printTable(rows.map((r) => ({ ...r, request_params: JSON.stringify(r.request_params) })), ['name', 'model_file', 'context_size', 'request_params']);
        });
      }),
    );
  aliases
    .command('remove')
    .description('remove a local alias')
    .argument('<name>', 'name (or id) of the alias')
    .addOption(homeOption())
    .action(
      run(async (name: string, opts: { home?: string }) => {
        await withContext({ home: opts.home }, async ({ localAliases }) => {
          const removed = await localAliases.remove(name);
          process.stdout.write(`removed local alias '${removed.name}'\n`);
        });
      }),
    );

  addRouterCommands(program);

  const tokens = program.command('tokens').description('manage gateway API tokens');
  tokens
    .command('create')
    .description('create a token; prints it alone on one line, once')
    .requiredOption('--name <name>', 'a name to recognise it by')
    .addOption(new Option('--scope <scope>', 'what it may do').choices([...SCOPES]).default('user'))
    .option('--expires-at <time>', 'ISO 8601 expiry in the future, e.g. 2027-01-01T00:00:00Z')
    .option('--allowed-models <ids>', 'comma-separated model ids this token may call (default: all)', list)
    .option('--rate-limit-rpm <n>', 'requests per minute allowed to this token', positiveInt)
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (opts: { name: string; scope: string; expiresAt?: string; allowedModels?: string[]; rateLimitRpm?: number; home?: string; databaseUrl?: string }) => {
        await withContext(storeFlags(opts), async ({ tokens }) => {
          const { token } = await tokens.create({
            name: opts.name,
            scope: opts.scope,
            expires_at: opts.expiresAt,
            allowed_models: opts.allowedModels,
            rate_limit_rpm: opts.rateLimitRpm,
          });
          process.stdout.write(token + '\n');
        });
      }),
    );
  tokens
    .command('list')
    .description('list tokens (never their values)')
    .option('--json', 'print JSON')
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (opts: { json?: boolean; home?: string; databaseUrl?: string }) => {
        await withContext(storeFlags(opts), async ({ tokens }) => {
          const rows = await tokens.list();
          if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
          // The STATUS column shows the state, so an expired token does not read as active.
          else printTable(rows.map((r) => ({ ...r, status: r.state })), ['name', 'scope', 'status', 'token_hint', 'created_at', 'last_used_at', 'expires_at']);
        });
      }),
    );
  tokens
    .command('revoke')
    .description('revoke a token (a running server refuses it within a second)')
    .argument('<name>', 'name (or id) of the token')
    .addOption(homeOption())
    .addOption(databaseUrlOption())
    .action(
      run(async (name: string, opts: { home?: string; databaseUrl?: string }) => {
        await withContext(storeFlags(opts), async ({ tokens }) => {
          const revoked = await tokens.revoke(name);
          process.stdout.write(`revoked token '${revoked.name}'\n`);
        });
      }),
    );

  program
    .command('usage')
    .description('summarise requests and token usage from the request log')
    .option('--since <when>', 'window start: 30m, 24h, 7d or an ISO 8601 time', '24h')
    .addOption(new Option('--by <group>', 'group by').choices([...GROUP_BYS]).default('model'))
    .option('--bucket <width>', 'with --json: time-series bucket width, e.g. 1h')
    .option('--json', 'print JSON (includes the time series)')
    .addOption(homeOption())
    .action(
      run(async (opts: { since: string; by: UsageGroupBy; bucket?: string; json?: boolean; home?: string }) => {
        await withContext({ home: opts.home }, async ({ store }) => {
          const summary = await usageSummary(store, {
            since: parseSince(opts.since),
            by: opts.by,
            ...(opts.bucket ? { bucketMs: parseBucket(opts.bucket) } : {}),
          });
          if (opts.json) {
            process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
            return;
          }
          process.stdout.write(`usage since ${summary.since} by ${opts.by}\n`);
          const rows = [...summary.groups.map((g) => ({ ...g, key: g.key ?? '(none)' })), { key: 'TOTAL', ...summary.totals }];
          printTable(rows, ['key', 'requests', 'errors', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cached_tokens', 'total_tokens']);
        });
      }),
    );

  return program;
}

