// The string order imgc uses for sorted lists of names and paths (Debian, plan, lock).

/**
 * Compares strings by UTF-16 code units, which for the ASCII names of packages and paths is
 * byte order. Sorting never uses the host's locale, so results do not depend on the machine.
 */
export function compareCodeUnits(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}
