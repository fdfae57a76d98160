import { ParapetError } from '../core/errors.ts';
import type { ByteSource } from './byte-source.ts';
import {
  expectWire,
  type WireBudget,
  type WireField,
  WireType,
  wireFields,
  wireString,
} from './protobuf-wire.ts';

/**
 * ONNX models, read schema-less by field number from onnx/onnx.proto3 (field numbers beside each constant).
 * Lists every node (op type and domain) and every tensor's external_data entries, in the main graph, in
 * subgraphs held by node attributes (If/Loop/Scan bodies), in model-local functions and in training graphs.
 */

/** One NodeProto. */
export interface OnnxNode {
  opType: string;
  domain: string;
  name: string;
  /** Where the node sits: `graph`, `graph/node[If_0].then_branch`, `function[com.acme:Gelu]`. */
  scope: string;
  offset: number;
}

/** A tensor whose data lives outside the model file (data_location = EXTERNAL or external_data present). */
export interface OnnxExternalTensor {
  name: string;
  scope: string;
  offset: number;
  /** external_data entries, as written (`location`, `offset`, `length`, `checksum`); first 16 only. */
  entries: Record<string, string>;
  dataType: number;
  /** Declared dims; undefined if any dim is negative or absurd. */
  dims: number[] | undefined;
}

/** What the ONNX rules see. */
export interface OnnxModel {
  irVersion: number | undefined;
  opsets: { domain: string; version: number }[];
  nodes: OnnxNode[];
  external: OnnxExternalTensor[];
  /** Domains of functions defined in the model: calling them runs no native code. */
  localFunctions: string[];
  /** Set when the walk stopped early (malformed or over a cap): the lists above are partial. */
  error: string | undefined;
}

/** Nodes and external tensors recorded per file. */
export const MAX_ONNX_ITEMS = 500_000;
/** Subgraph nesting (If inside Loop inside Scan...) beyond which the model is treated as hostile. */
export const MAX_ONNX_DEPTH = 16;
const MAX_FIELDS = 20_000_000;

// ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, domain = 4, model_version = 5,
// doc_string = 6, graph = 7, opset_import = 8, metadata_props = 14, training_info = 20, functions = 25.
const MODEL_FIELDS = new Map<number, number>([
  [1, WireType.VARINT],
  [2, WireType.LEN],
  [3, WireType.LEN],
  [4, WireType.LEN],
  [5, WireType.VARINT],
  [6, WireType.LEN],
  [7, WireType.LEN],
  [8, WireType.LEN],
  [14, WireType.LEN],
  [20, WireType.LEN],
  [25, WireType.LEN],
]);

/** True when `name` ends in `.onnx` and the top level of `src` parses as a ModelProto with a graph. Never throws. */
export function isOnnxModel(src: ByteSource, name: string): boolean {
  if (!name.toLowerCase().endsWith('.onnx')) return false;
  let graph = false;
  try {
    for (const f of wireFields(src, 0, src.size, { fields: 10_000 })) {
      const wire = MODEL_FIELDS.get(f.field);
      // Unknown top-level fields are allowed (newer IR versions add some), known ones must have their type.
      if (wire !== undefined && wire !== f.wire) return false;
      if (f.field === 7) graph = true;
    }
  } catch (err) {
    if (err instanceof ParapetError) return false;
    throw err;
  }
  return graph;
}

interface Walk {
  src: ByteSource;
  model: OnnxModel;
  budget: WireBudget;
}

