/**
 * jest's runtime (jest-runtime), with two changes to how a worker loads a module's code, one to when V8 optimizes
 * it, and one to what a finished test file leaves enabled; what the code does is the same.
 *
 * Kept for the next test file. Every test file gets a fresh module registry, so each of the ~100 files loads the
 * server's ~500 modules again: jest reads every source file, hashes it to find its transform in the disk cache,
 * reads that, and V8 compiles the code from scratch. That code is the same for every file of the run, so a worker
 * keeps per file its transformed code (used while the file's size and modification time stay the same; a
 * package's files are taken not to change during a run) and its compiled script, which V8 runs in any context:
 * the functions compiled for one test file are not compiled again for the next (a code cache made from the script
 * and given to a new one still had V8 read it back for every file: ~60 ms per file). Each test file still runs
 * every module afresh in its own context: only code is shared, never state.
 *
 * Built-ins as local names. A test file's global object is a vm context's, whose every property is looked up
 * through a callback into Node: a loop that says `Math.imul` or `JSON.parse` ran ~50 times slower in a test than in
 * the server, and V8 would not optimise it. Each module sees the context's own built-ins (BUILT_INS) as variables
 * of an enclosing function instead, bound when the module loads: the same objects, so spies on their methods still
 * work. Not among them: what tests replace on the global object (Date and the timers, which jest's fake timers
 * swap; process, console, performance).
 *
 * This relies on jest internals (Runtime's transformCache and executor, jest 30); where they are not as expected,
 * it runs as jest's own runtime.
 */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const v8 = require('node:v8');
const { AsyncLocalStorage } = require('node:async_hooks');
const { default: Runtime } = require('jest-runtime');

const BUILT_INS = [
  'Object', 'Function', 'Array', 'Number', 'String', 'Boolean', 'Symbol', 'BigInt', 'Math', 'JSON', 'Reflect', 'Promise', 'RegExp', 'Error', 'TypeError',
  'RangeError', 'SyntaxError', 'Map', 'Set', 'WeakMap', 'WeakSet', 'ArrayBuffer', 'DataView', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'Int8Array',
  'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent',
  'Buffer',
];

/** `filename\0options` → the file's size and mtime when it was transformed, and the transform */
const transforms = new Map();
/** filename → the transformed code last compiled, and its script */
const compilations = new Map();

const PACKAGE = `${path.sep}node_modules${path.sep}`;

/** What `make` made for this key, while the file is as it was then. */
function keep(map, key, filename, make) {
  const known = map.get(key);
  if (known && filename.includes(PACKAGE)) return known.value;
  const stat = fs.statSync(filename, { throwIfNoEntry: false });
  if (known && stat && stat.size === known.size && stat.mtimeMs === known.mtimeMs) return known.value;
  const value = make();
  if (stat) map.set(key, { size: stat.size, mtimeMs: stat.mtimeMs, value });
  return value;
}

function keepTransforms(cache) {
  const transform = cache.transform.bind(cache);
  const transformJson = cache.transformJson.bind(cache);
  cache.transform = (filename, options) => {
    const key = `${filename}\0${JSON.stringify(options ?? null)}`;
    // jest's own modules (the test framework, expect) are not transformed, only read
    if (options?.isInternalModule) return keep(transforms, key, filename, () => transform(filename, options));
    const file = keep(transforms, key, filename, () => {
      const code = transform(filename, options);
      const made = cache.transforms.get(filename);
      return made?.code === code ? made : { code };
    });
    // as jest's own transform records it: stack traces' source maps and coverage read these
    cache.transforms.set(filename, file);
    if (file.sourceMapPath) cache.sourceMaps.set(filename, file.sourceMapPath);
    return file.code;
  };
  cache.transformJson = (filename, options) => keep(transforms, `${filename}\0json\0${JSON.stringify(options ?? null)}`, filename, () => transformJson(filename, options));
}

/** The executor of the test file running in this worker now: a kept script's import() is resolved for that file. */
let running;

function keepCompilations(executor) {
  const compile = executor.compile.bind(executor);
  const parameters = executor.injectedModuleParameters.join(',');
  const builtIns = BUILT_INS.join(',');
  const fromGlobal = BUILT_INS.map((name) => `globalThis.${name}`).join(',');
  running = executor;
  executor.compile = (code, filename) => {
    const context = executor.environment.getVmContext();
    if (context == null || executor.resolution.isCoreModule(filename)) return compile(code, filename);
    const known = compilations.get(filename);
    let script = known?.code === code ? known.script : undefined;
    if (script === undefined) {
      try {
        // jest's module wrapper from before it compiled with vm.compileFunction, inside a function whose parameters
        // are the built-ins; compiled once and run in every test file's context
        script = new vm.Script(`({"Object.<anonymous>":(function(${builtIns}){return function(${parameters}){${code}\n}})(${fromGlobal})});`, {
          filename,
          importModuleDynamically: (specifier, _script, attributes, phase) =>
            running.dynamicImport(specifier, filename, running.environment.getVmContext(), attributes, phase),
        });
      } catch {
        return compile(code, filename); // jest's own compile reports the error as jest does
      }
      compilations.set(filename, { code, script });
    }
    return script.runInContext(context)['Object.<anonymous>'];
  };
}

