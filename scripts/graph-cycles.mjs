// Shared by the cycle checks (check-cycles.mjs for TypeScript, check-rust-cycles.mjs for Rust).

/**
 * Every cycle a depth-first search meets in `graph` (a Map of node → iterable of successors;
 * successors that are not keys are ignored), each as the path that closes it.
 */
export function findCycles(graph) {
  const found = [];
  const state = new Map();
  const stack = [];
  const visit = (v) => {
    state.set(v, 'open');
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (state.get(w) === 'open') found.push([...stack.slice(stack.indexOf(w)), w]);
      else if (!state.has(w)) visit(w);
    }
    stack.pop();
    state.set(v, 'done');
  };
  for (const v of graph.keys()) if (!state.has(v)) visit(v);
  return found;
}