/** Walks a ModelProto, bounded in fields, items and nesting. Never throws on hostile input. */
export function parseOnnx(src: ByteSource): OnnxModel {
  const model: OnnxModel = {
    irVersion: undefined,
    opsets: [],
    nodes: [],
    external: [],
    localFunctions: [],
    error: undefined,
  };
  const w: Walk = { src, model, budget: { fields: MAX_FIELDS } };
  try {
    for (const f of fields(w, { offset: 0, length: src.size })) {
      if (f.field === 1 && f.wire === WireType.VARINT) model.irVersion = f.value;
      else if (f.field === 8) readOpset(w, f);
      else if (f.field === 7) readGraph(w, f, 'graph', 0);
      else if (f.field === 20) {
        // TrainingInfoProto: initialization = 1, algorithm = 2 (both GraphProto).
        for (const g of fields(w, f)) if (g.field === 1 || g.field === 2) readGraph(w, g, 'training', 0);
      } else if (f.field === 25) readFunction(w, f);
    }
  } catch (err) {
    if (!(err instanceof ParapetError)) throw err;
    model.error = err.message;
  }
  return model;
}

function fields(w: Walk, f: { offset: number; length: number }): Generator<WireField> {
  return wireFields(w.src, f.offset, f.offset + f.length, w.budget);
}

function str(w: Walk, f: WireField, what: string): string {
  expectWire(f, WireType.LEN, what);
  return wireString(w.src, f).text;
}

function readOpset(w: Walk, f: WireField): void {
  expectWire(f, WireType.LEN, 'ModelProto.opset_import');
  // OperatorSetIdProto: domain = 1, version = 2.
  let domain = '';
  let version = 0;
  for (const g of fields(w, f)) {
    if (g.field === 1) domain = str(w, g, 'OperatorSetIdProto.domain');
    else if (g.field === 2 && g.wire === WireType.VARINT) version = g.value;
  }
  if (w.model.opsets.length < 1024) w.model.opsets.push({ domain, version });
}

function readFunction(w: Walk, f: WireField): void {
  expectWire(f, WireType.LEN, 'ModelProto.functions');
  // FunctionProto: name = 1, node = 7, domain = 10.
  let name = '';
  let domain = '';
  const nodes: WireField[] = [];
  for (const g of fields(w, f)) {
    if (g.field === 1) name = str(w, g, 'FunctionProto.name');
    else if (g.field === 10) domain = str(w, g, 'FunctionProto.domain');
    else if (g.field === 7 && nodes.length < MAX_ONNX_ITEMS) nodes.push(g);
  }
  if (w.model.localFunctions.length < 4096) w.model.localFunctions.push(domain);
  for (const n of nodes) readNode(w, n, `function[${domain}:${name}]`, 0);
}

function readGraph(w: Walk, f: WireField, scope: string, depth: number): void {
  expectWire(f, WireType.LEN, `${scope} GraphProto`);
  if (depth > MAX_ONNX_DEPTH)
    throw new ParapetError('LIMIT', `subgraphs nested more than ${MAX_ONNX_DEPTH} deep`);
  // GraphProto: node = 1, initializer = 5, sparse_initializer = 15 (SparseTensorProto: values = 1, indices = 2).
  for (const g of fields(w, f)) {
    if (g.field === 1) readNode(w, g, scope, depth);
    else if (g.field === 5) readTensor(w, g, scope);
    else if (g.field === 15) readSparse(w, g, scope);
  }
}

function readSparse(w: Walk, f: WireField, scope: string): void {
  expectWire(f, WireType.LEN, 'SparseTensorProto');
  for (const g of fields(w, f)) if (g.field === 1 || g.field === 2) readTensor(w, g, scope);
}

function readNode(w: Walk, f: WireField, scope: string, depth: number): void {
  expectWire(f, WireType.LEN, 'NodeProto');
  if (w.model.nodes.length >= MAX_ONNX_ITEMS)
    throw new ParapetError('LIMIT', `more than ${MAX_ONNX_ITEMS} nodes`);
  // NodeProto: name = 3, op_type = 4, attribute = 5, domain = 7.
  const node: OnnxNode = { opType: '', domain: '', name: '', scope, offset: f.offset };
  const attributes: WireField[] = [];
  for (const g of fields(w, f)) {
    if (g.field === 3) node.name = str(w, g, 'NodeProto.name');
    else if (g.field === 4) node.opType = str(w, g, 'NodeProto.op_type');
    else if (g.field === 7) node.domain = str(w, g, 'NodeProto.domain');
    else if (g.field === 5) attributes.push(g);
  }
  w.model.nodes.push(node);
  for (const a of attributes) readAttribute(w, a, `${scope}/node[${node.name || node.opType}]`, depth);
}

