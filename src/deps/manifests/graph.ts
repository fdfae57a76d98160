/**
 * What a lock file's dependency graph says about each package when the file does not say it outright:
 * which packages the project asked for (direct) and which are only there for development (dev).
 */

/** Names (normalised) of the packages nothing else in the lock depends on: the roots the resolver started from. */
export function unrequiredNames(
  names: Iterable<string>,
  edges: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const required = new Set<string>();
  for (const targets of edges.values()) for (const t of targets) required.add(t);
  const roots = new Set<string>();
  for (const name of names) if (!required.has(name)) roots.add(name);
  return roots;
}

/**
 * Packages reachable only through development roots: walks the graph from the production roots, then from
 * the development roots, and returns what the second walk reached that the first did not.
 */
export function devOnlyNames(
  prodRoots: Iterable<string>,
  devRoots: Iterable<string>,
  edges: ReadonlyMap<string, readonly string[]>,
): Set<string> {
  const prod = reach(prodRoots, edges, new Set());
  const dev = reach(devRoots, edges, new Set(prod));
  for (const name of prod) dev.delete(name);
  return dev;
}

/** Breadth-first reach from `roots` (iterative: a deep chain cannot overflow the stack); `seen` is extended. */
function reach(
  roots: Iterable<string>,
  edges: ReadonlyMap<string, readonly string[]>,
  seen: Set<string>,
): Set<string> {
  const reached = new Set<string>();
  const queue: string[] = [];
  for (const r of roots) {
    if (!seen.has(r)) {
      seen.add(r);
      queue.push(r);
    }
  }
  for (let k = 0; k < queue.length; k++) {
    const name = queue[k]!;
    reached.add(name);
    for (const next of edges.get(name) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return reached;
}
