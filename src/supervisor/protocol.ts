/**
 * What the supervisor and a generation say to each other over the generation's IPC channel
 * (child_process's `ipc` stdio; `process.send` in the generation). The sockets themselves are passed as
 * inherited descriptors (LISTEN_FDS), not over this channel.
 */

/** A generation to the supervisor. */
export type GenerationMessage =
  /** Startup checks passed and both listeners listen on the passed sockets: it serves. */
  | {
      readonly type: 'ready';
      readonly generation: number;
      readonly ports: { readonly app: number; readonly admin: number };
    }
  /** Startup failed; it is shutting down. `error` is its own words, for the supervisor's log. */
  | { readonly type: 'failed'; readonly generation: number; readonly error: string };

/** The supervisor to a generation: the next one is ready on the same sockets; drain and exit. */
export interface HandoffMessage {
  readonly type: 'handoff';
}

export function isHandoffMessage(message: unknown): message is HandoffMessage {
  return typeof message === 'object' && message !== null && 'type' in message && message.type === 'handoff';
}

export function isGenerationMessage(message: unknown): message is GenerationMessage {
  if (typeof message !== 'object' || message === null || !('type' in message)) return false;
  return message.type === 'ready' || message.type === 'failed';
}
