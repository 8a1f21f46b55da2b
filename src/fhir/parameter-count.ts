/**
 * The longest parameter list of a Parameters body: its own `parameter`, the `part` of each parameter and the
 * `parameter` of each Parameters resource a parameter carries (a $batch-validate-code `validation`). 0 for other bodies.
 */
export function longestParameterList(body: unknown): number {
  const list = parameterList(body);
  if (!list) return 0;
  let longest = list.length;
  for (const p of list) {
    if (!p || typeof p !== 'object') continue;
    const { part, resource } = p as { part?: unknown; resource?: unknown };
    if (Array.isArray(part) && part.length > longest) longest = part.length;
    const nested = parameterList(resource);
    if (nested && nested.length > longest) longest = nested.length;
  }
  return longest;
}

function parameterList(resource: unknown): unknown[] | undefined {
  if (!resource || typeof resource !== 'object') return undefined;
  const { resourceType, parameter } = resource as { resourceType?: unknown; parameter?: unknown };
  return resourceType === 'Parameters' && Array.isArray(parameter) ? parameter : undefined;
}
