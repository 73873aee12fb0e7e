// Carries a config's default export from the child process that evaluates it to imgc as JSON.
// A config is plain data, so JSON carries all of it but undefined, NaN and Infinity. Validation
// has to see those as they were written, so they travel beside the JSON, each with its path.

/** One step of a path from the default export: a property name or an array index. */
export type DataPathSegment = string | number;

/** A value that JSON cannot carry, and where it was. */
export interface SpecialValue {
  path: DataPathSegment[];
  value: "undefined" | "NaN" | "Infinity" | "-Infinity";
}

/** A value that is not plain data, which imgc rejects, and where it was. */
export interface UnsupportedValue {
  path: DataPathSegment[];
  kind: "function" | "symbol" | "bigint" | "instance" | "cycle";
  /** Description of the value for a message, such as "a function" or "an instance of Map". */
  found: string;
  /** The constructor's name, for an instance. */
  className?: string;
}

/** A default export converted by `toPlainData`. */
export interface PlainData {
  /** The value with special and unsupported values replaced by null; JSON-serializable. */
  data: unknown;
  specials: SpecialValue[];
  unsupported: UnsupportedValue[];
}

/**
 * Converts a default export into JSON-serializable data, listing the values JSON cannot carry
 * and the values that are not plain data: functions, symbols, bigints, objects other than plain
 * objects and arrays, and references that form a cycle.
 */
export function toPlainData(value: unknown): PlainData {
  const specials: SpecialValue[] = [];
  const unsupported: UnsupportedValue[] = [];
  const ancestors = new Set<object>();

  const visit = (item: unknown, path: DataPathSegment[]): unknown => {
    if (typeof item !== "object" || item === null) {
      return visitPrimitive(item, path);
    }
    if (ancestors.has(item)) {
      unsupported.push({ path, kind: "cycle", found: "a reference to an object that contains it" });
      return null;
    }
    if (!Array.isArray(item) && !isPlainObject(item)) {
      const className = instanceClassName(item);
      const found =
        className === undefined ? "an object that is not plain" : `an instance of ${className}`;
      unsupported.push({ path, kind: "instance", found, className });
      return null;
    }

    ancestors.add(item);
    const copy = Array.isArray(item)
      ? Array.from({ length: item.length }, (_, index) => visit(item[index], [...path, index]))
      : copyObject(item as Record<string, unknown>, (key, child) => visit(child, [...path, key]));
    ancestors.delete(item);
    return copy;
  };

  const visitPrimitive = (item: unknown, path: DataPathSegment[]): unknown => {
    if (typeof item === "number" && !Number.isFinite(item)) {
      let special: SpecialValue["value"] = "NaN";
      if (!Number.isNaN(item)) {
        special = item > 0 ? "Infinity" : "-Infinity";
      }
      specials.push({ path, value: special });
      return null;
    }
    if (item === undefined) {
      specials.push({ path, value: "undefined" });
      return null;
    }
    if (typeof item === "bigint") {
      unsupported.push({ path, kind: "bigint", found: `a bigint (${item}n)` });
      return null;
    }
    if (typeof item === "symbol") {
      unsupported.push({ path, kind: "symbol", found: `a symbol (${item.toString()})` });
      return null;
    }
    if (typeof item === "function") {
      unsupported.push({ path, kind: "function", found: describeFunction(item) });
      return null;
    }
    return item;
  };

  return { data: visit(value, []), specials, unsupported };
}

/** Puts the special values back into data parsed from `toPlainData`'s JSON, in place. */
export function restoreSpecialValues(data: unknown, specials: readonly SpecialValue[]): unknown {
  const values = { undefined, NaN, Infinity, "-Infinity": -Infinity } as const;
  let root = data;
  for (const special of specials) {
    const value = values[special.value];
    if (special.path.length === 0) {
      root = value;
      continue;
    }
    const parent = special.path.slice(0, -1).reduce<unknown>(step, root);
    const key = special.path[special.path.length - 1];
    if (typeof parent === "object" && parent !== null && key !== undefined) {
      // defineProperty, because assigning to a key named "__proto__" would set the prototype.
      Object.defineProperty(parent, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}

function step(container: unknown, key: DataPathSegment): unknown {
  if (typeof container !== "object" || container === null || !Object.hasOwn(container, key)) {
    return undefined;
  }
  return (container as Record<DataPathSegment, unknown>)[key];
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function copyObject(
  object: Record<string, unknown>,
  convert: (key: string, value: unknown) => unknown,
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    // defineProperty, because assigning to a key named "__proto__" would set the prototype.
    const value = convert(key, object[key]);
    Object.defineProperty(copy, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/** Describes a function without its name, which esbuild makes up for an anonymous default export. */
function describeFunction(value: object): string {
  return /^class\b/.test(Function.prototype.toString.call(value)) ? "a class" : "a function";
}

function instanceClassName(value: object): string | undefined {
  if (value instanceof Promise) {
    return "Promise";
  }
  let name: unknown;
  try {
    name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    // A Proxy may throw from getPrototypeOf.
    name = undefined;
  }
  return typeof name === "string" && name !== "" ? name : undefined;
}
