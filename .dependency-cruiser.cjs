// Import rules of src/: which top-level folder may import which. Checked in `npm test` by
// test/architecture/dependencies.test.ts, which also fails on a cycle between top-level
// folders (a whole-graph property the rules below cannot express on their own).
// By hand: npm run lint:deps

/**
 * Top-level entries of src/, top to bottom. An entry may import itself and entries of LATER
 * layers only. Entries of one layer may import each other as long as no cycle forms, except
 * where a rule below says otherwise.
 */
const LAYERS = [
  ['cli'],
  ['app'],
  ['surfaces'],
  ['pipeline', 'models'],
  ['state'],
  ['providers'],
  ['upstream'],
  ['observability', 'usage', 'auth'],
  ['store'],
  ['crypto', 'errors', 'lib', 'domain', 'config.ts', 'version.ts'],
];

/** Path pattern of one top-level entry: a folder, or a file directly in src/. */
const entry = (name) => (name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`);
const anyOf = (names) => `(${names.map(entry).join('|')})`;

const upward = LAYERS.flatMap((layer, i) =>
  i === 0
    ? []
    : [
        {
          name: `upward-from-${layer.join('-').replace(/\.ts/g, '')}`,
          comment: `${layer.join(', ')} may not import a layer above: ${LAYERS.slice(0, i).flat().join(', ')}.`,
          severity: 'error',
          from: { path: anyOf(layer) },
          to: { path: anyOf(LAYERS.slice(0, i).flat()) },
        },
      ],
);

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'pipeline-models-apart',
      comment: 'pipeline/ (requests) and models/ (configuration services) share a layer and import neither way.',
      severity: 'error',
      from: { path: '^src/(pipeline|models)/' },
      to: { path: '^src/(pipeline|models)/', pathNot: '^src/$1/' },
    },
    {
      name: 'unknown-top-level',
      comment: 'Every top-level entry of src/ has a layer: add a new one to LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: anyOf(LAYERS.flat()) },
    },
    {
      name: 'unknown-top-level-importer',
      comment: 'Every top-level entry of src/ has a layer: add a new one to LAYERS in .dependency-cruiser.cjs.',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(LAYERS.flat()) },
      to: {},
    },
    {
      name: 'fastify-only-in-app-and-surfaces',
      comment: 'Fastify (and its plugins) belong to the HTTP edge: src/app and src/surfaces.',
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(['app', 'surfaces']) },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+)/' },
    },
    {
      name: 'no-test-or-bench-in-src',
      comment: 'Shipped code never imports test/ or bench/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import the resolver cannot find would escape every rule above.',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // `import type` couples layers as much as a value import does.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    // Node resolves ESM by the `import` condition; types by `types`.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
