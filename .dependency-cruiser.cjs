/**
 * Rules for the shape of src/ (`npm run lint` runs them): no import cycle, and the directions that
 * docs/architecture.md describes. Type-only imports count too: a cycle of types is still a cycle.
 * @see https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules cannot be understood, tested or moved apart.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      severity: 'error',
      comment: 'Folders are the rooms of src/: one that imports another must not be imported back by it.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a moved or mistyped module.',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'composition-root-only',
      severity: 'error',
      comment:
        'Only createService builds the app and the admin app (tests build through it too), so every instance has the same closers.',
      from: { pathNot: '^src/service/create-service[.]ts$' },
      to: { path: '^src/service/(app|admin-app)[.]ts$' },
    },
    {
      name: 'features-do-not-import-the-service',
      severity: 'error',
      comment: 'src/service/ wires the features together; a feature that imports it could no longer be wired.',
      from: { path: '^src/(?!service/)[^/]+/' },
      to: { path: '^src/service/' },
    },
    {
      name: 'only-the-service-reads-config',
      severity: 'error',
      comment:
        'Features and resources receive what they need and declare the settings they read (DataLayerSettings, TerminatorConfig, OverloadConfig); src/service/ hands them the Config.',
      from: { path: '^src/(?!service/|config/)[^/]+/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'supervisor-holds-no-service',
      severity: 'error',
      comment:
        'The supervisor outlives every release it runs, so it holds no Fastify, database or telemetry code: config, sockets and timing only.',
      from: { path: '^src/(supervisor/|supervisor[.]ts$)' },
      to: { path: '^src/', pathNot: '^src/(supervisor|sockets|timing|config)/' },
    },
    {
      name: 'observability-imports-no-feature',
      severity: 'error',
      comment:
        'observability/ keeps the registry, the scrape route, the request histogram and the logger; features register their own metrics on it.',
      from: { path: '^src/observability/' },
      to: { path: '^src/', pathNot: '^src/observability/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Compiled output (the stand-in package's dist/) is what was cruised already, as source.
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
