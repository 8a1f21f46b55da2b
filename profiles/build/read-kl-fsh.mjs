#!/usr/bin/env node
// Reads the structural rules of KL's gateway profiles from the FSH sources of KL's implementation guides and writes
// them as data (profiles/build/kl-structure.json), which build.mjs turns into the profiles' differentials.
// Plain Node >= 20, no packages, deterministic for a given commit of each IG.
//
// Usage: node profiles/build/read-kl-fsh.mjs <git dir of an IG>... [--out file]
//   e.g. the bare clones of hl7dk/kl-gateway-prevention, hl7dk/kl-gateway-rehab, hl7dk/kl-gateway, hl7dk/kl-ffb-reporting.
// The committed HEAD of each is read (sushi-config.yaml and input/fsh/*.fsh); the commit is recorded in the output.
//
// What is read from a Profile: cardinalities (`* path 1..1`, `..0`), `only` type and Reference target rules,
// assignments (`= value`, fixed/pattern), slicing (`^slicing.discriminator`, `^slicing.rules`, `contains`),
// `^type.aggregation`. From an Extension: its canonical and its `value[x]` rules. Bindings, invariants, `MS`/`SU`
// flags and text (`^short`, `^definition`) are not read: the terminology part of the profiles is in build.mjs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Extensions KL uses from its dependencies, by package and the name KL's FSH gives them, with the package version
 * that added each. A name resolves in the first of the IG's dependencies (sushi-config.yaml) that has it at the
 * version the IG depends on, as SUSHI resolves it: e.g. ConditionLastAssertedDate in kl-ffb-reporting (dk-core 1.1.0,
 * KL core 1.2.0) is KL core's, dk-core has it only from 2.1.0.
 */
const EXTERNAL_EXTENSIONS = {
  'hl7.fhir.dk.core': { // hl7dk/dk-core
    ConditionLastAssertedDate: { url: 'http://hl7.dk/fhir/core/StructureDefinition/ConditionLastAssertedDate', since: '2.1.0' },
  },
  'kl.dk.fhir.core': { // hl7dk/KL-dk, input/fsh/KLCommonExtensions.fsh
    ConditionLastAssertedDate: { url: 'http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate', since: '0.1.0' },
    ConditionRank: { url: 'http://fhir.kl.dk/core/StructureDefinition/ConditionRank', since: '0.1.0' },
    BasedOnServiceRequest: { url: 'http://fhir.kl.dk/core/StructureDefinition/BasedOnServiceRequest', since: '0.1.0' },
  },
};

const versionAtLeast = (version, since) => {
  const [a, b] = [version, since].map((v) => v.split('.').map((n) => Number.parseInt(n, 10) || 0));
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
};

/** An extension of one of the IG's dependencies, by its FSH name. */
function dependencyExtension(ig, name) {
  for (const [pkg, version] of ig.dependencies) {
    const ext = EXTERNAL_EXTENSIONS[pkg]?.[name];
    if (ext && versionAtLeast(version, ext.since)) return ext.url;
  }
  return undefined;
}

/** Profiles of KL's dependencies that KL's profiles derive from, and the resource type they constrain. */
const EXTERNAL_PARENTS = {
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient': 'Patient', // hl7.fhir.dk.core
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-organization': 'Organization',
  'http://hl7.dk/fhir/core/StructureDefinition/dk-core-condition': 'Condition',
};

const ENTITY = /^(Profile|Extension|Instance|Invariant|Alias|RuleSet|ValueSet|CodeSystem|Logical|Resource|Mapping):\s*(.*)$/;

function git(gitDir, ...args) {
  return execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Removes a `//` comment that is not inside a quoted string or part of a url (`http://`). */
function stripComment(line) {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && line[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && c === '/' && line[i + 1] === '/' && line[i - 1] !== ':') return line.slice(0, i);
  }
  return line;
}

/** The entities of a FSH file, each with its keyword lines and its rules (continuation lines joined). */
function entities(text) {
  const out = [];
  let current;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).replace(/\s+$/, '');
    if (!line.trim()) continue;
    const m = ENTITY.exec(line);
    if (m) {
      current = { kind: m[1], name: m[2].trim(), meta: {}, rules: [] };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const meta = /^(Parent|Id|Title|Description|Severity|Expression|InstanceOf|Usage):\s*(.*)$/.exec(line);
    if (meta) {
      current.meta[meta[1]] = meta[2].trim().replace(/^"(.*)"$/, '$1');
      continue;
    }
    if (/^\s*\*/.test(line)) current.rules.push(line.replace(/^\s*\*\s*/, ''));
    else if (current.rules.length > 0) current.rules[current.rules.length - 1] += ` ${line.trim()}`;
  }
  return out;
}

function sushiConfig(text) {
  const get = (key) => new RegExp(`^${key}:\\s*"?([^"\\n]+?)"?\\s*$`, 'm').exec(text)?.[1];
  return { id: get('id'), canonical: get('canonical'), version: get('version'), dependencies: dependencies(text) };
}

