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
 * TensorFlow graphs, read schema-less by field number. Field numbers come from the upstream protos:
 * tensorflow/core/protobuf/saved_model.proto, meta_graph.proto, saver.proto and
 * tensorflow/core/framework/graph.proto, function.proto, node_def.proto, op_def.proto.
 */

/** Which top-level message the file holds. */
export type TfKind = 'saved-model' | 'graph-def';

/** One node: a graph node, or a node_def inside a library function. */
export interface TfNode {
  name: string;
  op: string;
  /** Library function holding the node; undefined for a graph node. */
  fn: string | undefined;
  /** Index of the MetaGraphDef (0 for a frozen GraphDef). */
  metaGraph: number;
  /** Offset of the NodeDef in the file. */
  offset: number;
}

/** What the rules see of a TF graph file. */
export interface TfGraph {
  kind: TfKind;
  nodes: TfNode[];
  /** Name scopes of the saver subgraph named by each MetaGraphDef's SaverDef (`save/`, `save_1/`). */
  saverScopes: string[];
  /** Set when the walk stopped early: the file is malformed or over a cap, so `nodes` is partial. */
  error: string | undefined;
}

/** Nodes recorded per file; a graph with more is reported as not fully analysed. */
export const MAX_TF_NODES = 500_000;
/** Fields decoded per file (every NodeDef costs a handful). */
const MAX_FIELDS = 20_000_000;
/** MetaGraphDefs per SavedModel (real ones hold one, sometimes a few). */
const MAX_META_GRAPHS = 64;

// SavedModel: saved_model_schema_version = 1 (int64), meta_graphs = 2.
const SM_VERSION = 1;
const SM_META_GRAPHS = 2;
// MetaGraphDef: graph_def = 2, saver_def = 3.
const MG_GRAPH_DEF = 2;
const MG_SAVER_DEF = 3;
// SaverDef: save_tensor_name = 2, restore_op_name = 3.
const SAVER_SAVE_TENSOR = 2;
const SAVER_RESTORE_OP = 3;
// GraphDef: node = 1, library = 2, version = 3 (deprecated int32), versions = 4, debug_info = 5.
const GD_NODE = 1;
const GD_LIBRARY = 2;
const GD_VERSION = 3;
const GD_VERSIONS = 4;
const GD_DEBUG_INFO = 5;
// FunctionDefLibrary: function = 1. FunctionDef: signature = 1 (OpDef, whose name = 1), node_def = 3.
const LIB_FUNCTION = 1;
const FN_SIGNATURE = 1;
const FN_NODE_DEF = 3;
const OPDEF_NAME = 1;
// NodeDef: name = 1, op = 2.
const NODE_NAME = 1;
const NODE_OP = 2;

/** Wire types the top-level fields must have for the file to be that message. */
const SAVED_MODEL_FIELDS = new Map([
  [SM_VERSION, WireType.VARINT],
  [SM_META_GRAPHS, WireType.LEN],
]);
const GRAPH_DEF_FIELDS = new Map([
  [GD_NODE, WireType.LEN],
  [GD_LIBRARY, WireType.LEN],
  [GD_VERSION, WireType.VARINT],
  [GD_VERSIONS, WireType.LEN],
  [GD_DEBUG_INFO, WireType.LEN],
]);

/**
 * True when the top level of `src` parses as `kind`: every field well-formed, the known ones with their
 * declared wire type, and at least one field that carries a graph. Never throws.
 */
export function isTfMessage(src: ByteSource, kind: TfKind): boolean {
  const known = kind === 'saved-model' ? SAVED_MODEL_FIELDS : GRAPH_DEF_FIELDS;
  const budget: WireBudget = { fields: MAX_FIELDS };
  let graphs = 0;
  try {
    for (const f of wireFields(src, 0, src.size, budget)) {
      const wire = known.get(f.field);
      if (wire === undefined) return false;
      if (wire !== f.wire) return false;
      if (f.wire === WireType.LEN) graphs++;
      // Other *.pb files in a SavedModel directory (keras_metadata.pb: SavedMetadata.nodes = 1) share the
      // GraphDef top level; their field 1 is no NodeDef (NodeDef fields 1-5 are all length-delimited).
      if (kind === 'graph-def' && f.field === GD_NODE && graphs === 1 && !isNodeDef(src, f, budget))
        return false;
    }
  } catch (err) {
    if (err instanceof ParapetError) return false;
    throw err;
  }
  return graphs > 0;
}

/** Whether the first NodeDef looks like one: every field it has among name, op, input, device, attr is a string or message. */
function isNodeDef(src: ByteSource, node: WireField, budget: WireBudget): boolean {
  for (const f of wireFields(src, node.offset, node.offset + node.length, budget)) {
    if (f.field <= 5 && f.wire !== WireType.LEN) return false;
  }
  return true;
}

/** Which TF message a file named `name` holds, if any: `saved_model.pb` prefers SavedModel, other `.pb` GraphDef. */
export function detectTfKind(src: ByteSource, name: string): TfKind | undefined {
  const lower = name.toLowerCase();
  if (!lower.endsWith('.pb')) return undefined;
  const order: TfKind[] =
    lower === 'saved_model.pb' ? ['saved-model', 'graph-def'] : ['graph-def', 'saved-model'];
  return order.find((kind) => isTfMessage(src, kind));
}

