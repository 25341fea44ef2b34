import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { runSupervisor, type SupervisorOptions } from '../../src/supervisor/supervisor.js';
import { fakeGeneration, type FakeGeneration } from '../support/fake-generation.js';
import { memoryLogger } from '../support/memory-logger.js';

const timings = { readyTimeoutMs: 5000, stopTimeoutMs: 3000, restartDelayMinMs: 100, restartDelayMaxMs: 1000 };

/** A supervisor over generations that are test doubles, with signals from an EventEmitter. */
function supervise(options: Partial<SupervisorOptions> = {}) {
  const { logger, lines } = memoryLogger();
  const signals = new EventEmitter();
  const generations: FakeGeneration[] = [];
  let settled: number | undefined;
  const status = runSupervisor({
    logger,
    signals,
    start: (number, context) => {
      const generation = fakeGeneration(number, context);
      generations.push(generation);
      return generation;
    },
    ...timings,
    ...options,
  }).then((code) => (settled = code));
  /** Generation `number` (1-based), which must have been started. */
  const generation = (number: number) => {
    const found = generations[number - 1];
    if (!found) throw new Error(`generation ${number} was never started (${generations.length} were)`);
    return found;
  };
  /** The log lines of one event. */
  const logged = (event: string) => lines.filter((l) => l.event === event);
  return {
    lines,
    signals,
    generations,
    generation,
    logged,
    status,
    settled: () => settled,
    /** Events of the supervisor's log, in order. */
    events: () => lines.map((l) => l.event),
  };
}

/** Lets promise chains run, and advances the fake clock by `ms`. */
const advance = (ms = 0) => jest.advanceTimersByTimeAsync(ms);

/** Boots generation 1 and makes it ready. */
async function serving(options: Partial<SupervisorOptions> = {}) {
  const supervisor = supervise(options);
  await advance();
  supervisor.generation(1).ready();
  await advance();
  return supervisor;
}

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('supervisor: boot', () => {
  it('starts generation 1 and serves with it once it is ready', async () => {
    const { generation, generations, logged, settled } = await serving();
    expect(generations).toHaveLength(1);
    expect(logged('generation-start')).toEqual([
      expect.objectContaining({ generation: 1, generationPid: 1001, reason: 'boot' }),
    ]);
    expect(logged('generation-ready')).toEqual([
      expect.objectContaining({ generation: 1, ports: { app: 8080, admin: 9090 } }),
    ]);
    await advance(60_000);
    expect(generation(1).received).toEqual([]);
    expect(settled()).toBeUndefined();
  });

  it('a first generation that fails exits 1 with boot-failed, after stopping it', async () => {
    const { generation, logged, status, settled } = supervise();
    await advance(200);
    generation(1).fail('startup failed: login failed for user svc');
    await advance();
    expect(generation(1).received).toEqual(['SIGTERM@200']);
    expect(settled()).toBeUndefined();
    generation(1).exit({ code: 1 });
    expect(await status).toBe(1);
    expect(logged('boot-failed')).toEqual([
      expect.objectContaining({ generation: 1, cause: 'startup failed: login failed for user svc', level: 60 }),
    ]);
  });

  it('a first generation that exits before it is ready exits 1, even if it exited 0', async () => {
    const { generation, logged, status } = supervise();
    await advance();
    generation(1).exit({ code: 0 });
    expect(await status).toBe(1);
    expect(logged('boot-failed')).toEqual([expect.objectContaining({ cause: 'exited before it was ready (code 0)' })]);
  });

  it('a first generation not ready within readyTimeoutMs gets SIGTERM, then SIGKILL, and the supervisor exits 1', async () => {
    const { generation, logged, status, settled } = supervise();
    await advance(4999);
    expect(generation(1).received).toEqual([]);
    await advance(1);
    expect(generation(1).received).toEqual(['SIGTERM@5000']);
    await advance(3000);
    expect(generation(1).received).toEqual(['SIGTERM@5000', 'SIGKILL@8000']);
    expect(settled()).toBeUndefined();
    generation(1).exit({ signal: 'SIGKILL' });
    expect(await status).toBe(1);
    expect(logged('boot-failed')).toEqual([expect.objectContaining({ cause: 'not ready within 5000 ms' })]);
  });
});

