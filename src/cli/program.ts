// `bodhi`: the gateway's command line. Every command has --help.
import { Command, InvalidArgumentError, Option } from 'commander';
import { SCOPES } from '../auth/scopes.js';
import { tokenState } from '../auth/token-service.js';
import type { Logger } from 'pino';
import { loadConfig, type Config, type ConfigFlags } from '../config.js';
import { API_FORMATS } from '../providers/formats.js';
import { VERSION } from '../version.js';
import { GROUP_BYS, parseBucket, parseSince, usageSummary } from '../usage/usage-service.js';
import type { Store, UsageGroupBy } from '../store/types.js';
import { toView, type ApiModelView } from '../models/api-model-service.js';
import { toLocalAliasView } from '../models/local-alias-service.js';
import { prefixCovers, sameId } from '../models/model-ids.js';
import { WEBSOCKET_FORMATS, claimedIds } from '../state/registry.js';
import { printTable, warn, withContext, type CliContext } from './context.js';
import { homeOption, databaseUrlOption, run, storeFlags, storeOptions, type StoreFlags } from './options.js';
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

/** 'none' clears a setting (not null: commander turns a parser's null into ''). */
const noneToNull = (v: string): string | null => (v.trim() === 'none' ? null : v);
const listOrNone = (v: string): string[] | 'none' => (v.trim() === 'none' ? 'none' : list(v));
function positiveIntOrNone(v: string): number | 'none' {
  return v.trim() === 'none' ? 'none' : positiveInt(v);
}

const BASE_URL_HELP =
  'upstream base URL as the provider documents it, e.g. https://api.openai.com/v1, https://api.anthropic.com/v1, https://generativelanguage.googleapis.com/v1beta';
const formatOption = () =>
  new Option('--format <format>', 'API format: openai (chat completions, embeddings), openai_responses (responses), anthropic (Anthropic Messages), gemini (Google Gemini)').choices([...API_FORMATS]);
const websocketOption = () =>
  new Option('--websocket <mode>', 'openai_responses: whether the upstream serves the Responses API over WebSocket; auto = on for api.openai.com, off otherwise').choices(Object.keys(WEBSOCKET_MODES));

type ApiModelFlags = StoreFlags & { apiKey?: string; apiKeyEnv?: string; models?: string[]; prefix?: string; forwardAll?: boolean; openaiOrganization?: string; openaiProject?: string };

/** The key from --api-key or the variable --api-key-env names; undefined when neither is given. */
function keyFromFlags(opts: { apiKey?: string; apiKeyEnv?: string }): string | undefined {
  if (opts.apiKeyEnv === undefined) return opts.apiKey;
  const key = process.env[opts.apiKeyEnv];
  if (!key) throw new Error(`environment variable ${opts.apiKeyEnv} is not set`);
  return key;
}

