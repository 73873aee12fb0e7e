// A small POSIX sh scanner that lists the simple commands of a maintainer script, so imgc can
// tell which ones it reproduces. It reads the shape of the script, and does not evaluate it:
// every branch counts, and words built from variables are marked dynamic.

/** One simple command, such as `update-alternatives --install /usr/bin/js js /usr/bin/nodejs 50`. */
export interface SimpleCommand {
  /** The words after quote removal, without assignments. `words[0]` is the command name. */
  words: string[];
  /** True for each word that contains a parameter expansion or command substitution. */
  dynamic: boolean[];
  /** Targets of output redirections (`> file`, `>> file`), such as `/dev/null`. */
  writes: string[];
}

type Token =
  | { kind: "word"; text: string; dynamic: boolean }
  | { kind: "op"; text: string }
  | { kind: "redirect"; text: string; target: string };

const operators = [";;", "&&", "||", ";", "&", "|", "(", ")", "\n"];
const keywords = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "!",
  "{",
  "}",
  "esac",
]);

/** Returns the index just past the ")" that closes the "(" before `start`. */
function skipParens(text: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < text.length && depth > 0) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "'") i = text.indexOf("'", i + 1) < 0 ? text.length : text.indexOf("'", i + 1);
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    i++;
  }
  return i;
}

class Scanner {
  private i = 0;
  readonly tokens: Token[] = [];
  /** Command substitutions found inside words, scanned separately. */
  readonly nested: string[] = [];
  private pendingHeredocs: { delimiter: string; stripTabs: boolean }[] = [];

  constructor(private readonly text: string) {}

  scan(): void {
    while (this.i < this.text.length) {
      const c = this.text[this.i] as string;
      if (c === " " || c === "\t") this.i++;
      else if (c === "\\" && this.text[this.i + 1] === "\n") this.i += 2;
      else if (c === "#") this.skipComment();
      else if (c === "\n") this.newline();
      else if (!this.scanRedirect() && !this.scanOperator()) this.scanWord();
    }
  }

  private skipComment(): void {
    const end = this.text.indexOf("\n", this.i);
    this.i = end < 0 ? this.text.length : end;
  }

  private newline(): void {
    this.tokens.push({ kind: "op", text: "\n" });
    this.i++;
    for (const heredoc of this.pendingHeredocs) this.skipHeredoc(heredoc);
    this.pendingHeredocs = [];
  }

  private skipHeredoc(heredoc: { delimiter: string; stripTabs: boolean }): void {
    while (this.i < this.text.length) {
      const end = this.text.indexOf("\n", this.i);
      const lineEnd = end < 0 ? this.text.length : end;
      const line = this.text.slice(this.i, lineEnd);
      this.i = lineEnd + 1;
      if ((heredoc.stripTabs ? line.replace(/^\t+/, "") : line) === heredoc.delimiter) return;
    }
  }

  private scanOperator(): boolean {
    const op = operators.find((candidate) => this.text.startsWith(candidate, this.i));
    if (!op) return false;
    this.tokens.push({ kind: "op", text: op });
    this.i += op.length;
    return true;
  }

  private scanRedirect(): boolean {
    const match = /^[0-9]*(<<-?|>>|>&|<&|>\||<>|<|>)/.exec(this.text.slice(this.i, this.i + 8));
    if (!match?.[1]) return false;
    const op = match[1];
    this.i += match[0].length;
    while (this.text[this.i] === " " || this.text[this.i] === "\t") this.i++;
    const target = this.readWord();
    if (op.startsWith("<<")) {
      this.pendingHeredocs.push({ delimiter: target.text, stripTabs: op === "<<-" });
    } else if (op.startsWith(">") && op !== ">&") {
      this.tokens.push({ kind: "redirect", text: op, target: target.text });
    }
    return true;
  }

  private scanWord(): void {
    const word = this.readWord();
    this.tokens.push({ kind: "word", ...word });
  }

