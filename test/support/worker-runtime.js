/**
 * jest's runtime (jest-runtime), keeping what a worker has learnt about a module's code for the next test file it runs.
 *
 * Every test file gets a fresh module registry, so each of the ~100 files loads the server's ~500 modules again: jest
 * reads every source file, hashes it to find its transform in the disk cache, reads that, and V8 compiles the code
 * from scratch. That code is the same for every file of the run, so a worker keeps per file its transformed code
 * (used while the file's size and modification time stay the same) and V8's code cache of it, made after the first
 * test file ran it (so it holds the functions that run compiled, not only the top level). Each test file still runs
 * every module afresh in its own context: only code is shared, never a module's state.
 *
 * This relies on jest internals (Runtime's transformCache and executor, jest 30); where they are not as expected,
 * it runs as jest's own runtime.
 */
const fs = require('node:fs');
const vm = require('node:vm');
const { default: Runtime } = require('jest-runtime');

/** `filename\0options` → the file's size and mtime when it was transformed, and the transform */
const transforms = new Map();
/** filename → the transformed code last compiled, and its compilation (until a later file asks) or V8's code cache of it */
const compilations = new Map();

function keep(map, key, filename, make) {
  const known = map.get(key);
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
    if (options?.isInternalModule) return transform(filename, options);
    const file = keep(transforms, `${filename}\0${JSON.stringify(options ?? null)}`, filename, () => {
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

function keepCompilations(executor) {
  const compile = executor.compile.bind(executor);
  const parameters = executor.injectedModuleParameters.join(',');
  executor.compile = (code, filename) => {
    const context = executor.environment.getVmContext();
    if (context == null || executor.resolution.isCoreModule(filename)) return compile(code, filename);
    const known = compilations.get(filename);
    let cachedData;
    if (known?.code === code) {
      known.cachedData ??= known.script.createCachedData();
      known.script = undefined;
      cachedData = known.cachedData;
    }
    let script;
    try {
      // the module wrapper jest used before it compiled with vm.compileFunction, which cannot make a code cache after running
      script = new vm.Script(`({"Object.<anonymous>":function(${parameters}){${code}\n}});`, {
        filename,
        cachedData,
        importModuleDynamically: (specifier, _script, attributes, phase) => executor.dynamicImport(specifier, filename, context, attributes, phase),
      });
    } catch {
      return compile(code, filename); // jest's own compile reports the error as jest does
    }
    if (cachedData === undefined || script.cachedDataRejected) compilations.set(filename, { code, script });
    return script.runInContext(context)['Object.<anonymous>'];
  };
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
}

module.exports = WorkerRuntime;
module.exports.default = WorkerRuntime;
