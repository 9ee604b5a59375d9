// `bodhi routers add|list|update|remove`: one model name clients send, over several API models.
// The flags map onto RouterInput; the service does the range checks and the conflicts.
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROUTER_DEFAULTS, ROUTER_STRATEGIES, type RouterInput, type RouterTargetInput, type RouterView } from '../models/router-service.js';
import { printTable, withContext } from './context.js';
import { run, storeFlags, storeOptions, type StoreFlags } from './options.js';

const TARGET_KEYS = ['api_model', 'model', 'weight', 'enabled'];
const TARGET_SYNTAX = 'api_model=<API model name>,model=<upstream model id>[,weight=<n>][,enabled=true|false]';

/**
 * One --target: comma-separated key=value parts, each split on its first `=` only, so model ids
 * may hold `:`, `/`, `@` and `=` (never a comma).
 */
export function parseTarget(spec: string): RouterTargetInput {
  const bad = (why: string) => new InvalidArgumentError(`${why}; expected ${TARGET_SYNTAX}`);
  const target: Record<string, string | number | boolean> = {};
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 1) throw bad(`'${part}' is not key=value`);
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!TARGET_KEYS.includes(key)) throw bad(`unknown key '${key}' (known: ${TARGET_KEYS.join(', ')})`);
    if (key in target) throw bad(`${key} is given twice`);
    if (value === '') throw bad(`${key} is empty`);
    if (key === 'weight') {
      if (!/^-?\d+$/.test(value)) throw bad(`weight '${value}' is not an integer`);
      target.weight = Number(value);
    } else if (key === 'enabled') {
      if (value !== 'true' && value !== 'false') throw bad(`enabled must be true or false, not '${value}'`);
      target.enabled = value === 'true';
    } else target[key] = value;
  }
  for (const key of ['api_model', 'model']) if (!(key in target)) throw bad(`${key} is missing`);
  return target;
}

const addTarget = (v: string, previous: RouterTargetInput[] | undefined): RouterTargetInput[] => [...(previous ?? []), parseTarget(v)];

function integer(v: string): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError('must be an integer');
  return Number(v);
}

// 'none' (not null: commander turns a parser's null into '') becomes max_attempts: null.
function maxAttempts(v: string): number | 'none' {
  return v.trim() === 'none' ? 'none' : integer(v);
}

function statuses(v: string): number[] {
  if (v.trim() === '' || v.trim() === 'none') return [];
  return v.split(',').map((raw) => {
    const s = raw.trim();
    if (!/^\d+$/.test(s)) throw new InvalidArgumentError(`'${s}' is not an HTTP status; give a comma-separated list, e.g. ${ROUTER_DEFAULTS.retryOnStatus.join(',')}`);
    return Number(s);
  });
}

type RouterFlags = StoreFlags & {
  name?: string;
  strategy?: string;
  target?: RouterTargetInput[];
  retryOn?: number[];
  maxAttempts?: number | 'none';
  failureThreshold?: number;
  failureWindowMs?: number;
  cooldownMs?: number;
  maxRetryAfterMs?: number;
};