/** Walks a SavedModel or GraphDef and lists every node and library function node, bounded. Never throws. */
export function parseTfGraph(src: ByteSource, kind: TfKind): TfGraph {
  const graph: TfGraph = { kind, nodes: [], saverScopes: [], error: undefined };
  const budget: WireBudget = { fields: MAX_FIELDS };
  try {
    if (kind === 'graph-def') readGraphDef(src, 0, src.size, 0, graph, budget);
    else readSavedModel(src, graph, budget);
  } catch (err) {
    if (!(err instanceof ParapetError)) throw err;
    graph.error = err.message;
  }
  return graph;
}

function readSavedModel(src: ByteSource, graph: TfGraph, budget: WireBudget): void {
  let index = 0;
  for (const f of wireFields(src, 0, src.size, budget)) {
    if (f.field !== SM_META_GRAPHS) continue;
    expectWire(f, WireType.LEN, 'SavedModel.meta_graphs');
    if (index >= MAX_META_GRAPHS) throw new ParapetError('LIMIT', `more than ${MAX_META_GRAPHS} meta graphs`);
    readMetaGraph(src, f, index++, graph, budget);
  }
}

function readMetaGraph(
  src: ByteSource,
  mg: WireField,
  index: number,
  graph: TfGraph,
  budget: WireBudget,
): void {
  for (const f of wireFields(src, mg.offset, mg.offset + mg.length, budget)) {
    if (f.field === MG_GRAPH_DEF) {
      expectWire(f, WireType.LEN, 'MetaGraphDef.graph_def');
      readGraphDef(src, f.offset, f.offset + f.length, index, graph, budget);
    } else if (f.field === MG_SAVER_DEF) {
      expectWire(f, WireType.LEN, 'MetaGraphDef.saver_def');
      for (const s of wireFields(src, f.offset, f.offset + f.length, budget)) {
        if ((s.field === SAVER_SAVE_TENSOR || s.field === SAVER_RESTORE_OP) && s.wire === WireType.LEN) {
          const name = wireString(src, s).text;
          const slash = name.lastIndexOf('/');
          // "save/Identity:0" and "save/restore_all" name the saver's scope; a scope-less name gives none.
          if (slash > 0 && graph.saverScopes.length < 16) graph.saverScopes.push(name.slice(0, slash + 1));
        }
      }
    }
  }
}

function readGraphDef(
  src: ByteSource,
  start: number,
  end: number,
  metaGraph: number,
  graph: TfGraph,
  budget: WireBudget,
): void {
  for (const f of wireFields(src, start, end, budget)) {
    if (f.field === GD_NODE) {
      expectWire(f, WireType.LEN, 'GraphDef.node');
      addNode(src, f, undefined, metaGraph, graph, budget);
    } else if (f.field === GD_LIBRARY) {
      expectWire(f, WireType.LEN, 'GraphDef.library');
      for (const fn of wireFields(src, f.offset, f.offset + f.length, budget)) {
        if (fn.field !== LIB_FUNCTION) continue;
        expectWire(fn, WireType.LEN, 'FunctionDefLibrary.function');
        readFunction(src, fn, metaGraph, graph, budget);
      }
    }
  }
}

function readFunction(
  src: ByteSource,
  fn: WireField,
  metaGraph: number,
  graph: TfGraph,
  budget: WireBudget,
): void {
  // The signature may come after the nodes on the wire, so collect node positions first, then name them.
  let name = '';
  const nodes: WireField[] = [];
  for (const f of wireFields(src, fn.offset, fn.offset + fn.length, budget)) {
    if (f.field === FN_SIGNATURE) {
      expectWire(f, WireType.LEN, 'FunctionDef.signature');
      for (const s of wireFields(src, f.offset, f.offset + f.length, budget)) {
        if (s.field === OPDEF_NAME && s.wire === WireType.LEN) name = wireString(src, s).text;
      }
    } else if (f.field === FN_NODE_DEF) {
      expectWire(f, WireType.LEN, 'FunctionDef.node_def');
      if (nodes.length + graph.nodes.length >= MAX_TF_NODES) throw tooManyNodes();
      nodes.push(f);
    }
  }
  for (const node of nodes) addNode(src, node, name, metaGraph, graph, budget);
}

function addNode(
  src: ByteSource,
  node: WireField,
  fn: string | undefined,
  metaGraph: number,
  graph: TfGraph,
  budget: WireBudget,
): void {
  if (graph.nodes.length >= MAX_TF_NODES) throw tooManyNodes();
  let name = '';
  let op = '';
  for (const f of wireFields(src, node.offset, node.offset + node.length, budget)) {
    if (f.field === NODE_NAME) {
      expectWire(f, WireType.LEN, 'NodeDef.name');
      name = wireString(src, f).text;
    } else if (f.field === NODE_OP) {
      expectWire(f, WireType.LEN, 'NodeDef.op');
      op = wireString(src, f, 256).text;
    }
  }
  graph.nodes.push({ name, op, fn, metaGraph, offset: node.offset });
}

function tooManyNodes(): ParapetError {
  return new ParapetError('LIMIT', `more than ${MAX_TF_NODES} nodes`);
}
