// What a bench run does, from flags or environment variables (flags win). The defaults suit a 2-core
// machine where the server and the load generator share the CPUs: few enough connections that
// autocannon stays light, long enough runs that one noisy second does not decide a result.
import { parseArgs } from 'node:util';

export const usage = `usage: node test/bench/bench.mjs [options]   (or npm run bench -- [options])
  --duration S       measured seconds per run               BENCH_DURATION_S   default 10 (quick: 3)
  --warmup S         warm-up seconds before each run        BENCH_WARMUP_S     default 3 (quick: 1)
  --connections N    autocannon connections, pipelining 1   BENCH_CONNECTIONS  default 50
  --rounds N         rounds of every target, interleaved    BENCH_ROUNDS       default 3 (quick: 1)
  --starts N         service starts for startup and RSS     BENCH_STARTS       default 5 (quick: 3)
  --quick            short run for CI                       BENCH_QUICK=1
  --strict           exit 1 when a ratio target is missed   BENCH_STRICT=1
  --profile LIST     profile these targets (bare, service,  BENCH_PROFILE=LIST
                     service+tracing) with --cpu-prof and summarise each profile
  BENCH_INSTRUMENTATION=PATH         the --import module of the service targets, from the project root
                                     (default dist/instrumentation.js; without it: node dist/main.js)
  OTEL_TRACES_SAMPLER*, OTEL_BSP_*   passed on to the service+tracing target`;

const flags = {
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  rounds: { type: 'string' },
  starts: { type: 'string' },
  quick: { type: 'boolean' },
  strict: { type: 'boolean' },
  profile: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const profilable = ['bare', 'service', 'service+tracing'];

export function readOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({ args: argv, options: flags, strict: true });
  const quick = values.quick ?? env.BENCH_QUICK === '1';
  const number = (flag, envName, normal, quickValue, min) => {
    const text = values[flag] ?? env[envName];
    const value = text === undefined || text === '' ? (quick ? quickValue : normal) : Number(text);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`--${flag} / ${envName}: expected a number ≥ ${min}, got ${text}`);
    return value;
  };
  const profile = (values.profile ?? env.BENCH_PROFILE ?? '').split(',').filter(Boolean);
  const unknown = profile.filter((name) => !profilable.includes(name));
  if (unknown.length) throw new Error(`--profile: ${unknown.join(', ')}? expected some of ${profilable.join(', ')}`);
  return {
    help: values.help ?? false,
    quick,
    durationS: number('duration', 'BENCH_DURATION_S', 10, 3, 1),
    warmupS: number('warmup', 'BENCH_WARMUP_S', 3, 1, 0),
    connections: Math.round(number('connections', 'BENCH_CONNECTIONS', 50, 50, 1)),
    rounds: Math.round(number('rounds', 'BENCH_ROUNDS', 3, 1, 1)),
    starts: Math.round(number('starts', 'BENCH_STARTS', 5, 3, 1)),
    strict: values.strict ?? env.BENCH_STRICT === '1',
    profile,
  };
}
