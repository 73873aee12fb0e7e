// Finds where a value of the evaluated config is written in the config's source, so that a
// diagnostic about `files[2].dest` points at the line and column of that destination. The source
// is parsed, not evaluated: the walk follows object and array literals, `defineImage(...)`,
// `satisfies` and `as`, top-level constants, and the helpers' positional arguments.

import path from "node:path";

import ts from "typescript";

import type { SourceLocation } from "../diagnostics/diagnostic.js";
import { parseConfigPath, type ConfigPath, type ConfigPathSegment } from "./config-path.js";

/** A parsed config file, ready for `locateConfigPath`. */
export interface ConfigSource {
  file: string;
  sourceFile: ts.SourceFile;
  /** The default export's expression (the whole document for JSON), if one was found. */
  root: ts.Expression | undefined;
  /** Local names of the helpers imported from "imgc", mapped to their exported names. */
  helperNames: ReadonlyMap<string, string>;
  /** Local names of `import * as … from "imgc"`. */
  namespaceNames: ReadonlySet<string>;
}

/** The source location of a config path, with the offsets of its whole property. */
export interface LocatedValue {
  location: SourceLocation;
  /** False when only an enclosing value was found, such as the object a missing key belongs to. */
  exact: boolean;
  /** Offsets of the whole property, element or argument, for matching other diagnostics. */
  start: number;
  end: number;
}

/** The layout of a helper call: its positional arguments, then an optional options object. */
interface HelperShape {
  positional: readonly string[];
  options: number | undefined;
}

const helperShapes: Readonly<Record<string, HelperShape>> = {
  copy: { positional: ["src", "dest"], options: 2 },
  text: { positional: ["dest", "content"], options: 2 },
  symlink: { positional: ["dest", "target"], options: 2 },
  dir: { positional: ["dest"], options: 1 },
  debian: { positional: [], options: 0 },
  ociLayout: { positional: ["path", "tag"], options: undefined },
};

/** Top-level constants are followed at most this deep, which also stops `const a = b, b = a`. */
const maxIdentifierDepth = 8;

/** Parses a TypeScript, JavaScript or JSON config for locating its values. */
export function parseConfigSource(file: string, text: string): ConfigSource {
  const kind = scriptKind(file);
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const { helperNames, namespaceNames } = findHelperImports(sourceFile);
  const root =
    kind === ts.ScriptKind.JSON ? findJsonRoot(sourceFile) : findDefaultExport(sourceFile);
  return { file, sourceFile, root, helperNames, namespaceNames };
}

/**
 * Locates `configPath` in the source. `target: "key"` points at a property's name (for unknown
 * keys) instead of its value. When the full path cannot be followed, returns the innermost value
 * that could be, with `exact: false`, or undefined when not even the root was found.
 */
export function locateConfigPath(
  source: ConfigSource,
  configPath: string | ConfigPath,
  options: { target?: "key" | "value" } = {},
): LocatedValue | undefined {
  const segments = typeof configPath === "string" ? parseConfigPath(configPath) : configPath;
  if (source.root === undefined) {
    return undefined;
  }

  let current: Step = { value: source.root, key: undefined, whole: source.root };
  for (const segment of segments) {
    const next = stepInto(source, current.value, segment);
    if (next === undefined) {
      const enclosing = findEnclosing(source, current.value, segment);
      return toLocated(
        source,
        enclosing,
        enclosing === current.value ? current.whole : enclosing,
        false,
      );
    }
    current = next;
  }
  const target =
    options.target === "key" && current.key !== undefined ? current.key : current.value;
  return toLocated(source, target, current.whole, true);
}

/** One step of the walk: the value, its property name if any, and the node that contains both. */
interface Step {
  value: ts.Node;
  key: ts.Node | undefined;
  whole: ts.Node;
}

function stepInto(
  source: ConfigSource,
  node: ts.Node,
  segment: ConfigPathSegment,
): Step | undefined {
  const value = unwrap(source, node);
  if (ts.isObjectLiteralExpression(value) && typeof segment === "string") {
    return findProperty(source, value, segment);
  }
  if (ts.isArrayLiteralExpression(value) && typeof segment === "number") {
    return findElement(source, value, segment);
  }
  if (ts.isCallExpression(value) && typeof segment === "string") {
    return findHelperField(source, value, segment);
  }
  return undefined;
}

