// KL's structural rules (kl-structure.json, read from KL's FSH by read-kl-fsh.mjs) applied to a profile's element
// tree: cardinalities and 0..0 prohibitions, type and Reference target rules, fixed/pattern values, slicing and
// extension slices (with the extension's value[x] rules). One function for every profile: nothing here is written
// per profile.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeCodes } from './r4-base.mjs';

export const KL_STRUCTURE = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'kl-structure.json'), 'utf8'));

const upperFirst = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const hasValue = (element) => Object.keys(element).some((k) => /^(fixed|pattern)[A-Z]/.test(k));

/** The value of a FSH assignment for an element of the given type. */
function assignedValue(assign, type) {
  if (assign.code !== undefined) {
    if (type === 'code') return assign.code;
    const coding = { ...(assign.system ? { system: assign.system } : {}), code: assign.code };
    if (type === 'Coding') return coding;
    if (type === 'CodeableConcept') return { coding: [coding] };
  }
  for (const k of ['string', 'uri', 'boolean', 'number']) if (assign[k] !== undefined) return assign[k];
  throw new Error(`cannot assign ${JSON.stringify(assign)} to a ${type}`);
}

/**
 * Applies KL's rules for one profile to its tree. `ourUrl(klCanonical)` gives this server's profile for a KL profile
 * (a Reference target), when there is one; other targets become the R4 base type of KL's profile.
 */
export function applyKlStructure(tree, klId, ourUrl) {
  const kl = KL_STRUCTURE.profiles[klId];
  if (!kl) throw new Error(`KL profile ${klId} is not in kl-structure.json`);
  if (kl.type !== tree.type) throw new Error(`KL profile ${klId} constrains ${kl.type}, not ${tree.type}`);
  const targetsOf = (targets) => targets.map((t) => ourUrl(t.profile) ?? `http://hl7.org/fhir/StructureDefinition/${t.type}`);

  const apply = (rule, prefix = '') => {
    const { id, node, choices } = tree.resolve(prefix + rule.path);
    const last = choices[choices.length - 1];
    const namesChoiceType = last && last.id === id;
    if (rule.min !== undefined || rule.max !== undefined) {
      if (namesChoiceType) {
        // `occurrenceDateTime 0..0`: that type is not allowed; `valuePeriod 1..1`: that type is required
        const types = node.element.type.filter((t) => (rule.max === '0' ? t.code !== last.type : rule.min > 0 ? t.code === last.type : true));
        tree.set(id, { type: types, ...(rule.min > 0 ? { min: rule.min } : {}) });
      } else {
        tree.set(id, { ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}) });
      }
    }
    if (rule.only === 'Reference') {
      tree.set(id, { type: [{ code: 'Reference', targetProfile: targetsOf(rule.targets) }] });
    } else if (Array.isArray(rule.only)) {
      tree.set(id, { type: rule.only.map((code) => ({ code })) });
    }
    if (rule.aggregation) {
      const types = node.element.type.map((t) => (t.code === 'Reference' ? { ...t, aggregation: [...new Set([...(t.aggregation ?? []), rule.aggregation])] } : t));
      tree.set(id, { type: types });
    }
    if (rule.assign && !hasValue(node.element)) {
      const type = namesChoiceType ? last.type : typeCodes(node.element)[0];
      tree.set(id, { [`${rule.assign.exactly ? 'fixed' : 'pattern'}${upperFirst(type)}`]: assignedValue(rule.assign, type) });
    }
    if (rule.slicing) {
      const s = rule.slicing;
      const current = node.element.slicing ?? { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' };
      tree.set(id, {
        slicing: {
          discriminator: s.discriminatorType ? [{ type: s.discriminatorType, path: s.discriminatorPath }] : current.discriminator,
          ...(s.ordered !== undefined ? { ordered: s.ordered } : {}),
          rules: s.rules ?? current.rules,
        },
      });
    }
    if (rule.contains) {
      const isExtension = /(^|\.)(extension|modifierExtension)$/.test(id);
      if (isExtension && !node.element.slicing) tree.set(id, { slicing: { discriminator: [{ type: 'value', path: 'url' }], rules: 'open' } });
      for (const s of rule.contains) {
        const sliceId = `${id}:${s.sliceName}`;
        if (!isExtension) {
          tree.set(sliceId, { sliceName: s.sliceName, min: s.min, max: s.max });
          continue;
        }
        if (!s.extension) throw new Error(`${klId}: the extension ${s.extensionName} of slice ${s.sliceName} is not known`);
        tree.set(sliceId, { sliceName: s.sliceName, min: s.min, max: s.max, type: [{ code: 'Extension', profile: [s.extension] }] });
        for (const r of KL_STRUCTURE.extensions[s.extension]?.rules ?? []) apply(r, `${sliceId.slice(tree.type.length + 1)}.`);
      }
    }
  };
  for (const rule of kl.rules) apply(rule);
  return kl;
}
