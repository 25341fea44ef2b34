/**
 * What the OpenTelemetry SDK, started by instrumentation.ts before the service loads, leaves for the
 * service: whether spans are recorded, and how to flush them at shutdown. instrumentation.ts and the
 * service import this module from the same URL, so they share this one instance (no global needed).
 */
export interface Telemetry {
  /** True when the SDK is running and spans are exported. */
  readonly tracing: boolean;
  /** Exports the spans still buffered, then stops the SDK. */
  shutdown(): Promise<void>;
}

const off: Telemetry = { tracing: false, shutdown: async () => {} };
let current = off;

export function telemetry(): Telemetry {
  return current;
}

/** Called once by instrumentation.ts, after the SDK started. */
export function setTelemetry(started: Telemetry): void {
  current = started;
}
