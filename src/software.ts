/** What this server is, as its CapabilityStatement and the packages it writes name it. */
export const SOFTWARE = { name: 'faelles-tx', version: '0.1.0', releaseDate: '2026-11-23' };