/*
 * Optimizing compilation for code that runs long enough to pay for it. V8 optimizes a function with TurboFan once it
 * has run through an "interrupt budget" of bytecode; most of a test file's code runs for a few milliseconds and is
 * thrown away with the file's context, and TurboFan's work on a background thread competes with the other worker for
 * the second core. Six times V8's budget (67,584) leaves that code to the interpreter and the baseline compiler while a
 * loop over 150,000 codes is still optimized: npm test 56.7-59.7 s against 64-69 s, CPU 87-92 s against 101-110 s
 * (2-core VM, 2026-12-05, alternating). Set when a worker loads this runtime, before its first test file.
 */
v8.setFlagsFromString('--interrupt-budget=400000');

/*
 * A test file's AsyncLocalStorage instances, let go of when the file ends.
 *
 * jest-circus makes one per test file (its test execution context) and never disables it, and Node (20) calls every
 * enabled instance's _propagate for each promise and async resource the process creates: the hundredth file of a
 * worker paid for the 99 before it at every `await` (~6 % of a run's CPU was in _propagate). So the instances a file
 * enabled (by run() or enterWith()) are disabled when it ends.
 *
 * Their values stay where Node put them: on each async resource, under the instance's own symbol (kResourceStore). A
 * long-lived resource that is initialised again (the timer behind `fetch`, re-armed; a server's handle) gains a
 * property for each instance enabled at the time and keeps them all, and a value kept there held its file's whole
 * context (modules, catalogs): a worker's heap grew by ~5 MB a file, and the collector's work with it. So the n-th
 * instance a file enables takes the n-th of a few symbols shared by all files: a file's values replace the previous
 * file's instead of adding to them. Only instances never enabled before get one (none of their values exist yet).
 */
const enabledStorages = new Set();
const seenStorages = new WeakSet();
const slots = [];
for (const method of ['run', 'enterWith']) {
  const original = AsyncLocalStorage.prototype[method];
  if (typeof original !== 'function' || typeof AsyncLocalStorage.prototype.disable !== 'function') break;
  AsyncLocalStorage.prototype[method] = function recorded(...args) {
    if (!seenStorages.has(this)) {
      seenStorages.add(this);
      if (!this.enabled && typeof this.kResourceStore === 'symbol') {
        slots[enabledStorages.size] ??= Symbol('kResourceStore');
        this.kResourceStore = slots[enabledStorages.size];
      }
    }
    enabledStorages.add(this);
    return original.apply(this, args);
  };
}

function letGoOfStorages() {
  for (const storage of enabledStorages) storage.disable();
  enabledStorages.clear();
}

class WorkerRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const { transformCache: cache, executor } = this;
    if (cache?.transforms instanceof Map && cache.sourceMaps instanceof Map && typeof cache.transform === 'function' && typeof cache.transformJson === 'function') {
      keepTransforms(cache);
    }
    if (typeof executor?.compile === 'function' && Array.isArray(executor.injectedModuleParameters) && typeof executor.dynamicImport === 'function'
      && executor.environment && executor.resolution) {
      keepCompilations(executor);
    }
  }

  /** The file has ended: nothing of the worker refers to its context any longer. */
  teardown() {
    super.teardown();
    if (running === this.executor) running = undefined;
    letGoOfStorages();
  }
}

/*
 * A worker ends when jest tells it to and its event loop drains; jest kills it, warning that "a worker process has
 * failed to exit gracefully", when it has not exited 500 ms later. At times the warning came though the worker had
 * no handle open and had emitted 'exit' at once (measured with a hook logging 'beforeExit', 'exit' and SIGTERM per
 * worker): what took the time came after 'exit', in Node's own teardown (not timed; a worker holds every module's
 * code of the run). `process.exit` from the 'exit' listener ends the process there instead. Only in a worker
 * process (forked, so it has `process.send`): jest's own process, which runs the tests itself when there are few,
 * sets its exit code (the tests' verdict) after this point.
 */
if (process.env.JEST_WORKER_ID !== undefined && typeof process.send === 'function') process.once('exit', (code) => process.exit(code));

module.exports = WorkerRuntime;
module.exports.default = WorkerRuntime;