describe('supervisor: reload (SIGHUP)', () => {
  it('starts the next generation, hands over only once it is ready, and waits for the old one to exit', async () => {
    const { signals, generation, generations, logged } = await serving();
    signals.emit('SIGHUP');
    await advance();
    expect(generations).toHaveLength(2);
    expect(logged('generation-start')[1]).toMatchObject({ generation: 2, reason: 'reload' });

    await advance(2000);
    expect(generation(1).received).toEqual([]);
    generation(2).ready();
    await advance();
    expect(generation(1).received).toEqual(['handoff@2000']);
    expect(logged('handoff')).toEqual([expect.objectContaining({ from: 1, fromPid: 1001, to: 2, toPid: 1002 })]);

    // Until generation 1 is gone, the next SIGHUP waits.
    signals.emit('SIGHUP');
    await advance(1000);
    expect(generations).toHaveLength(2);
    generation(1).exit({ code: 0 });
    await advance();
    expect(generations).toHaveLength(3);
    expect(generation(2).received).toEqual([]);
  });

  it('an old generation that does not exit within stopTimeoutMs of the handoff gets SIGKILL', async () => {
    const { signals, generation, logged } = await serving();
    signals.emit('SIGHUP');
    await advance();
    generation(2).ready();
    await advance(2999);
    expect(generation(1).received).toEqual(['handoff@0']);
    await advance(1);
    expect(generation(1).received).toEqual(['handoff@0', 'SIGKILL@3000']);
    expect(logged('generation-kill')).toEqual([expect.objectContaining({ generation: 1, stopTimeoutMs: 3000 })]);
    expect(generation(2).received).toEqual([]);
  });

  it('a new generation that fails is stopped, and the old one keeps serving, never told anything (rollback)', async () => {
    const { signals, generation, generations, logged } = await serving();
    signals.emit('SIGHUP');
    await advance(300);
    generation(2).fail('startup failed: migration 0002 checksum changed');
    await advance();
    expect(generation(2).received).toEqual(['SIGTERM@300']);
    await advance(3000);
    expect(generation(2).received).toEqual(['SIGTERM@300', 'SIGKILL@3300']);
    generation(2).exit({ signal: 'SIGKILL' });
    await advance();

    expect(logged('rollback')).toEqual([
      expect.objectContaining({
        generation: 2,
        cause: 'startup failed: migration 0002 checksum changed',
        keeping: 1,
        keepingPid: 1001,
      }),
    ]);
    expect(logged('handoff')).toEqual([]);
    await advance(60_000);
    expect(generation(1).received).toEqual([]);
    expect(generations).toHaveLength(2);
  });

  it('a new generation not ready within readyTimeoutMs is stopped, and the old one keeps serving (rollback)', async () => {
    const { signals, generation, logged } = await serving();
    signals.emit('SIGHUP');
    await advance(4999);
    expect(generation(2).received).toEqual([]);
    await advance(1);
    expect(generation(2).received).toEqual(['SIGTERM@5000']);
    await advance(3000);
    expect(generation(2).received).toEqual(['SIGTERM@5000', 'SIGKILL@8000']);
    // Ready too late: it was already written off.
    generation(2).ready();
    generation(2).exit({ signal: 'SIGKILL' });
    await advance();
    expect(logged('rollback')).toEqual([
      expect.objectContaining({ generation: 2, cause: 'not ready within 5000 ms', keeping: 1 }),
    ]);
    expect(generation(1).received).toEqual([]);
  });

  it('after a rollback, the next SIGHUP tries again, from the generation that kept serving', async () => {
    const { signals, generation, generations } = await serving();
    signals.emit('SIGHUP');
    await advance();
    generation(2).exit({ code: 1 });
    await advance();
    signals.emit('SIGHUP');
    await advance();
    expect(generations).toHaveLength(3);
    generation(3).ready();
    await advance();
    expect(generation(1).received).toEqual(['handoff@0']);
  });

  it('a SIGHUP while the first generation boots waits for it, then hands over from it', async () => {
    const { signals, generation, generations } = supervise();
    await advance(100);
    signals.emit('SIGHUP');
    await advance(1000);
    expect(generations).toHaveLength(1);
    generation(1).ready();
    await advance();
    expect(generations).toHaveLength(2);
    generation(2).ready();
    await advance();
    expect(generation(1).received).toEqual(['handoff@1100']);
  });

  it('a SIGHUP while the first generation boots starts nothing if that one fails', async () => {
    const { signals, generation, generations, status } = supervise();
    signals.emit('SIGHUP');
    await advance(100);
    generation(1).exit({ code: 1 });
    expect(await status).toBe(1);
    await advance(60_000);
    expect(generations).toHaveLength(1);
  });

  it('SIGHUPs during a restart are queued as one: two of them make exactly one more restart', async () => {
    const { signals, generation, generations, logged } = await serving();
    signals.emit('SIGHUP');
    await advance(100);
    signals.emit('SIGHUP');
    signals.emit('SIGHUP');
    expect(logged('restart-requested').map((l) => l.alreadyQueued)).toEqual([false, false, true]);

    generation(2).ready();
    await advance();
    generation(1).exit({ code: 0 });
    await advance();
    expect(generations).toHaveLength(3);
    generation(3).ready();
    await advance();
    expect(generation(2).received).toEqual(['handoff@100']);
    generation(2).exit({ code: 0 });
    await advance(60_000);
    expect(generations).toHaveLength(3);
    expect(generation(3).received).toEqual([]);
  });
});

