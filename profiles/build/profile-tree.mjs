// The element tree of one profile: the R4 base snapshot of its type, unfolded into data types and slices where the
// differential reaches, with the differential merged in. Gives the snapshot (base + differential) and the
// differential in snapshot order.
import { baseDefinition, choiceOf, typeCodes } from './r4-base.mjs';

const clone = (x) => JSON.parse(JSON.stringify(x));

function rebase(element, fromId, fromPath, toId, toPath) {
  const e = clone(element);
  e.id = toId + e.id.slice(fromId.length);
  e.path = toPath + e.path.slice(fromPath.length);
  return e;
}

/** Nodes of a list of snapshot elements (ordered, ids by path), below `parent`. */
function treeOf(elements, rootId) {
  const root = { children: [] };
  const stack = [{ id: rootId, node: root }];
  for (const element of elements) {
    while (!element.id.startsWith(`${stack[stack.length - 1].id}.`)) stack.pop();
    const node = { element, children: undefined, slices: [] };
    const parent = stack[stack.length - 1].node;
    (parent.children ??= []).push(node);
    stack.push({ id: element.id, node });
  }
  return root.children;
}

const lastName = (id) => id.slice(id.lastIndexOf('.') + 1).split(':')[0];

export class ProfileTree {
  constructor(type) {
    const base = baseDefinition(type).snapshot.element;
    this.root = { element: clone(base[0]), children: treeOf(clone(base.slice(1)), type), slices: [] };
    this.type = type;
    /** id → differential element, in the order first set */
    this.diff = new Map();
  }

  /** The children of a node, unfolded from its data type when the base snapshot does not list them. */
  children(node) {
    if (node.children) return node.children;
    const types = typeCodes(node.element);
    if (types.length !== 1) {
      throw new Error(`${node.element.id} has the types ${types.join(', ')}: restrict it to one type before naming its children`);
    }
    const sd = baseDefinition(types[0]);
    const elements = sd.snapshot.element.slice(1).map((e) => rebase(e, sd.type, sd.type, node.element.id, node.element.path));
    node.children = treeOf(elements, node.element.id);
    return node.children;
  }

  slice(node, sliceName) {
    let s = node.slices.find((x) => x.element.sliceName === sliceName);
    if (!s) {
      const id = `${node.element.id}:${sliceName}`;
      const element = { ...clone(node.element), id, sliceName };
      delete element.slicing;
      const copy = (n, fromId, toId) => ({
        element: rebase(n.element, fromId, n.element.path, toId, n.element.path),
        children: n.children?.map((c) => copy(c, fromId, toId)),
        slices: [],
      });
      s = { element, children: node.children?.map((c) => copy(c, node.element.id, id)), slices: [] };
      node.slices.push(s);
    }
    return s;
  }

  /** The node of an element id (`CarePlan.activity.detail.code.coding:level2.system`). */
  node(id) {
    const segments = id.split('.');
    if (segments[0] !== this.type) throw new Error(`'${id}' is not an element of ${this.type}`);
    let node = this.root;
    for (const segment of segments.slice(1)) {
      const [name, sliceName] = segment.split(':');
      const child = this.children(node).find((c) => lastName(c.element.id) === name);
      if (!child) throw new Error(`'${id}': ${node.element.id} has no element '${name}' in R4`);
      node = sliceName ? this.slice(child, sliceName) : child;
    }
    return node;
  }

  /**
   * An element id from a path that may name a choice by its type (`occurrencePeriod.end`, `valueReference`):
   * the id uses `[x]`, and `choices` says which type each such step picked.
   */
  resolve(path) {
    const segments = path.split('.');
    let id = this.type;
    let node = this.root;
    const choices = [];
    for (const segment of segments) {
      const [name, sliceName] = segment.split(':');
      let child = this.children(node).find((c) => lastName(c.element.id) === name);
      let step = name;
      if (!child) {
        const choice = choiceOf(this.children(node).map((c) => c.element), name);
        if (!choice) throw new Error(`'${path}': ${node.element.id} has no element '${name}' in R4`);
        child = this.children(node).find((c) => c.element === choice.element);
        step = choice.name;
        choices.push({ id: `${id}.${step}`, type: choice.type });
      }
      id = `${id}.${step}${sliceName ? `:${sliceName}` : ''}`;
      node = sliceName ? this.slice(child, sliceName) : child;
    }
    return { id, node, choices };
  }

  /** Merges differential properties into an element (constraints add to the base's). */
  set(id, props) {
    const node = this.node(id);
    let d = this.diff.get(id);
    if (!d) {
      d = { id, path: node.element.path };
      this.diff.set(id, d);
    }
    for (const [k, v] of Object.entries(props)) {
      if (k === 'id' || k === 'path') continue;
      d[k] = k === 'constraint' && d.constraint ? [...d.constraint, ...v] : clone(v);
      node.element[k] = k === 'constraint' ? [...(node.element.constraint ?? []), ...clone(v)] : clone(v);
    }
    return node;
  }

  /** The snapshot: every element, slices after the element they slice and its children. */
  snapshot() {
    const out = [];
    const walk = (n) => {
      out.push(n.element);
      for (const c of n.children ?? []) walk(c);
      for (const s of n.slices) walk(s);
    };
    walk(this.root);
    return out;
  }

  /** The differential, in snapshot order. */
  differential() {
    const order = new Map(this.snapshot().map((e, i) => [e.id, i]));
    return [...this.diff.values()].sort((a, b) => order.get(a.id) - order.get(b.id));
  }
}