function findProperty(
  source: ConfigSource,
  literal: ts.ObjectLiteralExpression,
  key: string,
): Step | undefined {
  // A later property overrides an earlier one, and a spread may hold the key, so search backwards.
  for (const property of [...literal.properties].reverse()) {
    if (ts.isSpreadAssignment(property)) {
      const spread = unwrap(source, property.expression);
      const found = ts.isObjectLiteralExpression(spread)
        ? findProperty(source, spread, key)
        : undefined;
      if (found !== undefined) {
        return found;
      }
      continue;
    }
    if (property.name === undefined || propertyName(property.name) !== key) {
      continue;
    }
    if (ts.isPropertyAssignment(property)) {
      return { value: property.initializer, key: property.name, whole: property };
    }
    const value = ts.isShorthandPropertyAssignment(property) ? property.name : property;
    return { value, key: property.name, whole: property };
  }
  return undefined;
}

function findElement(
  source: ConfigSource,
  literal: ts.ArrayLiteralExpression,
  index: number,
): Step | undefined {
  let remaining = index;
  for (const element of literal.elements) {
    if (!ts.isSpreadElement(element)) {
      if (remaining === 0) {
        return { value: element, key: undefined, whole: element };
      }
      remaining -= 1;
      continue;
    }
    // `...common` counts as its elements when it is an array literal this walk can see.
    const spread = unwrap(source, element.expression);
    if (!ts.isArrayLiteralExpression(spread)) {
      return undefined;
    }
    const found = findElement(source, spread, remaining);
    if (found !== undefined) {
      return found;
    }
    const count = countElements(source, spread);
    if (count === undefined) {
      return undefined;
    }
    remaining -= count;
  }
  return undefined;
}

function countElements(
  source: ConfigSource,
  literal: ts.ArrayLiteralExpression,
): number | undefined {
  let count = 0;
  for (const element of literal.elements) {
    if (!ts.isSpreadElement(element)) {
      count += 1;
      continue;
    }
    const spread = unwrap(source, element.expression);
    const inner = ts.isArrayLiteralExpression(spread) ? countElements(source, spread) : undefined;
    if (inner === undefined) {
      return undefined;
    }
    count += inner;
  }
  return count;
}

function findHelperField(
  source: ConfigSource,
  call: ts.CallExpression,
  field: string,
): Step | undefined {
  const helper = helperName(source, call);
  const shape = helper === undefined ? undefined : helperShapes[helper];
  if (shape === undefined) {
    return undefined;
  }
  if (field === "kind") {
    return { value: call.expression, key: undefined, whole: call };
  }
  const position = shape.positional.indexOf(field);
  if (position !== -1) {
    const argument = call.arguments[position];
    return argument === undefined
      ? undefined
      : { value: argument, key: undefined, whole: argument };
  }
  const optionsArgument = shape.options === undefined ? undefined : call.arguments[shape.options];
  return optionsArgument === undefined ? undefined : stepInto(source, optionsArgument, field);
}

/**
 * Returns the node a missing `segment` would be written in: a helper's options object when the
 * call has one and the segment is not positional, else `node` itself.
 */
function findEnclosing(source: ConfigSource, node: ts.Node, segment: ConfigPathSegment): ts.Node {
  const value = unwrap(source, node);
  if (!ts.isCallExpression(value) || typeof segment !== "string") {
    return node;
  }
  const helper = helperName(source, value);
  const shape = helper === undefined ? undefined : helperShapes[helper];
  if (shape?.options === undefined || shape.positional.includes(segment)) {
    return node;
  }
  return value.arguments[shape.options] ?? node;
}