describe('supervisor: a generation started beside the serving one', () => {
  it('is a reload only: neither the first generation nor the replacement of a dead one has one serving beside it', async () => {
    const { signals, generation, generations } = await serving();
    signals.emit('SIGHUP');
    await advance();
    generation(2).ready();
    await advance();
    generation(1).exit({ code: 0 });
    await advance(5000);
    generation(2).exit({ code: 1 });
    await advance(100);
    expect(generations.map((g) => g.beside)).toEqual([false, true, false]);
  });

  it('once ready, its priority given back is in the ready line; a failure to give it back is a warning naming the cause', async () => {
    const { signals, generation, logged } = await serving();
    signals.emit('SIGHUP');
    await advance();
    generation(2).ready(undefined, { nice: 0, threads: 11 });
    await advance();
    generation(1).exit({ code: 0 });
    signals.emit('SIGHUP');
    await advance();
    generation(3).ready(undefined, { nice: 0, error: 'permission denied' });
    await advance();
    expect(logged('generation-ready').slice(1)).toEqual([
      expect.objectContaining({ generation: 2, priority: { nice: 0, threads: 11 }, level: 30 }),
      expect.objectContaining({
        generation: 3,
        priority: { nice: 0, error: 'permission denied' },
        level: 40,
        msg: expect.stringContaining('could not set it back to nice 0: permission denied'),
      }),
    ]);
  });
});

describe('supervisor: a generation that dies on its own (crash)', () => {
  it('is replaced after restartDelayMinMs', async () => {
    const { generation, generations, logged } = await serving();
    await advance(5000);
    generation(1).exit({ code: 1 });
    await advance(99);
    expect(generations).toHaveLength(1);
    await advance(1);
    expect(generations).toHaveLength(2);
    expect(logged('crash')).toEqual([
      expect.objectContaining({ generation: 1, code: 1, signal: null, restartInMs: 100, level: 50 }),
    ]);
    expect(logged('generation-start')[1]).toMatchObject({ generation: 2, reason: 'restart' });
    generation(2).ready();
    await advance(60_000);
    expect(generations).toHaveLength(2);
  });

  it('the delay doubles, up to restartDelayMaxMs, while the replacements fail', async () => {
    const { generation, generations, logged } = await serving();
    await advance(5000);
    generation(1).exit({ signal: 'SIGSEGV' });
    const startedAfter: number[] = [];
    let previousAt = Date.now();
    for (let number = 2; number <= 7; number++) {
      while (generations.length < number) await advance(1);
      startedAfter.push(Date.now() - previousAt);
      generation(number).exit({ code: 1 });
      await advance();
      previousAt = Date.now();
    }
    expect(startedAfter).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(logged('restart-failed').map((l) => l.restartInMs)).toEqual([200, 400, 800, 1000, 1000, 1000]);
  });

  it('the delay goes back to restartDelayMinMs once a replacement served longer than restartDelayMaxMs', async () => {
    const { generation, generations, logged } = await serving();
    generation(1).exit({ code: 1 });
    await advance(100);
    generation(2).exit({ code: 1 });
    await advance(200);
    generation(3).exit({ code: 1 });
    await advance(400);
    expect(generations).toHaveLength(4);
    generation(4).ready();
    await advance(1001);
    generation(4).exit({ code: 1 });
    await advance();
    expect(logged('crash').map((l) => l.restartInMs)).toEqual([100, 100]);
    await advance(99);
    expect(generations).toHaveLength(4);
    await advance(1);
    expect(generations).toHaveLength(5);
  });

  it('replacements that die soon after they were ready keep the delay growing', async () => {
    const { generation, generations, logged } = await serving();
    for (let number = 1; number <= 4; number++) {
      while (generations.length < number) await advance(1);
      generation(number).ready();
      await advance(50);
      generation(number).exit({ code: 1 });
      await advance();
    }
    expect(logged('crash').map((l) => l.restartInMs)).toEqual([100, 200, 400, 800]);
  });

  it('one that exits because the supervisor stops it is not a crash', async () => {
    const { signals, generation, generations, logged, status } = await serving();
    signals.emit('SIGTERM');
    generation(1).exit({ code: 0 });
    expect(await status).toBe(0);
    await advance(60_000);
    expect(logged('crash')).toEqual([]);
    expect(generations).toHaveLength(1);
  });
});

