/** @type {import('jest').Config} */
// Transpile only (tsconfig has isolatedModules); `npm run typecheck` does the type checking.
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true }] };

const project = (name, extra = {}) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import './x.js' (Node ESM); in tests that resolves to the .ts file.
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^(cookie|tedious)$': '<rootDir>/test/support/native-require/$1.cjs',
    // The workspace package by its name, from its TypeScript source: no build before a test run.
    '^tds-standin$': '<rootDir>/packages/tds-standin/src/index.ts',
  },
  transform,
  testEnvironment: 'node',
  ...extra,
});

export default {
  projects: [
    // The stand-in package's own tests: its protocol layer against real tedious, with a fake engine.
    project('tds-standin', { testMatch: ['<rootDir>/packages/tds-standin/test/**/*.test.ts'] }),
    project('unit'),
    project('integration', {
      globalSetup: '<rootDir>/test/support/db-global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/db-global-teardown.mjs',
    }),
    project('process', { slowTestThreshold: 30 }),
    // Static checks of the Dockerfile, Helm chart, kustomize tree and workflows; the global setup fetches
    // the Helm binaries the chart is rendered with.
    project('deploy', { globalSetup: '<rootDir>/test/support/deploy-tools-setup.mjs' }),
    // Rolling restarts behind HAProxy; slow, so `npm test` leaves it to `npm run test:rollout`.
    project('rollout', { slowTestThreshold: 120 }),
    // Restarts on one host (the supervisor's SIGHUP, socket activation); `npm run test:restart`.
    project('restart', { slowTestThreshold: 120 }),
  ],
  testTimeout: 60_000,
};