/** `dependencies:` of sushi-config.yaml as [package, version] in their order (`pkg: 1.0.0` or `pkg:` + `version: 1.0.0`). */
function dependencies(text) {
  const out = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^dependencies:\s*$/.test(line)) { inside = true; continue; }
    if (!inside || /^\s*(#.*)?$/.test(line)) continue;
    if (!/^\s/.test(line)) break;
    let m;
    if ((m = /^ {2}([\w.-]+):\s*"?([^"\s#]*)"?/.exec(line))) out.push([m[1], m[2]]);
    else if ((m = /^\s{3,}version:\s*"?([^"\s#]+)"?/.exec(line)) && out.length > 0) out[out.length - 1][1] = m[1];
  }
  return out;
}

function readIg(gitDir) {
  const commit = git(gitDir, 'rev-parse', 'HEAD').trim();
  const remote = (() => {
    try {
      return git(gitDir, 'config', '--get', 'remote.origin.url').trim();
    } catch {
      return '';
    }
  })();
  const config = sushiConfig(git(gitDir, 'show', 'HEAD:sushi-config.yaml'));
  const files = git(gitDir, 'ls-tree', '--name-only', 'HEAD', 'input/fsh/').split('\n').filter((f) => f.endsWith('.fsh')).sort();
  const list = files.flatMap((f) => entities(git(gitDir, 'show', `HEAD:${f}`)).map((e) => ({ ...e, file: path.basename(f) })));
  // owner/name from the remote, else from a mirror folder named owner+name
  const repo = /([^/:]+\/[^/]+?)(?:\.git)?$/.exec(remote)?.[1] ?? path.basename(path.resolve(gitDir, '..')).replace('+', '/');
  return { repo, commit, ...config, entities: list };
}

const CARD = /^(\S+)\s+(\d*)\.\.(\d+|\*)?(?:\s+(.*))?$/;

function parseValue(text, aliases) {
  const v = text.trim().replace(/\s*\(exactly\)$/, '');
  const exactly = /\(exactly\)\s*$/.test(text);
  let m;
  if ((m = /^"(.*)"$/.exec(v))) return { string: m[1], exactly };
  if (/^(true|false)$/.test(v)) return { boolean: v === 'true', exactly };
  if (/^-?\d+(\.\d+)?$/.test(v)) return { number: Number(v), exactly };
  if ((m = /^(\S*)#(\S+)(?:\s+"(.*)")?$/.exec(v))) {
    const system = m[1] ? aliases[m[1]] ?? m[1] : undefined;
    return { code: m[2], ...(system ? { system } : {}), ...(m[3] ? { display: m[3] } : {}), exactly };
  }
  if (aliases[v]) return { uri: aliases[v], exactly };
  return { raw: v, exactly };
}

/** FSH path `a.b[slice].c` as FHIR element-id steps `a.b:slice.c` (ids are completed by build.mjs). */
function fhirPath(fshPath) {
  return fshPath.replace(/\[(?!x\])([^\]+=]+)\]/g, ':$1');
}

function main() {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args.splice(outIndex, 2)[1] : path.join(path.dirname(fileURLToPath(import.meta.url)), 'kl-structure.json');
  if (args.length === 0) {
    console.error('usage: node profiles/build/read-kl-fsh.mjs <git dir of a KL IG>... [--out file]');
    process.exit(2);
  }
  const igs = args.map(readIg);
  const aliases = {};
  for (const ig of igs) for (const e of ig.entities) if (e.kind === 'Alias') {
    const [name, value] = e.name.split('=').map((s) => s.trim());
    aliases[name] = value;
  }

  // every profile and extension, by name and id, with its IG (a Reference(...) names a profile of the same IG)
  const defs = new Map();
  for (const ig of igs) {
    for (const e of ig.entities) {
      if (e.kind !== 'Profile' && e.kind !== 'Extension') continue;
      const id = e.meta.Id ?? e.name;
      const d = { ig, entity: e, id, url: `${ig.canonical}/StructureDefinition/${id}` };
      for (const key of [e.name, id]) defs.set(`${ig.id}|${key}`, d);
    }
  }
  const find = (ig, name) => defs.get(`${ig.id}|${name}`);
  const baseType = (ig, parent) => {
    const d = find(ig, parent);
    if (d) return baseType(ig, d.entity.meta.Parent);
    if (EXTERNAL_PARENTS[parent]) return EXTERNAL_PARENTS[parent];
    if (!/^[A-Z][A-Za-z]+$/.test(parent)) throw new Error(`the parent '${parent}' is not known: add it to EXTERNAL_PARENTS`);
    return parent;
  };
  const extensionUrl = (ig, name) => find(ig, name)?.url ?? aliases[name] ?? dependencyExtension(ig, name) ?? (/^https?:/.test(name) ? name : undefined);

  const rulesOf = (ig, entity) => {
    const rules = [];
    const slicing = new Map();
    for (const text of entity.rules) {
      let m;
      if ((m = /^(\S+)\s+\^slicing\.(discriminator\.type|discriminator\.path|rules|ordered)\s*=\s*(.+)$/.exec(text))) {
        const p = fhirPath(m[1]);
        let s = slicing.get(p);
        if (!s) {
          s = { path: p, slicing: {} };
          slicing.set(p, s);
          rules.push(s);
        }
        const value = m[3].trim().replace(/^#/, '').replace(/^"(.*)"$/, '$1');
        if (m[2] === 'discriminator.type') s.slicing.discriminatorType = value;
        else if (m[2] === 'discriminator.path') s.slicing.discriminatorPath = value;
        else if (m[2] === 'rules') s.slicing.rules = value;
        else s.slicing.ordered = value === 'true';
      } else if ((m = /^(\S+)\s+\^type\.aggregation\s*=\s*#(\S+)$/.exec(text))) {
        rules.push({ path: fhirPath(m[1]), aggregation: m[2] });
      } else if (/^(\S+\s+)?\^/.test(text) || /^obeys\s/.test(text) || /^\S+\s+obeys\s/.test(text) || /^insert\s/.test(text)) {
        continue; // metadata, text, invariants
      } else if ((m = /^(\S+)\s+from\s+/.exec(text))) {
        continue; // bindings: the terminology part, in build.mjs
      } else if ((m = /^(\S+)\s+contains\s+(.+)$/.exec(text))) {
        const p = fhirPath(m[1]);
        const isExtension = /(^|\.)(extension|modifierExtension)$/.test(m[1]);
        const slices = m[2].split(/\s+and\s+/).map((part) => {
          const s = /^(\S+)(?:\s+named\s+(\S+))?\s+(\d*)\.\.(\d+|\*)?/.exec(part.trim());
          if (!s) throw new Error(`${entity.file}: cannot read '${text}'`);
          const slice = { sliceName: s[2] ?? s[1], min: Number(s[3] || 0), max: s[4] ?? '*' };
          if (isExtension) {
            // an extension of a dependency not known here stays unresolved; build.mjs refuses to use it
            slice.extension = extensionUrl(ig, s[1]) ?? null;
            if (!slice.extension) slice.extensionName = s[1];
          }
          return slice;
        });
        rules.push({ path: p, contains: slices });
      } else if ((m = /^(\S+)\s+only\s+(.+)$/.exec(text))) {
        const types = m[2].split(/\s+or\s+/).map((t) => t.trim());
        const ref = /^Reference\((.+)\)$/.exec(m[2].trim());
        if (ref) {
          const targets = ref[1].split(/\s+or\s+/).map((name) => {
            const d = find(ig, name.trim());
            return d
              ? { profile: d.url, type: baseType(ig, d.entity.meta.Parent) }
              : { type: name.trim() };
          });
          rules.push({ path: fhirPath(m[1]), only: 'Reference', targets });
        } else {
          rules.push({ path: fhirPath(m[1]), only: types });
        }
      } else if ((m = /^(\S+)\s+=\s+(.+)$/.exec(text))) {
        rules.push({ path: fhirPath(m[1]), assign: parseValue(m[2], aliases) });
      } else if ((m = CARD.exec(text))) {
        const rule = { path: fhirPath(m[1]) };
        if (m[2] !== '') rule.min = Number(m[2]);
        if (m[3] !== undefined) rule.max = m[3];
        if (rule.min !== undefined || rule.max !== undefined) rules.push(rule);
      } else if (/^\S+(\s+(MS|SU|\?!|N|TU|D))+$/.test(text)) {
        continue; // flags only
      } else {
        throw new Error(`${entity.file}: rule not understood: '* ${text}'`);
      }
    }
    return rules;
  };

  const profiles = {};
  const extensions = {};
  for (const d of [...new Set(defs.values())].sort((a, b) => a.url.localeCompare(b.url))) {
    const e = d.entity;
    const source = { repo: d.ig.repo, commit: d.ig.commit, file: `input/fsh/${e.file}` };
    if (e.kind === 'Profile') {
      profiles[d.id] = { url: d.url, name: e.name, type: baseType(d.ig, e.meta.Parent), parent: e.meta.Parent, source, rules: rulesOf(d.ig, e) };
    } else {
      extensions[d.url] = { name: e.name, source, rules: rulesOf(d.ig, e).filter((r) => r.path.startsWith('value[x]')) };
    }
  }
  const result = {
    description: 'Structural rules of KL\'s gateway profiles, read from the FSH of KL\'s implementation guides by profiles/build/read-kl-fsh.mjs; build.mjs applies them. Do not edit by hand: run the reader on the IGs\' commits below.',
    igs: igs.map((ig) => ({ repo: ig.repo, commit: ig.commit, id: ig.id, canonical: ig.canonical, version: ig.version })),
    profiles,
    extensions,
  };
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`read ${Object.keys(profiles).length} profiles and ${Object.keys(extensions).length} extensions from ${igs.length} IGs into ${out}`);
}

main();