/** Looks through parentheses, `satisfies`, `as`, `!`, `defineImage(...)` and constants. */
function unwrap(source: ConfigSource, node: ts.Node, depth = 0): ts.Node {
  if (
    ts.isParenthesizedExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isTypeAssertionExpression(node) ||
    ts.isNonNullExpression(node)
  ) {
    return unwrap(source, node.expression, depth);
  }
  if (ts.isCallExpression(node) && helperName(source, node) === "defineImage") {
    const argument = node.arguments[0];
    return argument === undefined ? node : unwrap(source, argument, depth);
  }
  if (ts.isIdentifier(node) && depth < maxIdentifierDepth) {
    const initializer = findConstant(source.sourceFile, node.text);
    return initializer === undefined ? node : unwrap(source, initializer, depth + 1);
  }
  return node;
}

/** Returns the initializer of a top-level `const`/`let`/`var` named `name`. */
function findConstant(sourceFile: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of sourceFile.statements) {
    if (!ts.isVariableStatement(statement)) {
      continue;
    }
    for (const declaration of statement.declarationList.declarations) {
      if (ts.isIdentifier(declaration.name) && declaration.name.text === name) {
        return declaration.initializer;
      }
    }
  }
  return undefined;
}

function findJsonRoot(sourceFile: ts.SourceFile): ts.Expression | undefined {
  const statement = sourceFile.statements[0];
  return statement !== undefined && ts.isExpressionStatement(statement)
    ? statement.expression
    : undefined;
}

function findDefaultExport(sourceFile: ts.SourceFile): ts.Expression | undefined {
  for (const statement of sourceFile.statements) {
    if (ts.isExportAssignment(statement) && statement.isExportEquals !== true) {
      return statement.expression;
    }
    // export { config as default }
    if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined) {
      if (!ts.isNamedExports(statement.exportClause) || statement.moduleSpecifier !== undefined) {
        continue;
      }
      for (const specifier of statement.exportClause.elements) {
        if (specifier.name.text === "default") {
          return specifier.propertyName ?? specifier.name;
        }
      }
    }
  }
  return undefined;
}

function findHelperImports(sourceFile: ts.SourceFile) {
  const helperNames = new Map<string, string>();
  const namespaceNames = new Set<string>();
  for (const statement of sourceFile.statements) {
    if (
      !ts.isImportDeclaration(statement) ||
      !ts.isStringLiteral(statement.moduleSpecifier) ||
      statement.moduleSpecifier.text !== "imgc"
    ) {
      continue;
    }
    const bindings = statement.importClause?.namedBindings;
    if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
      namespaceNames.add(bindings.name.text);
    } else if (bindings !== undefined) {
      for (const element of bindings.elements) {
        helperNames.set(element.name.text, (element.propertyName ?? element.name).text);
      }
    }
  }
  return { helperNames, namespaceNames };
}

/**
 * Returns the imgc helper a call invokes: `copy(...)`, `cp(...)` after `import { copy as cp }`,
 * or `imgc.copy(...)` after `import * as imgc`. A name not imported from "imgc" is taken as it is,
 * so helpers re-exported through a local module are still recognised.
 */
function helperName(source: ConfigSource, call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) {
    return source.helperNames.get(callee.text) ?? callee.text;
  }
  if (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    source.namespaceNames.has(callee.expression.text)
  ) {
    return callee.name.text;
  }
  return undefined;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) {
    return name.text;
  }
  if (ts.isNoSubstitutionTemplateLiteral(name)) {
    return name.text;
  }
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) {
    return name.expression.text;
  }
  return undefined;
}

function toLocated(
  source: ConfigSource,
  target: ts.Node,
  whole: ts.Node,
  exact: boolean,
): LocatedValue {
  const start = target.getStart(source.sourceFile);
  const position = source.sourceFile.getLineAndCharacterOfPosition(start);
  const location = { file: source.file, line: position.line + 1, column: position.character + 1 };
  return { location, exact, start: whole.getStart(source.sourceFile), end: whole.getEnd() };
}

function scriptKind(file: string): ts.ScriptKind {
  const extension = path.extname(file);
  if (extension === ".json") {
    return ts.ScriptKind.JSON;
  }
  if (extension === ".js" || extension === ".mjs" || extension === ".cjs") {
    return ts.ScriptKind.JS;
  }
  return ts.ScriptKind.TS;
}
