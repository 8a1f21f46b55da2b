/** Splits a canonical reference `url|version` into its parts. */
export function parseCanonical(canonical: string): { url: string; version?: string } {
  const bar = canonical.indexOf('|');
  if (bar < 0) return { url: canonical };
  const version = canonical.slice(bar + 1);
  return { url: canonical.slice(0, bar), version: version === '' ? undefined : version };
}

export function canonical(url: string, version?: string): string {
  return version ? `${url}|${version}` : url;
}

/** Orders versions: numeric dotted parts numerically, otherwise by string; newest last. */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const pa = a.split(/[.\-]/);
  const pb = b.split(/[.\-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx - ny;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** Whether `version` matches a requested version that may use `x` or `*` wildcards or be a prefix (1.0 → 1.0.2). */
export function versionMatches(requested: string, version: string | undefined): boolean {
  if (version === undefined) return false;
  if (requested === version) return true;
  const r = requested.split('.');
  const v = version.split('.');
  if (r.some((p) => p === 'x' || p === 'X' || p === '*')) {
    if (r.length > v.length) return false;
    return r.every((p, i) => p === 'x' || p === 'X' || p === '*' || p === v[i]);
  }
  return false;
}
