// Parser and serializer for deb822 (RFC 822 style) control data: Packages and Release indexes,
// a package's control file, apt's .sources files.

import { ImgcError } from "../../util/errors.js";

/**
 * One field: the name as written and the value. The value starts after the colon and its
 * leading whitespace. Each continuation line follows a "\n" and keeps its leading space, so a
 * field whose first line is empty (`SHA256:` in a Release file) has a value that starts with "\n".
 */
export type ControlField = readonly [name: string, value: string];

/** One paragraph (stanza), its fields in their original order. */
export type ControlParagraph = readonly ControlField[];

/**
 * An incremental deb822 parser: feed it text in chunks of any size and it returns each
 * paragraph once the blank line (or the end) that closes it has arrived.
 */
export class ControlParser {
  private pending = "";
  private lineNumber = 0;
  private fields: [string, string][] = [];

  /** @param source the file being parsed, named in error messages */
  constructor(private readonly source: string) {}

  /** Parses the complete lines of `chunk` and returns the paragraphs they close. */
  push(chunk: string): ControlParagraph[] {
    const text = this.pending + chunk;
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < 0) {
      this.pending = text;
      return [];
    }
    this.pending = text.slice(lastNewline + 1);
    return this.parseLines(text.slice(0, lastNewline).split("\n"));
  }

  /** Parses what is left and returns the last paragraphs. */
  end(): ControlParagraph[] {
    const rest = this.pending;
    this.pending = "";
    const paragraphs = rest === "" ? [] : this.parseLines([rest]);
    this.closeParagraph(paragraphs);
    return paragraphs;
  }

  private parseLines(lines: string[]): ControlParagraph[] {
    const paragraphs: ControlParagraph[] = [];
    for (const rawLine of lines) {
      this.lineNumber++;
      const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
      if (line.trim() === "") this.closeParagraph(paragraphs);
      else if (line.startsWith("#")) continue;
      else if (line.startsWith(" ") || line.startsWith("\t")) this.continueField(line);
      else this.startField(line);
    }
    return paragraphs;
  }

  private closeParagraph(paragraphs: ControlParagraph[]): void {
    if (this.fields.length === 0) return;
    paragraphs.push(this.fields);
    this.fields = [];
  }

  private startField(line: string): void {
    const colon = line.indexOf(":");
    if (colon <= 0) {
      throw new ImgcError(
        `invalid control data in ${this.source} at line ${this.lineNumber}: ` +
          `expected "Field: value", found ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    this.fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }

  private continueField(line: string): void {
    const field = this.fields[this.fields.length - 1];
    if (!field) {
      throw new ImgcError(
        `invalid control data in ${this.source} at line ${this.lineNumber}: ` +
          `a continuation line comes before any field`,
      );
    }
    field[1] += `\n${line.trimEnd()}`;
  }
}

/** Parses a whole deb822 document into its paragraphs. */
export function parseControl(text: string, source: string): ControlParagraph[] {
  const parser = new ControlParser(source);
  return [...parser.push(text), ...parser.end()];
}

/** Returns the value of the field `name` (matched case-insensitively), or undefined. */
export function getField(paragraph: ControlParagraph, name: string): string | undefined {
  const key = name.toLowerCase();
  for (const [fieldName, value] of paragraph) {
    if (fieldName.toLowerCase() === key) return value;
  }
  return undefined;
}

/** Returns the fields of a paragraph keyed by lowercased name, for repeated lookups. */
export function fieldMap(paragraph: ControlParagraph): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of paragraph) map.set(name.toLowerCase(), value);
  return map;
}

/** Splits a multi-line value (such as the `SHA256` list of a Release file) into trimmed lines. */
export function valueLines(value: string): string[] {
  return value
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** Serializes one paragraph in deb822 form, each field on its line, ending with "\n". */
export function serializeControl(paragraph: ControlParagraph): string {
  let text = "";
  for (const [name, value] of paragraph) {
    const separator = value === "" || value.startsWith("\n") ? "" : " ";
    text += `${name}:${separator}${value}\n`;
  }
  return text;
}
