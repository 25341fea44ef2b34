// Reads the spans of an OTLP trace export (how many, and the trace each belongs to), so the bench can
// show that tracing really exported, how many spans a request's trace holds, and whether the SDK
// dropped spans under load, without a protobuf library.
// @see https://github.com/open-telemetry/opentelemetry-proto/blob/main/opentelemetry/proto/collector/trace/v1/trace_service.proto

const wireTypes = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 };

/** Reads a base-128 varint at `offset`; returns [value, next offset]. Arithmetic, not bit ops: lengths may pass 2^31. */
function readVarint(buffer, offset) {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < buffer.length; i++) {
    const byte = buffer[i];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error('truncated varint');
}

/** The length-delimited fields numbered `fieldNumber` in buffer[start, end), as [start, end] pairs. */
function* embedded(buffer, fieldNumber, start = 0, end = buffer.length) {
  let offset = start;
  while (offset < end) {
    const [key, afterKey] = readVarint(buffer, offset);
    const wireType = key % 8;
    offset = afterKey;
    if (wireType === wireTypes.varint) offset = readVarint(buffer, offset)[1];
    else if (wireType === wireTypes.fixed64) offset += 8;
    else if (wireType === wireTypes.fixed32) offset += 4;
    else if (wireType === wireTypes.bytes) {
      const [length, valueStart] = readVarint(buffer, offset);
      offset = valueStart + length;
      if (Math.floor(key / 8) === fieldNumber) yield [valueStart, offset];
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
  }
}

/**
 * The trace id of every span, in order: ExportTraceServiceRequest.resource_spans(1) →
 * ResourceSpans.scope_spans(2) → ScopeSpans.spans(2) → Span.trace_id(1), as hex.
 */
export function* protobufSpanTraceIds(buffer) {
  for (const [rsStart, rsEnd] of embedded(buffer, 1)) {
    for (const [ssStart, ssEnd] of embedded(buffer, 2, rsStart, rsEnd)) {
      for (const [spanStart, spanEnd] of embedded(buffer, 2, ssStart, ssEnd)) {
        const traceId = embedded(buffer, 1, spanStart, spanEnd).next().value;
        yield traceId ? buffer.toString('hex', traceId[0], traceId[1]) : '';
      }
    }
  }
}

/** The same for the http/json encoding, where trace ids are already hex. */
export function* jsonSpanTraceIds(text) {
  const { resourceSpans = [] } = JSON.parse(text);
  for (const scopeSpans of resourceSpans.flatMap((rs) => rs.scopeSpans ?? [])) {
    for (const span of scopeSpans.spans ?? []) yield span.traceId ?? '';
  }
}