describe('supervisor: SIGTERM and SIGINT', () => {
  it.each<{
    signal: 'SIGTERM' | 'SIGINT';
    what: string;
    exit: { code?: number; signal?: NodeJS.Signals };
    expected: number;
  }>([
    { signal: 'SIGTERM', what: 'exits 0', exit: { code: 0 }, expected: 0 },
    { signal: 'SIGTERM', what: 'exits 1 (something was forced)', exit: { code: 1 }, expected: 1 },
    { signal: 'SIGINT', what: 'dies of it', exit: { signal: 'SIGINT' }, expected: 130 },
    { signal: 'SIGTERM', what: 'dies of it', exit: { signal: 'SIGTERM' }, expected: 143 },
  ])(
    '$signal goes to the serving generation; when that $what, the supervisor exits with status $expected',
    async ({ signal, exit, expected }) => {
      const { signals, generation, logged, status, settled } = await serving();
      await advance(1000);
      signals.emit(signal);
      await advance();
      expect(generation(1).received).toEqual([`${signal}@1000`]);
      expect(settled()).toBeUndefined();
      generation(1).exit(exit);
      expect(await status).toBe(expected);
      expect(logged('stopped')).toEqual([expect.objectContaining({ exitStatus: expected, generation: 1 })]);
    },
  );

  it('a serving generation that does not stop within stopTimeoutMs gets SIGKILL: status 137', async () => {
    const { signals, generation, status } = await serving();
    signals.emit('SIGTERM');
    await advance(3000);
    expect(generation(1).received).toEqual(['SIGTERM@0', 'SIGKILL@3000']);
    generation(1).exit({ signal: 'SIGKILL' });
    expect(await status).toBe(137);
  });

  it('SIGTERM during a reload stops both generations; the status is the serving one’s', async () => {
    const { signals, generation, generations, logged, status, settled } = await serving();
    signals.emit('SIGHUP');
    await advance(500);
    signals.emit('SIGTERM');
    await advance();
    expect(generation(1).received).toEqual(['SIGTERM@500']);
    expect(generation(2).received).toEqual(['SIGTERM@500']);
    generation(2).exit({ code: 0 });
    await advance();
    expect(settled()).toBeUndefined();
    generation(1).exit({ code: 1 });
    expect(await status).toBe(1);
    expect(logged('rollback')).toEqual([]);
    expect(logged('handoff')).toEqual([]);
    expect(generations).toHaveLength(2);
  });

  it('SIGTERM during a handoff stops both; the status is the new one’s, which was serving', async () => {
    const { signals, generation, status } = await serving();
    signals.emit('SIGHUP');
    await advance();
    generation(2).ready();
    await advance(100);
    signals.emit('SIGTERM');
    await advance();
    expect(generation(1).received).toEqual(['handoff@0', 'SIGTERM@100']);
    expect(generation(2).received).toEqual(['SIGTERM@100']);
    generation(1).exit({ code: 0 });
    generation(2).exit({ signal: 'SIGTERM' });
    expect(await status).toBe(143);
  });

  it('a SIGHUP once stopping starts nothing', async () => {
    const { signals, generation, generations, status } = await serving();
    signals.emit('SIGTERM');
    signals.emit('SIGHUP');
    await advance(1000);
    expect(generations).toHaveLength(1);
    generation(1).exit({ code: 0 });
    expect(await status).toBe(0);
  });

  it('SIGTERM while the first generation boots stops it, and the status is its own', async () => {
    const { signals, generation, logged, status } = supervise();
    await advance(100);
    signals.emit('SIGTERM');
    await advance();
    expect(generation(1).received).toEqual(['SIGTERM@100']);
    generation(1).exit({ code: 0 });
    expect(await status).toBe(0);
    expect(logged('boot-failed')).toEqual([]);
  });

  it('after it resolves, it no longer listens to signals', async () => {
    const { signals, generation, status } = await serving();
    signals.emit('SIGTERM');
    generation(1).exit({ code: 0 });
    await status;
    expect(['SIGHUP', 'SIGTERM', 'SIGINT'].map((name) => signals.listenerCount(name))).toEqual([0, 0, 0]);
  });
});
