import { describe, expect, it } from '@jest/globals';
import { describeListening, inheritedListeners, ListenFdsError } from '../../src/sockets/listen-fds.js';

const pid = 4242;
const everyFdIsASocket = () => true;
const noUnixSockets = () => false;

/** The problems inheritedListeners reports for `env`, or the listeners it returns. */
function read(
  env: Record<string, string | undefined>,
  isSocket: (fd: number) => boolean = everyFdIsASocket,
  isUnixSocket: (fd: number) => boolean = noUnixSockets,
) {
  try {
    return { listeners: inheritedListeners(env, pid, isSocket, isUnixSocket) };
  } catch (error) {
    if (!(error instanceof ListenFdsError)) throw error;
    return { problems: error.problems, message: error.message };
  }
}

describe('inherited listeners (LISTEN_FDS)', () => {
  it('without LISTEN_FDS (or with it empty), the service binds its own ports', () => {
    expect(read({})).toEqual({ listeners: undefined });
    expect(read({ LISTEN_FDS: '', LISTEN_PID: String(pid) })).toEqual({ listeners: undefined });
  });

  it('two named descriptors from fd 3 on are the app and admin listeners, in the order named', () => {
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:admin' })).toEqual({
      listeners: { app: 3, admin: 4 },
    });
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'admin:app' })).toEqual({
      listeners: { admin: 3, app: 4 },
    });
  });

  it('one descriptor named app leaves the admin listener to bind its own port', () => {
    expect(read({ LISTEN_FDS: '1', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app' })).toEqual({
      listeners: { app: 3 },
    });
  });

  it('LISTEN_PID of another process: the descriptors were not meant for this one', () => {
    const { problems, message } = read({ LISTEN_FDS: '2', LISTEN_PID: '99', LISTEN_FDNAMES: 'app:admin' });
    expect(problems).toEqual([
      'LISTEN_PID: 99 is another process (this one is 4242); the descriptors were not passed to it',
    ]);
    expect(message).toBe(
      'inherited listeners (LISTEN_FDS) are unusable:\n  - LISTEN_PID: 99 is another process (this one is 4242); the descriptors were not passed to it',
    );
  });

  it('LISTEN_PID missing is a problem of its own', () => {
    expect(read({ LISTEN_FDS: '2', LISTEN_FDNAMES: 'app:admin' }).problems).toEqual([
      'LISTEN_PID: not set; the protocol names the process the descriptors are for',
    ]);
  });

  it.each(['0', '-1', 'two', '2.5', '02'])('LISTEN_FDS=%s is not a count of descriptors', (count) => {
    expect(read({ LISTEN_FDS: count, LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:admin' }).problems).toEqual([
      `LISTEN_FDS: ${JSON.stringify(count)} is not a count of descriptors`,
    ]);
  });

  it('a bad count and a wrong LISTEN_PID are listed together', () => {
    expect(read({ LISTEN_FDS: 'x', LISTEN_PID: '1', LISTEN_FDNAMES: 'app' }).problems).toEqual([
      'LISTEN_FDS: "x" is not a count of descriptors',
      'LISTEN_PID: 1 is another process (this one is 4242); the descriptors were not passed to it',
    ]);
  });

  it.each(['1', '2'])('LISTEN_FDS=%s without LISTEN_FDNAMES asks for the names', (count) => {
    expect(read({ LISTEN_FDS: count, LISTEN_PID: String(pid) }).problems).toEqual([
      `LISTEN_FDNAMES: "" names 0 of ${count} descriptor(s); name each app or admin (FileDescriptorName= in the .socket unit)`,
    ]);
  });

  it('fewer names than descriptors', () => {
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app' }).problems).toEqual([
      'LISTEN_FDNAMES: "app" names 1 of 2 descriptor(s); name each app or admin (FileDescriptorName= in the .socket unit)',
    ]);
  });

  it('a name other than app or admin is named, with its descriptor', () => {
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:metrics' }).problems).toEqual([
      'LISTEN_FDNAMES: fd 4 is named "metrics", not app or admin',
    ]);
  });

  it('a name given twice', () => {
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:app' }).problems).toEqual([
      'LISTEN_FDNAMES: app is named twice',
    ]);
  });

  it('a descriptor that is not a socket (a file, a pipe, or closed)', () => {
    const onlyFd3 = (fd: number) => fd === 3;
    expect(read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:admin' }, onlyFd3).problems).toEqual([
      'fd 4 (admin) is not a socket',
    ]);
  });

  it('a UNIX socket is not a TCP socket', () => {
    const fd4IsUnix = (fd: number) => fd === 4;
    expect(
      read({ LISTEN_FDS: '2', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:admin' }, everyFdIsASocket, fd4IsUnix)
        .problems,
    ).toEqual(['fd 4 (admin) is not a TCP socket (a UNIX socket)']);
  });

  it('every descriptor that is wrong is listed, not just the first', () => {
    const noSockets = () => false;
    expect(
      read({ LISTEN_FDS: '3', LISTEN_PID: String(pid), LISTEN_FDNAMES: 'app:admin:other' }, noSockets).problems,
    ).toEqual([
      'fd 3 (app) is not a socket',
      'fd 4 (admin) is not a socket',
      'LISTEN_FDNAMES: fd 5 is named "other", not app or admin',
    ]);
  });

  it('by default, LISTEN_PID must name this process', () => {
    const env = { LISTEN_FDS: '2', LISTEN_PID: String(process.pid + 1), LISTEN_FDNAMES: 'app:admin' };
    expect(() => inheritedListeners(env)).toThrow(`(this one is ${process.pid})`);
  });
});

describe('describeListening', () => {
  it('a listener on a TCP socket reports its port', () => {
    expect(describeListening('app', 3, { address: '127.0.0.1', family: 'IPv4', port: 8080 })).toEqual({ port: 8080 });
  });

  it('a listener on a UNIX socket says it is not TCP, and where the socket is', () => {
    expect(describeListening('admin', 4, '/run/service/admin.sock')).toEqual({
      problem: 'fd 4 (admin) is not a TCP socket (a UNIX socket at /run/service/admin.sock)',
    });
  });

  it('a listener with no address at all says so', () => {
    expect(describeListening('app', 3, null)).toEqual({ problem: 'fd 3 (app) is not a TCP socket (no address)' });
  });
});