  /** Reads one word and removes its quotes. Command substitutions are kept for a separate scan. */
  private readWord(): { text: string; dynamic: boolean } {
    let text = "";
    let dynamic = false;
    while (this.i < this.text.length) {
      const c = this.text[this.i] as string;
      if (" \t\n;&|()<>".includes(c)) break;
      if (c === "\\" && this.text[this.i + 1] === "\n") {
        this.i += 2;
      } else if (c === "\\") {
        text += this.text[this.i + 1] ?? "";
        this.i += 2;
      } else if (c === "'") {
        const end = this.text.indexOf("'", this.i + 1);
        const close = end < 0 ? this.text.length : end;
        text += this.text.slice(this.i + 1, close);
        this.i = close + 1;
      } else if (c === '"') {
        const quoted = this.readDoubleQuoted();
        text += quoted.text;
        dynamic ||= quoted.dynamic;
      } else if (c === "$" || c === "`") {
        text += this.readExpansion();
        dynamic = true;
      } else {
        text += c;
        this.i++;
      }
    }
    return { text, dynamic };
  }

  private readDoubleQuoted(): { text: string; dynamic: boolean } {
    let text = "";
    let dynamic = false;
    this.i++;
    while (this.i < this.text.length && this.text[this.i] !== '"') {
      const c = this.text[this.i] as string;
      if (c === "\\") {
        text += this.text[this.i + 1] ?? "";
        this.i += 2;
      } else if (c === "$" || c === "`") {
        text += this.readExpansion();
        dynamic = true;
      } else {
        text += c;
        this.i++;
      }
    }
    this.i++;
    return { text, dynamic };
  }

  /** Reads `$name`, `${...}`, `$(...)`, `$((...))` or a backquoted command, and returns it verbatim. */
  private readExpansion(): string {
    const start = this.i;
    if (this.text[this.i] === "`") {
      const end = this.text.indexOf("`", this.i + 1);
      const close = end < 0 ? this.text.length : end;
      this.nested.push(this.text.slice(this.i + 1, close));
      this.i = close + 1;
    } else if (this.text.startsWith("$((", this.i)) {
      // Arithmetic: the inner "(" nests, so this skips to the matching "))".
      this.i = skipParens(this.text, this.i + 2);
    } else if (this.text.startsWith("$(", this.i)) {
      const end = skipParens(this.text, this.i + 2);
      this.nested.push(this.text.slice(this.i + 2, end - 1));
      this.i = end;
    } else if (this.text.startsWith("${", this.i)) {
      const end = this.text.indexOf("}", this.i);
      this.i = end < 0 ? this.text.length : end + 1;
    } else {
      this.i++;
      const name = /^([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(this.text.slice(this.i));
      this.i += name?.[0].length ?? 0;
    }
    return this.text.slice(start, this.i);
  }
}

/** Groups tokens into simple commands, skipping keywords, case patterns and function headers. */
function groupCommands(tokens: readonly Token[]): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let current: SimpleCommand = { words: [], dynamic: [], writes: [] };
  let skipUntilSeparator = false;
  let casePattern = 0;
  const finish = () => {
    if (current.words.length > 0) commands.push(current);
    else if (current.writes.length > 0)
      commands.push({ ...current, words: [":"], dynamic: [false] });
    current = { words: [], dynamic: [], writes: [] };
  };
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t] as Token;
    if (token.kind === "redirect") {
      current.writes.push(token.target);
      continue;
    }
    if (token.kind === "op") {
      if (casePattern > 0 && token.text === ")") casePattern = 0;
      else if (token.text === ";;") casePattern = 1;
      skipUntilSeparator = skipUntilSeparator && !["\n", ";"].includes(token.text);
      finish();
      continue;
    }
    if (skipUntilSeparator || casePattern > 0) {
      if (token.text === "esac") casePattern = 0;
      continue;
    }
    const atStart = current.words.length === 0;
    if (atStart && keywords.has(token.text)) continue;
    if (atStart && token.text === "case") {
      // `case WORD in`, then patterns up to ")".
      t += 2;
      casePattern = 1;
      continue;
    }
    if (atStart && token.text === "for") {
      skipUntilSeparator = true;
      continue;
    }
    const next = tokens[t + 1];
    if (atStart && next?.kind === "op" && next.text === "(" && tokens[t + 2]?.kind === "op") {
      t += 2; // a function definition header: name ( )
      continue;
    }
    if (atStart && /^[A-Za-z_][A-Za-z0-9_]*=/.test(token.text)) continue;
    current.words.push(token.text);
    current.dynamic.push(token.dynamic);
  }
  finish();
  return commands;
}

/** Returns the simple commands of a shell script, including those in command substitutions. */
export function listCommands(script: string): SimpleCommand[] {
  const scanner = new Scanner(script);
  scanner.scan();
  const commands = groupCommands(scanner.tokens);
  for (const nested of scanner.nested) commands.push(...listCommands(nested));
  return commands;
}
