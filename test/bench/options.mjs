// What a bench run does, from flags or environment variables (flags win). The defaults suit a 2-core
// machine where the server and the load generator share the CPUs: few enough connections that
// autocannon stays light, long enough runs that one noisy second does not decide a result, and enough
// rounds that the median is not one disturbed round.
import { parseArgs } from 'node:util';
import { targets } from './targets.mjs';

const targetNames = targets.map((t) => t.name);

export const usage = `usage: node test/bench/bench.mjs [options]   (or npm run bench -- [options])
  --duration S       measured seconds per run               BENCH_DURATION_S   default 10 (quick: 3)
  --warmup S         warm-up seconds before each run        BENCH_WARMUP_S     default 3 (quick: 1)
  --connections N    autocannon connections, pipelining 1   BENCH_CONNECTIONS  default 50
  --rounds N         rounds of every target, interleaved    BENCH_ROUNDS       default 5 (quick: 1)
  --starts N         service starts for startup and RSS     BENCH_STARTS       default 5 (quick: 3)
  --quick            short run for CI                       BENCH_QUICK=1
  --strict           exit 1 when a ratio target is missed   BENCH_STRICT=1
                     (never in quick runs: their ratios are printed, not judged)
  --targets LIST     run only these targets, and those      BENCH_TARGETS=LIST
                     their ratios and checks compare with
  --profile LIST     profile these targets with --cpu-prof  BENCH_PROFILE=LIST
                     and summarise each profile (comma-separated, of:
                     ${targetNames.join(', ')})
  BENCH_INSTRUMENTATION=PATH   the --import module of the service targets, from the project root
                               (default dist/instrumentation.js; without it: node dist/main.js)
  OTEL_BSP_*                   passed on to every traced target (the sampler is each target's own)`;

const flags = {
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  rounds: { type: 'string' },
  starts: { type: 'string' },
  quick: { type: 'boolean' },
  strict: { type: 'boolean' },
  profile: { type: 'string' },
  targets: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

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
  const names = (flag, text) => {
    const list = (text ?? '').split(',').filter(Boolean);
    const unknown = list.filter((name) => !targetNames.includes(name));
    if (unknown.length) throw new Error(`--${flag}: ${unknown.join(', ')}? expected some of ${targetNames.join(', ')}`);
    return list;
  };
  const profile = names('profile', values.profile ?? env.BENCH_PROFILE);
  const only = names('targets', values.targets ?? env.BENCH_TARGETS);
  return {
    help: values.help ?? false,
    quick,
    durationS: number('duration', 'BENCH_DURATION_S', 10, 3, 1),
    warmupS: number('warmup', 'BENCH_WARMUP_S', 3, 1, 0),
    connections: Math.round(number('connections', 'BENCH_CONNECTIONS', 50, 50, 1)),
    rounds: Math.round(number('rounds', 'BENCH_ROUNDS', 5, 1, 1)),
    starts: Math.round(number('starts', 'BENCH_STARTS', 5, 3, 1)),
    strict: values.strict ?? env.BENCH_STRICT === '1',
    profile,
    targets: only.length ? withBaselines(only) : targetNames,
  };
}

/** The targets named, and every target their ratios and checks compare with, in the bench's order. */
function withBaselines(names) {
  const wanted = new Set(names);
  for (let size = 0; size !== wanted.size;) {
    size = wanted.size;
    for (const target of targets.filter((t) => wanted.has(t.name))) {
      wanted.add(target.ratioTo ?? 'bare');
      for (const check of target.checks ?? []) wanted.add(check.baseline);
    }
  }
  return targetNames.filter((name) => wanted.has(name));
}
