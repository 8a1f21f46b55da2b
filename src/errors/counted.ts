/**
 * A count with its noun in the number it takes: `counted(1, 'kodesystem', 'kodesystemer')` is «1 kodesystem», with 2
 * «2 kodesystemer» (Danish has the singular for one only, as English does; «værdisæt» is the same in both).
 */
export function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
