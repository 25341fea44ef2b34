import { describe, expect, it } from '@jest/globals';
import { cannotRestore } from '../../src/supervisor/priority.js';

/** /proc/self/status and /proc/self/limits as Linux writes them, with the parts read here. */
function proc({ capEff, niceLimit }: { capEff: string; niceLimit: string }) {
  return (path: string) =>
    path.endsWith('/status')
      ? `Name:\tnode\nCapInh:\t0000000000000000\nCapPrm:\t${capEff}\nCapEff:\t${capEff}\n`
      : `Limit                     Soft Limit           Hard Limit           Units\n` +
        `Max nice priority         ${niceLimit.padEnd(21)}${niceLimit.padEnd(21)}\n` +
        `Max realtime priority     0                    0\n`;
}

describe('cannotRestore: may the supervisor set a generation it started nicer back to its own nice value', () => {
  it('with CAP_SYS_NICE (root), yes', () => {
    expect(cannotRestore(0, proc({ capEff: '000001ffffffffff', niceLimit: '0' }))).toBeUndefined();
    // Only bit 23 set.
    expect(cannotRestore(0, proc({ capEff: '0000000000800000', niceLimit: '0' }))).toBeUndefined();
  });

  it('without it, as far as RLIMIT_NICE reaches: 20 − the limit (LimitNICE=+0 is 20)', () => {
    expect(cannotRestore(0, proc({ capEff: '0000000000000000', niceLimit: '20' }))).toBeUndefined();
    expect(cannotRestore(5, proc({ capEff: '0000000000000000', niceLimit: '15' }))).toBeUndefined();
    expect(cannotRestore(0, proc({ capEff: '0000000000000000', niceLimit: 'unlimited' }))).toBeUndefined();
  });

  it('an ordinary user (limit 0) may not, and is told which setting allows it', () => {
    expect(cannotRestore(0, proc({ capEff: '0000000000000000', niceLimit: '0' }))).toBe(
      'neither CAP_SYS_NICE nor RLIMIT_NICE 0 lets a process go back to nice 0 (LimitNICE=+0 in the unit allows it)',
    );
    expect(cannotRestore(0, proc({ capEff: '0000000000400000', niceLimit: '19' }))).toMatch(/RLIMIT_NICE 19/);
  });
});
