// Whether a traced run exported every span it should have: the spans the sink received per request
// against what the trace shape and the sampling ratio make of the requests served, and the SDK's own
// warning when its queue was full (the BatchSpanProcessor drops spans then, and says how many).

/** The SDK's count of the spans it dropped, summed over its warnings on stderr (with OTEL_LOG_LEVEL=warn or lower). */
export function sdkDroppedSpans(stderr) {
  return [...stderr.matchAll(/Dropped (\d+) spans because maxQueueSize reached/g)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

/** The span count most traces have: a request's whole trace. A trace that lost spans has fewer. */
function spansPerTraceOf(tracesBySpans) {
  const [spans] = Object.entries(tracesBySpans).reduce((a, b) => (b[1] > a[1] ? b : a), ['0', 0]);
  return Number(spans);
}

/**
 * `received`: spans the sink got from the run, its flush at exit included; `tracesBySpans`: how many of
 * those traces had how many spans; `requests`: requests answered in the run (a few more may have been
 * sent and served as it ended, so a whole run may show a little more than expected, never less);
 * `sampleRatio`: the sampler's ratio; `stderr`: what the child printed there.
 */
export function accountSpans({ received, tracesBySpans, requests, sampleRatio, stderr }) {
  const spansPerTrace = spansPerTraceOf(tracesBySpans);
  const expectedPerRequest = spansPerTrace * sampleRatio;
  const account = {
    received,
    traces: Object.values(tracesBySpans).reduce((a, b) => a + b, 0),
    tracesBySpans,
    spansPerTrace,
    spansPerRequest: received / requests,
    expectedPerRequest,
    sdkDroppedSpans: sdkDroppedSpans(stderr),
  };
  if (sampleRatio === 1) {
    // Every request is traced: fewer spans than a whole trace per answered request means some were lost.
    // A lower bound: requests in flight as a run ended were served and traced but not counted as answered,
    // so the SDK's own count is the one to believe when it gives one.
    account.missingSpans = Math.max(0, Math.round(spansPerTrace * requests - received));
  } else {
    // Which traces are sampled is random (by trace id): a shortfall means loss only beyond chance.
    const sampled = received / Math.max(spansPerTrace, 1);
    const expected = requests * sampleRatio;
    const sigma = Math.sqrt(requests * sampleRatio * (1 - sampleRatio));
    account.sampledTraces = sampled;
    account.expectedSampledTraces = expected;
    account.missingSpans = sampled < expected - 4 * sigma ? Math.round((expected - sampled) * spansPerTrace) : 0;
  }
  account.dropped = account.sdkDroppedSpans > 0 || account.missingSpans > 0;
  return account;
}
