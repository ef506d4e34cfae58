// The house plan's arrows as lint rules (docs/architecture.md, "Packages"):
//   protocol ← store, client ← server ← dashboard   (dashboard may also use client)
// and its "nevers": nothing in protocol opens a file, nothing in store opens a socket,
// nothing imports server from client. `npm run lint:boundaries` checks the packages'
// source (tests may reach further: a client test boots a real broker).
// Workspace packages are kept as symlinks (node_modules/@rocketmq-ts/<name>) so that an
// import counts as a package import, checked against the importer's own package.json.

const source = (pkg) => `^packages/${pkg}/src/`;
const workspace = (pkgs) => `^node_modules/@rocketmq-ts/(${pkgs})/`;
const otherPackagesRelative = (pkg) => `^packages/(?!${pkg}/)`;
const notTests = '\\.test\\.ts$';

/** Each package may import only the workspace packages the plan allows it. */
const allowed = {
  protocol: [],
  store: ['protocol'],
  client: ['protocol'],
  server: ['protocol', 'store', 'client'],
  dashboard: ['client', 'protocol'],
};
const all = Object.keys(allowed);

const packageRules = Object.entries(allowed).flatMap(([pkg, may]) => {
  const forbidden = all.filter((other) => other !== pkg && !may.includes(other));
  return [
    ...(forbidden.length === 0
      ? []
      : [
          {
            name: `${pkg}-imports-only-${may.join('-') || 'itself'}`,
            comment: `packages/${pkg} may import ${may.length ? may.map((p) => '@rocketmq-ts/' + p).join(', ') : 'no other workspace package'} (docs/architecture.md)`,
            severity: 'error',
            from: { path: source(pkg), pathNot: notTests },
            to: { path: workspace(forbidden.join('|')) },
          },
        ]),
    {
      name: `${pkg}-no-relative-reach-into-other-packages`,
      comment: `packages/${pkg} reaches another package through its package name, never a relative path`,
      severity: 'error',
      from: { path: source(pkg), pathNot: notTests },
      to: { path: otherPackagesRelative(pkg) },
    },
  ];
});

export default {
  forbidden: [
    ...packageRules,
    {
      name: 'protocol-opens-no-file',
      comment: 'protocol is a pure codec and transport: it never touches the file system',
      severity: 'error',
      from: { path: source('protocol'), pathNot: notTests },
      to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'store-opens-no-socket',
      comment: 'the store never opens a socket: replication networking lives in the broker (server/broker/ha)',
      severity: 'error',
      from: { path: source('store'), pathNot: notTests },
      to: { dependencyTypes: ['core'], path: '^(node:)?(net|tls|dgram|http|https|http2)$' },
    },
    {
      name: 'no-circular',
      comment: 'a module cycle inside a package (e.g. admin.ts ↔ message-lookup.ts) means one of them holds two jobs',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { circular: true },
    },
    {
      name: 'declared-dependencies-only',
      comment: 'every package a module imports is declared in its own package.json dependencies',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/', pathNot: notTests },
      to: { dependencyTypes: ['npm-dev', 'npm-no-pkg', 'npm-unknown', 'unknown', 'undetermined'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    preserveSymlinks: true,
    combinedDependencies: false,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['rocketmq-ts-source', 'import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    moduleSystems: ['es6'],
  },
};