function readAttribute(w: Walk, f: WireField, scope: string, depth: number): void {
  expectWire(f, WireType.LEN, 'AttributeProto');
  // AttributeProto: name = 1, t = 5, g = 6, tensors = 10, graphs = 11, sparse_tensor = 22, sparse_tensors = 23.
  let name = '';
  const graphs: WireField[] = [];
  const tensors: WireField[] = [];
  const sparse: WireField[] = [];
  for (const g of fields(w, f)) {
    if (g.field === 1) name = str(w, g, 'AttributeProto.name');
    else if (g.field === 6 || g.field === 11) graphs.push(g);
    else if (g.field === 5 || g.field === 10) tensors.push(g);
    else if (g.field === 22 || g.field === 23) sparse.push(g);
  }
  const at = `${scope}.${name}`;
  for (const t of tensors) readTensor(w, t, at);
  for (const s of sparse) readSparse(w, s, at);
  for (const g of graphs) readGraph(w, g, at, depth + 1);
}

function readTensor(w: Walk, f: WireField, scope: string): void {
  expectWire(f, WireType.LEN, 'TensorProto');
  // TensorProto: dims = 1 (packed or not), data_type = 2, name = 8, external_data = 13, data_location = 14.
  let name = '';
  let dataType = 0;
  let external = false;
  let dims: number[] | undefined = [];
  const entries: Record<string, string> = {};
  let count = 0;
  for (const g of fields(w, f)) {
    if (g.field === 1) dims = addDims(w, g, dims);
    else if (g.field === 2 && g.wire === WireType.VARINT) dataType = g.value;
    else if (g.field === 8) name = str(w, g, 'TensorProto.name');
    else if (g.field === 14 && g.wire === WireType.VARINT) external ||= g.value === 1;
    else if (g.field === 13) {
      expectWire(g, WireType.LEN, 'TensorProto.external_data');
      external = true;
      // StringStringEntryProto: key = 1, value = 2. Keep the first 16: a real entry has at most 4 keys.
      let key = '';
      let value = '';
      for (const e of fields(w, g)) {
        if (e.field === 1) key = str(w, e, 'StringStringEntryProto.key');
        else if (e.field === 2) value = str(w, e, 'StringStringEntryProto.value');
      }
      if (count++ < 16 && !(key in entries)) entries[key] = value;
    }
  }
  if (!external) return;
  if (w.model.external.length >= MAX_ONNX_ITEMS) throw new ParapetError('LIMIT', 'too many external tensors');
  w.model.external.push({ name, scope, offset: f.offset, entries, dataType, dims });
}

/** Appends dims from one field (a packed run or a single varint); undefined once any dim is invalid. */
function addDims(w: Walk, f: WireField, dims: number[] | undefined): number[] | undefined {
  if (dims === undefined) return undefined;
  const add = (v: number): boolean => {
    // A negative int64 arrives as a 10-byte varint (about 1.8e19): invalid, as is anything past 2^53.
    if (!Number.isSafeInteger(v) || dims.length >= 64) return false;
    dims.push(v);
    return true;
  };
  if (f.wire === WireType.VARINT) return add(f.value) ? dims : undefined;
  expectWire(f, WireType.LEN, 'TensorProto.dims');
  // Packed varints (no tags, so not a message): at most 64 dims of 10 bytes, walked by hand.
  if (f.length > 64 * 10) return undefined;
  const bytes = w.src.readAt(f.offset, f.length);
  let value = 0;
  let scale = 1;
  for (const b of bytes) {
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      if (!add(value)) return undefined;
      value = 0;
      scale = 1;
    }
  }
  return scale === 1 ? dims : undefined;
}
