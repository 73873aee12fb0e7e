import { describe, expect, it } from "vitest";

import { listCommands } from "./shell-commands.js";

function names(script: string): string[] {
  return listCommands(script).map((command) => command.words[0] ?? "");
}

describe("listCommands", () => {
  it("splits on separators and skips keywords", () => {
    const script = `#!/bin/sh
set -e
if [ "$1" = "configure" ] && [ -z "$2" ]; then
    adduser --system app || true
elif test -x /usr/bin/x; then :; else echo no | grep -q n; fi
while read line; do mkdir "$line"; done
`;
    expect(names(script)).toEqual([
      "set",
      "[",
      "[",
      "adduser",
      "true",
      "test",
      ":",
      "echo",
      "grep",
      "read",
      "mkdir",
    ]);
  });

  it("joins continuation lines and removes quotes", () => {
    const [command] = listCommands(
      "update-alternatives --install /usr/bin/js js \\\n   '/usr/bin/node js' 50 \\\n  --slave \"/a b\" x /c\n",
    );
    expect(command?.words).toEqual([
      "update-alternatives",
      "--install",
      "/usr/bin/js",
      "js",
      "/usr/bin/node js",
      "50",
      "--slave",
      "/a b",
      "x",
      "/c",
    ]);
    expect(command?.dynamic.some(Boolean)).toBe(false);
  });

  it("marks words built from variables as dynamic", () => {
    const [command] = listCommands('update-alternatives --install /usr/bin/x x "$DIR/x" 10\n');
    expect(command?.dynamic).toEqual([false, false, false, false, true, false]);
  });

  it("skips case patterns and scans the branches", () => {
    const script = `case "$1" in
    configure)
        ldconfig
    ;;
    abort-upgrade|abort-remove)
    ;;
    *)
        echo "unknown" >&2
        exit 1
    ;;
esac
`;
    expect(names(script)).toEqual(["ldconfig", "echo", "exit"]);
  });

  it("skips function headers, for lists and assignments", () => {
    const script = `each() {
  X=1 Y=2 sort -u
}
for f in a b c; do rm -f "$f"; done
CERTS=$(ls /x)
`;
    expect(names(script)).toEqual(["sort", "rm", "ls"]);
  });

  it("records output redirections and skips heredoc bodies", () => {
    const script = `cat > /etc/motd <<EOF
rm -rf /
EOF
echo hi 2>/dev/null >>/var/log/x
done < /etc/in > /etc/out
`;
    const commands = listCommands(script);
    expect(commands.map((command) => [command.words[0], command.writes])).toEqual([
      ["cat", ["/etc/motd"]],
      ["echo", ["/dev/null", "/var/log/x"]],
      [":", ["/etc/out"]],
    ]);
  });

  it("scans command substitutions", () => {
    expect(names("mkdir -m $(stat -c %a /usr/local) /x\nv=`chown root /y`\n")).toEqual([
      "mkdir",
      "stat",
      "chown",
    ]);
  });

  it("does not scan arithmetic as commands", () => {
    expect(names("n=$((n + 1))\necho $n\n")).toEqual(["echo"]);
  });

  it("ignores comments", () => {
    expect(names("# rm -rf /\necho a # mkdir b\n")).toEqual(["echo"]);
  });
});
