import { connect } from 'node:net';

/**
 * Sends one command to HAProxy's runtime API and resolves with its answer. Without `prompt`, HAProxy
 * answers one command per connection and then closes it, so the answer is everything read.
 * @see https://docs.haproxy.org/2.6/management.html#9.3
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(socketPath);
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`HAProxy did not answer \`${command}\` in ${timeoutMs} ms`)),
    );
    socket.setEncoding('utf8').on('data', (chunk: string) => (answer += chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(answer.trim());
    });
    socket.end(`${command}\n`);
  });
}
