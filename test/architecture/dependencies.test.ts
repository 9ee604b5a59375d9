// The import rules of src/ (.dependency-cruiser.cjs) hold, and the top-level folders of src/
// form no cycle. A failure prints each offending import with the rule it breaks.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function cruiseSrc(): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(`${root}.dependency-cruiser.cjs`);
  const tsConfig = extractTSConfig(`${root}tsconfig.json`);
  const { output } = await cruise(['src'], { ...options, baseDir: root }, {}, { tsConfig });
  return output as ICruiseResult;
}

/** `src/app/x.ts` -> `app`; `src/config.ts` -> `config.ts`; anything outside src/ -> null. */
const topLevel = (path: string): string | null => /^src\/([^/]+)/.exec(path)?.[1] ?? null;

/** Strongly connected components with more than one node (Tarjan): the folders caught in cycles. */
function tangles(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return found;
}

/** The shortest cycle from `start` back to itself (breadth first), without repeating `start`. */
function shortestCycle(edges: Map<string, Set<string>>, start: string): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return path;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

describe('dependency rules of src/', () => {
  const result = cruiseSrc();

  it('every import follows the layering', { timeout: 60_000 }, async () => {
    const { violations } = (await result).summary;
    const rules = new Map((await result).summary.ruleSetUsed?.forbidden?.map((rule) => [rule.name, rule.comment]) ?? []);
    const why = [...new Set(violations.map((v) => v.rule.name))].map((name) => `${name}: ${rules.get(name) ?? ''}`);
    expect(
      violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`),
      `Rules broken (see .dependency-cruiser.cjs):\n${why.join('\n')}\n`,
    ).toEqual([]);
  });

  it('the top-level folders form no cycle', { timeout: 60_000 }, async () => {
    const edges = new Map<string, Set<string>>();
    /** One import per folder edge, to name in a failure. */
    const example = new Map<string, string>();
    for (const module of (await result).modules) {
      const from = topLevel(module.source);
      if (!from) continue;
      for (const dep of module.dependencies) {
        const to = topLevel(dep.resolved);
        if (!to || to === from) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
        if (!example.has(`${from}>${to}`)) example.set(`${from}>${to}`, `${module.source} -> ${dep.resolved}`);
      }
    }
    // Per tangle, the shortest cycle through each of its folders, each edge with one import that makes it.
    const found = tangles(edges).map((folders) => {
      const loops = new Set(folders.map((folder) => shortestCycle(edges, folder)!.join(' -> ')));
      const lines = [...loops].flatMap((loop) => {
        const hops = loop.split(' -> ');
        return [`  ${loop} -> ${hops[0]}`, ...hops.map((from, i) => `      ${example.get(`${from}>${hops[(i + 1) % hops.length]}`)}`)];
      });
      return [`${folders.join(', ')} import each other:`, ...lines].join('\n');
    });
    expect(found, `\n${found.join('\n')}`).toEqual([]);
  });
});

describe('tangles() and shortestCycle()', () => {
  const graph = (spec: Record<string, string[]>) => new Map(Object.entries(spec).map(([k, v]) => [k, new Set(v)]));
  it('finds nothing in a graph without cycles', () => {
    expect(tangles(graph({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([]);
  });
  it('finds the folders of each cycle and a shortest cycle through one', () => {
    expect(tangles(graph({ a: ['b'], b: ['c'], c: ['a', 'd'], d: ['e'], e: ['d'], f: ['a'] }))).toEqual([
      ['d', 'e'],
      ['a', 'b', 'c'],
    ]);
    expect(shortestCycle(graph({ a: ['b', 'c'], b: ['c'], c: ['a'] }), 'a')).toEqual(['a', 'c']);
    expect(shortestCycle(graph({ a: ['b'], b: [] }), 'a')).toBeUndefined();
  });
});
