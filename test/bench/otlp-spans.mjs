// Counts the spans in an OTLP trace export, so the bench can show that tracing really exported (and
// whether the SDK dropped spans under load) without a protobuf library.
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

/** ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2). */
export function countProtobufSpans(buffer) {
  let spans = 0;
  for (const [rsStart, rsEnd] of embedded(buffer, 1)) {
    for (const [ssStart, ssEnd] of embedded(buffer, 2, rsStart, rsEnd)) {
      for (const _span of embedded(buffer, 2, ssStart, ssEnd)) spans++;
    }
  }
  return spans;
}

/** The same count for the http/json encoding. */
export function countJsonSpans(text) {
  const { resourceSpans = [] } = JSON.parse(text);
  return resourceSpans
    .flatMap((rs) => rs.scopeSpans ?? [])
    .reduce((sum, scopeSpans) => sum + (scopeSpans.spans?.length ?? 0), 0);
}