/** The fields given on the command line (an omitted flag is left out, so update keeps it). */
function routerInput(o: RouterFlags): RouterInput {
  const all: RouterInput = {
    name: o.name,
    strategy: o.strategy,
    targets: o.target,
    retry_on_status: o.retryOn,
    max_attempts: o.maxAttempts === 'none' ? null : o.maxAttempts,
    failure_threshold: o.failureThreshold,
    failure_window_ms: o.failureWindowMs,
    cooldown_ms: o.cooldownMs,
    max_retry_after_ms: o.maxRetryAfterMs,
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as RouterInput;
}

/** --strategy, --target and the settings, shared by add and update. */
function routerOptions(cmd: Command, kind: 'add' | 'update'): Command {
  const strategy = new Option('--strategy <strategy>', 'fallback: targets in the order given, the next when one fails; weighted: drawn by weight').choices([...ROUTER_STRATEGIES]);
  const targetHelp =
    kind === 'add'
      ? `a target, repeatable, in fallback order: ${TARGET_SYNTAX} (weight default 1, enabled default true), e.g. api_model=openai-a,model=gpt-5,weight=3`
      : `replaces the whole target list; repeatable, in fallback order: ${TARGET_SYNTAX}`;
  const dflt = (value: string | number) => (kind === 'add' ? ` (default: ${value})` : '');
  cmd
    .addOption(kind === 'add' ? strategy.default(ROUTER_DEFAULTS.strategy) : strategy)
    .addOption(new Option('--target <spec>', targetHelp).argParser(addTarget).makeOptionMandatory(kind === 'add'))
    .option('--retry-on <statuses>', `upstream HTTP statuses that move the call to the next target, comma-separated, or none${dflt(ROUTER_DEFAULTS.retryOnStatus.join(','))}`, statuses)
    .option('--max-attempts <n>', `most upstream tries per request (1-32, each on another target), or none: one try per target${dflt('none')}`, maxAttempts)
    .option('--failure-threshold <n>', `failures within the window that put a target in cooldown${dflt(ROUTER_DEFAULTS.failureThreshold)}`, integer)
    .option('--failure-window-ms <ms>', `the window those failures are counted in${dflt(ROUTER_DEFAULTS.failureWindowMs)}`, integer)
    .option('--cooldown-ms <ms>', `how long a failing target is skipped before one trial call${dflt(ROUTER_DEFAULTS.cooldownMs)}`, integer)
    .option('--max-retry-after-ms <ms>', `longest retry-after from an upstream that is honoured by skipping the target${dflt(ROUTER_DEFAULTS.maxRetryAfterMs)}`, integer);
  return storeOptions(cmd);
}

const targetCell = (r: RouterView) => r.targets.map((t) => `${t.api_model}/${t.model} (w=${t.weight}${t.enabled ? '' : ', disabled'})`).join(', ');
const settingsCell = (r: RouterView) =>
  [
    `retry_on=${r.retry_on_status.join(',') || 'none'}`,
    `max_attempts=${r.max_attempts ?? 'none'}`,
    `failure_threshold=${r.failure_threshold}`,
    `failure_window_ms=${r.failure_window_ms}`,
    `cooldown_ms=${r.cooldown_ms}`,
    `max_retry_after_ms=${r.max_retry_after_ms}`,
  ].join(' ');

export function addRouterCommands(program: Command): void {
  const routers = program
    .command('routers')
    .description('manage routers: one model name clients send, served by several API models (fallback or weighted, with cooldowns)');

  routerOptions(
    routers
      .command('add')
      .description('add a router; prints it as JSON')
      .requiredOption('--name <name>', 'the model id clients send, e.g. team-default (must not clash with a model an API model or alias serves)'),
    'add',
  ).action(
    run(async (opts: RouterFlags) => {
      await withContext(storeFlags(opts), async ({ routers }) => {
        const created = await routers.create(routerInput(opts));
        process.stdout.write(JSON.stringify(created, null, 2) + '\n');
      });
    }),
  );

  const list = routers
    .command('list')
    .description('list routers with their targets in order (w = weight) and settings')
    .option('--json', 'print JSON');
  storeOptions(list).action(
    run(async (opts: { json?: boolean } & StoreFlags) => {
      const rows = await withContext(storeFlags(opts), ({ routers }) => routers.list(), { readOnly: { empty: () => [] } });
      if (opts.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else printTable(rows.map((r) => ({ name: r.name, strategy: r.strategy, format: r.api_format, targets: targetCell(r), settings: settingsCell(r) })), ['name', 'strategy', 'format', 'targets', 'settings']);
    }),
  );

  routerOptions(
    routers
      .command('update')
      .description('change a router: only the flags given change (--target replaces the whole list); prints it as JSON')
      .argument('<name>', 'name (or id) of the router')
      .option('--name <new-name>', 'rename it'),
    'update',
  ).action(
    run(async (name: string, opts: RouterFlags) => {
      const input = routerInput(opts);
      if (Object.keys(input).length === 0) throw new Error('nothing to change: give --name, --strategy, --target or a setting (see `bodhi routers update --help`)');
      await withContext(storeFlags(opts), async ({ routers }) => {
        const updated = await routers.update(name, input);
        process.stdout.write(JSON.stringify(updated, null, 2) + '\n');
      });
    }),
  );

  storeOptions(routers.command('remove').description('remove a router').argument('<name>', 'name (or id) of the router')).action(
    run(async (name: string, opts: StoreFlags) => {
      await withContext(storeFlags(opts), async ({ routers }) => {
        const removed = await routers.remove(name);
        process.stdout.write(`removed router '${removed.name}'\n`);
      });
    }),
  );
}
