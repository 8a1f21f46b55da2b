import { createHook } from 'node:async_hooks';

let kept: object | undefined;

/**
 * Keeps one of Node's `process.nextTick` queue entries alive for the life of the process, so that V8 never collects
 * their hidden class (map). Node 20 builds each entry as an object literal with two computed symbol keys
 * (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`). In some processes that literal's
 * inline cache ends up megamorphic and every later `nextTick` adds its properties through V8's runtime; the likely
 * mechanism (consistent with what keeping an entry changes) is that V8 holds the literal's maps weakly, a full
 * collection at a moment no entry is queued frees them, and the next entries get new ones. Node's HTTP server queues about seven per request, so a process that fell into this
 * (at random: its start-up's full collections decide) answered every request ~4 µs of CPU slower, for good: measured
 * 2026-12-05 by `perf` (`Runtime_DefineKeyedOwnPropertyInLiteral` under `nextTick`) in every one of 6 servers
 * loading a package at start and in 5 of 13 that did not. An entry kept alive keeps its maps (and, through their back
 * pointers, the literal's) alive: none of 16 servers since (bench/README.md, "What makes the hot paths fast").
 *
 * Called once, before the catalogs are loaded. The async hook that catches the entry is enabled for one call only.
 */
export function keepTickObjectShape(): object | undefined {
  if (kept) return kept;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject' && kept === undefined) kept = resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(noop);
  } finally {
    hook.disable();
  }
  return kept;
}

function noop(): void {}