/** A token may name models before they are added; it is likely a typo, so say so (the token is still made). */
async function warnUnknownModels({ store }: CliContext, ids: readonly string[] | undefined): Promise<void> {
  if (!ids?.length) return;
  const [apiModels, localAliases, routers] = await Promise.all([store.listApiModels(), store.listLocalAliases(), store.listRouters()]);
  const known = [...apiModels.flatMap(claimedIds), ...localAliases.map((a) => a.name), ...routers.map((r) => r.name)];
  const unknown = ids.filter((id) => !known.some((k) => sameId(k, id)) && !apiModels.some((m) => m.forwardAll && prefixCovers(m.prefix, id)));
  if (unknown.length) {
    warn(`--allowed-models names ${unknown.map((id) => `'${id}'`).join(', ')}, which no API model, alias or router serves yet (see \`bodhi api-models list\`)`);
  }
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
        const loaded = loadConfig(opts);
        /** The start-up line: where to go, and how to get in on a fresh data dir. */
        const announce = async (logger: Logger, url: string, config: Config, store: Pick<Store, 'listTokens' | 'kind' | 'location'>, extra: Record<string, unknown> = {}) => {
          const ui = `${url}/ui/`;
          const docs = `${url}/swagger-ui`;
          const hasAdmin = (await store.listTokens()).some((t) => t.scope === 'admin' && tokenState(t) === 'active');
          // How to get in on a fresh data dir: the management API and the UI need an admin token.
          const where = [opts.home ? ` --home ${config.home}` : '', opts.databaseUrl ? ' --database-url <url>' : ''].join('');
          const adminHint = hasAdmin ? undefined : `no admin token yet: create one with \`bodhi tokens create --name admin --scope admin${where}\``;
          logger.info(
            { url, ui, docs, home: config.home, store: store.kind, database: store.location, ...extra, ...(adminHint ? { hint: adminHint } : {}) },
            `Bodhi Gateway listening on ${url} (web UI ${ui}, API docs ${docs})${adminHint ? `; ${adminHint}` : ''}`,
          );
          logger.flush(); // show the start-up lines now, not with the first 32 KiB of log
        };
        if (loaded.workers > 1) {
          // A node:cluster primary and its workers (each forked with these same arguments).
          const { serveCluster } = await import('../app/cluster.js');
          await serveCluster(loaded, { announce: (logger, url, store, extra) => announce(logger, url, loaded, store, extra) });
          return;
        }
        // Loaded here so the other commands start without the HTTP server, docs and UI plugins.
        const { handleSignals, startServer } = await import('../app/start.js');
        const server = await startServer(loaded);
        handleSignals(server);
        await announce(server.logger, server.url, server.gateway.config, server.gateway.store);
      }),
    );

  const apiModels = program.command('api-models').description('manage API models (upstream providers)');
  storeOptions(
    apiModels
      .command('add')
      .description('add an API model; prints it as JSON (never the key)')
      .requiredOption('--name <name>', 'unique name')
      .addOption(formatOption().makeOptionMandatory())
      .requiredOption('--base-url <url>', BASE_URL_HELP)
      .addOption(new Option('--api-key <key>', 'upstream API key (prefer --api-key-env: flags end up in shell history)').conflicts('apiKeyEnv'))
      .option('--api-key-env <var>', 'read the upstream API key from this environment variable')
      .option('--models <ids>', 'comma-separated model ids, e.g. gpt-5,gpt-4.1 or claude-sonnet-4-5', list)
      .option('--prefix <prefix>', 'prefix clients add to model ids, e.g. res/')
      .option('--forward-all', 'forward every model id that starts with the prefix')
      .option('--openai-organization <id>', 'openai formats: send OpenAI-Organization: <id> upstream (clients cannot set it), e.g. org-abc123')
      .option('--openai-project <id>', 'openai formats: send OpenAI-Project: <id> upstream (clients cannot set it), e.g. proj_abc123')
      .addOption(websocketOption().default('auto')),
  ).action(
    run(async (opts: ApiModelFlags & { name: string; format: string; baseUrl: string; websocket: string }) => {
      const apiKey = keyFromFlags(opts);
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
        if (!created.has_api_key) {
          warn(`API model '${created.name}' has no API key: calls go upstream without one (fine for a local server such as Ollama); add one with \`bodhi api-models update ${created.name} --api-key-env VAR\``);
        }
      });
    }),
  );
  storeOptions(apiModels.command('list').description('list API models').option('--json', 'print JSON')).action(
    run(async (opts: { json?: boolean } & StoreFlags) => {
      const rows = await withContext(storeFlags(opts), ({ apiModels }) => apiModels.list(), { readOnly: { empty: () => [] } });
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else {
        const shown = rows.map((r) => ({ ...r, websocket: websocketCell(r) }));
        printTable(shown, ['name', 'api_format', 'base_url', 'models', 'prefix', 'forward_all', 'has_api_key', 'websocket']);
      }
    }),
  );
  storeOptions(
    apiModels
      .command('update')
      .description('change an API model: only the flags given change, its id stays (routers and routing records keep working); prints it as JSON (never the key)')
      .argument('<name>', 'name (or id) of the API model')
      .option('--name <new-name>', 'rename it')
      .addOption(formatOption())
      .option('--base-url <url>', `${BASE_URL_HELP}; moving a stored key to another base URL needs the key given again`)
      .addOption(new Option('--api-key <key>', 'a new upstream API key (prefer --api-key-env)').conflicts(['apiKeyEnv']))
      .option('--api-key-env <var>', 'read the new upstream API key from this environment variable')
      .option('--no-api-key', 'remove the stored key')
      .option('--models <ids>', 'replaces the model ids, comma-separated', list)
      .option('--prefix <prefix>', 'prefix clients add to model ids, or none')
      .option('--forward-all', 'forward every model id that starts with the prefix')
      .option('--no-forward-all', 'serve only the listed models')
      .option('--openai-organization <id>', 'openai formats: OpenAI-Organization sent upstream, or none')
      .option('--openai-project <id>', 'openai formats: OpenAI-Project sent upstream, or none')
      .addOption(websocketOption()),
  ).action(
    run(async (name: string, opts: Omit<ApiModelFlags, 'apiKey'> & { apiKey?: string | false; name?: string; format?: string; baseUrl?: string; websocket?: string }) => {
      const given = ['name', 'format', 'baseUrl', 'apiKey', 'apiKeyEnv', 'models', 'prefix', 'forwardAll', 'openaiOrganization', 'openaiProject', 'websocket'].filter((k) => (opts as Record<string, unknown>)[k] !== undefined);
      if (given.length === 0) throw new Error('nothing to change: give a flag to change (see `bodhi api-models update --help`)');
      if (opts.apiKey === false && opts.apiKeyEnv !== undefined) throw new Error('--no-api-key cannot be used with --api-key-env');
      const apiKey = opts.apiKey === false ? null : keyFromFlags({ apiKeyEnv: opts.apiKeyEnv, apiKey: opts.apiKey });
      await withContext(storeFlags(opts), async ({ apiModels }) => {
        const current = toView(await apiModels.find(name));
        // The service takes every field: the current ones, with the flags given over them.
        const updated = await apiModels.update(current.id, {
          name: opts.name ?? current.name,
          api_format: opts.format ?? current.api_format,
          base_url: opts.baseUrl ?? current.base_url,
          models: opts.models ?? current.models,
          prefix: opts.prefix === undefined ? current.prefix : noneToNull(opts.prefix),
          forward_all: opts.forwardAll ?? current.forward_all,
          ...(apiKey !== undefined ? { api_key: apiKey } : {}),
          ...(opts.openaiOrganization !== undefined ? { openai_organization: noneToNull(opts.openaiOrganization) } : {}),
          ...(opts.openaiProject !== undefined ? { openai_project: noneToNull(opts.openaiProject) } : {}),
          ...(opts.websocket !== undefined ? { websocket: WEBSOCKET_MODES[opts.websocket] ?? null } : {}),
        });
        process.stdout.write(JSON.stringify(updated, null, 2) + '\n');
      });
    }),
  );
  storeOptions(apiModels.command('remove').description('remove an API model').argument('<name>', 'name (or id) of the API model')).action(
    run(async (name: string, opts: StoreFlags) => {
      await withContext(storeFlags(opts), async ({ apiModels }) => {
        const removed = await apiModels.remove(name);
        process.stdout.write(`removed API model '${removed.name}'\n`);
      });
    }),
  );

  const aliases = program.command('aliases').description('manage local aliases (GGUF models run by llama.cpp in the gateway)');
  storeOptions(
    aliases
      .command('add')
      .description('add a local alias; checks the file is a readable GGUF model; prints the alias as JSON')
      .requiredOption('--name <name>', 'the model id clients send, e.g. llama3')
      .requiredOption('--model-file <path>', 'path of the .gguf model file')
      .option('--context-size <n>', "context window in tokens (default: $BODHI_LOCAL_CONTEXT_SIZE or 4096, capped at the model's)", positiveInt)
      .option('--request-params <json>', 'request defaults as JSON, e.g. \'{"temperature":0.7,"max_tokens":512}\'', jsonObject),
  ).action(
    run(async (opts: { name: string; modelFile: string; contextSize?: number; requestParams?: Record<string, unknown> } & StoreFlags) => {
      await withContext(storeFlags(opts), async ({ localAliases }) => {
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
  storeOptions(aliases.command('list').description('list local aliases').option('--json', 'print JSON')).action(
    run(async (opts: { json?: boolean } & StoreFlags) => {
      const rows = await withContext(storeFlags(opts), ({ localAliases }) => localAliases.list(), { readOnly: { empty: () => [] } });
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else printTable(rows.map((r) => ({ ...r, request_params: JSON.stringify(r.request_params) })), ['name', 'model_file', 'context_size', 'request_params']);
    }),
  );
  storeOptions(
    aliases
      .command('update')
      .description('change a local alias: only the flags given change; prints it as JSON')
      .argument('<name>', 'name (or id) of the alias')
      .option('--name <new-name>', 'rename it')
      .option('--model-file <path>', 'path of the .gguf model file')
      .option('--context-size <n>', 'context window in tokens, or none for the default', positiveIntOrNone)
      .option('--request-params <json>', "replaces the request defaults (JSON object; '{}' clears them)", jsonObject),
  ).action(
    run(async (name: string, opts: { name?: string; modelFile?: string; contextSize?: number | 'none'; requestParams?: Record<string, unknown> } & StoreFlags) => {
      if ([opts.name, opts.modelFile, opts.contextSize, opts.requestParams].every((v) => v === undefined)) {
        throw new Error('nothing to change: give --name, --model-file, --context-size or --request-params');
      }
      await withContext(storeFlags(opts), async ({ localAliases }) => {
        const current = toLocalAliasView(await localAliases.find(name));
        const updated = await localAliases.update(current.id, {
          name: opts.name ?? current.name,
          model_file: opts.modelFile ?? current.model_file,
          context_size: opts.contextSize === undefined ? current.context_size : opts.contextSize === 'none' ? null : opts.contextSize,
          request_params: opts.requestParams ?? current.request_params,
        });
        process.stdout.write(JSON.stringify(updated, null, 2) + '\n');
      });
    }),
  );
  storeOptions(aliases.command('remove').description('remove a local alias').argument('<name>', 'name (or id) of the alias')).action(
    run(async (name: string, opts: StoreFlags) => {
      await withContext(storeFlags(opts), async ({ localAliases }) => {
        const removed = await localAliases.remove(name);
        process.stdout.write(`removed local alias '${removed.name}'\n`);
      });
    }),
  );

  addRouterCommands(program);

  const tokens = program.command('tokens').description('manage gateway API tokens');
  storeOptions(
    tokens
      .command('create')
      .description('create a token; prints it alone on one line, once')
      .requiredOption('--name <name>', 'a name to recognise it by')
      .addOption(new Option('--scope <scope>', 'what it may do').choices([...SCOPES]).default('user'))
      .option('--expires-at <time>', 'ISO 8601 expiry in the future, e.g. 2027-01-01T00:00:00Z')
      .option('--allowed-models <ids>', 'comma-separated model ids this token may call (default: all)', list)
      .option('--rate-limit-rpm <n>', 'requests per minute allowed to this token', positiveInt),
  ).action(
    run(async (opts: { name: string; scope: string; expiresAt?: string; allowedModels?: string[]; rateLimitRpm?: number } & StoreFlags) => {
      await withContext(storeFlags(opts), async (ctx) => {
        const { token } = await ctx.tokens.create({
          name: opts.name,
          scope: opts.scope,
          expires_at: opts.expiresAt,
          allowed_models: opts.allowedModels,
          rate_limit_rpm: opts.rateLimitRpm,
        });
        process.stdout.write(token + '\n');
        await warnUnknownModels(ctx, opts.allowedModels);
      });
    }),
  );
  storeOptions(tokens.command('list').description('list tokens (never their values)').option('--json', 'print JSON')).action(
    run(async (opts: { json?: boolean } & StoreFlags) => {
      const rows = await withContext(storeFlags(opts), ({ tokens }) => tokens.list(), { readOnly: { empty: () => [] } });
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      // The STATUS column shows the state, so an expired token does not read as active.
      else printTable(rows.map((r) => ({ ...r, status: r.state })), ['name', 'scope', 'status', 'token_hint', 'created_at', 'last_used_at', 'expires_at']);
    }),
  );
  storeOptions(
    tokens
      .command('update')
      .description('change a token (the token itself stays the same): only the flags given change; prints it as JSON (never the token)')
      .argument('<name>', 'name (or id) of the token')
      .option('--name <new-name>', 'rename it')
      .addOption(new Option('--scope <scope>', 'what it may do').choices([...SCOPES]))
      .option('--expires-at <time>', 'ISO 8601 expiry in the future, or none: never expires')
      .option('--allowed-models <ids>', 'comma-separated model ids this token may call, or none: all', listOrNone)
      .option('--rate-limit-rpm <n>', 'requests per minute allowed to this token, or none: no limit', positiveIntOrNone),
  ).action(
    run(async (name: string, opts: { name?: string; scope?: string; expiresAt?: string; allowedModels?: string[] | 'none'; rateLimitRpm?: number | 'none' } & StoreFlags) => {
      const input = {
        name: opts.name,
        scope: opts.scope,
        expires_at: opts.expiresAt === undefined ? undefined : noneToNull(opts.expiresAt),
        allowed_models: opts.allowedModels === 'none' ? null : opts.allowedModels,
        rate_limit_rpm: opts.rateLimitRpm === 'none' ? null : opts.rateLimitRpm,
      };
      if (Object.values(input).every((v) => v === undefined)) throw new Error('nothing to change: give --name, --scope, --expires-at, --allowed-models or --rate-limit-rpm');
      await withContext(storeFlags(opts), async (ctx) => {
        const updated = await ctx.tokens.update(name, input);
        process.stdout.write(JSON.stringify(updated, null, 2) + '\n');
        if (Array.isArray(input.allowed_models)) await warnUnknownModels(ctx, input.allowed_models);
      });
    }),
  );
  storeOptions(tokens.command('revoke').description('revoke a token (a running server refuses it within a second)').argument('<name>', 'name (or id) of the token')).action(
    run(async (name: string, opts: StoreFlags) => {
      await withContext(storeFlags(opts), async ({ tokens }) => {
        const current = await tokens.find(name);
        if (current.status === 'revoked') {
          process.stdout.write(`token '${current.name}' was already revoked; nothing changed\n`);
          return;
        }
        const revoked = await tokens.revoke(current.id);
        process.stdout.write(`revoked token '${revoked.name}'\n`);
      });
    }),
  );

  storeOptions(
    program
      .command('usage')
      .description('summarise requests and token usage from the request log')
      .option('--since <when>', 'window start: 30m, 24h, 7d or an ISO 8601 time', '24h')
      .addOption(new Option('--by <group>', 'group by').choices([...GROUP_BYS]).default('model'))
      .option('--bucket <width>', 'with --json: time-series bucket width, e.g. 1h')
      .option('--json', 'print JSON (includes the time series)'),
  ).action(
    run(async (opts: { since: string; by: UsageGroupBy; bucket?: string; json?: boolean } & StoreFlags) => {
      const q = { since: parseSince(opts.since), by: opts.by, ...(opts.bucket ? { bucketMs: parseBucket(opts.bucket) } : {}) };
      const summary = await withContext(storeFlags(opts), ({ store }) => usageSummary(store, q), {
        // No database yet: the same summary, with nothing in it.
        readOnly: { empty: () => usageSummary({ usageByGroup: async () => [], usageSeries: async () => [] }, q) },
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
        return;
      }
      process.stdout.write(`usage since ${summary.since} by ${opts.by}\n`);
      const rows = [...summary.groups.map((g) => ({ ...g, key: g.key ?? '(none)' })), { key: 'TOTAL', ...summary.totals }];
      printTable(rows, ['key', 'requests', 'errors', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cached_tokens', 'total_tokens']);
    }),
  );

  return program;
}

