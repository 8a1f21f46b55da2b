/**
 * Calls `visit` for every value of a JSON document (objects, arrays and what they hold, depth first), with a
 * function giving the value's path in FHIRPath form from `root` (`CodeSystem.concept[2].display`): paths are built
 * only for the values reported, as most are not. Object keys are not values. Recursive: request bodies are at most
 * MAX_JSON_DEPTH deep.
 */
export function walkJson(value: unknown, root: string, visit: (value: unknown, path: () => string) => void): void {
  const segments: string[] = [root];
  const path = (): string => segments.join('');
  const step = (v: unknown): void => {
    visit(v, path);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        segments.push(`[${i}]`);
        step(v[i]);
        segments.pop();
      }
    } else if (v !== null && typeof v === 'object') {
      for (const key of Object.keys(v)) {
        segments.push(`.${key}`);
        step((v as Record<string, unknown>)[key]);
        segments.pop();
      }
    }
  };
  step(value);
}
