import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { installedPackage } from "../../../test/fixtures/installed-package.js";
import { unreproducedEffects, unreproducedScripts } from "./maintainer-scripts.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imgc-scripts-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("unreproducedEffects", () => {
  it("accepts tests, output and literal update-alternatives calls", () => {
    const script = `#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
    update-alternatives --install /usr/bin/js js /usr/bin/nodejs 200
    echo "done" >&2
fi
dpkg-maintscript-helper rm_conffile /etc/old 1.0 -- "$@"
if dpkg --compare-versions "$2" lt 1.0; then :; fi
exit 0
`;
    expect(unreproducedEffects(script)).toEqual([]);
  });

  it("names commands that change the system", () => {
    const script =
      "adduser --system app\nchown app /var/lib/app\nsed -i s/a/b/ /etc/x\nsed -n p /etc/y\n";
    expect(unreproducedEffects(script)).toEqual(["runs adduser", "runs chown", "runs sed"]);
  });

  it("names files written through redirection", () => {
    expect(unreproducedEffects("echo x > /etc/motd\necho y 2>/dev/null\n")).toEqual([
      "writes /etc/motd",
    ]);
  });

  it("flags update-alternatives calls it cannot reproduce", () => {
    expect(unreproducedEffects('update-alternatives --install /usr/bin/x x "$P" 1\n')).toEqual([
      "runs update-alternatives",
    ]);
    expect(unreproducedEffects("update-alternatives --set editor /usr/bin/vim\n")).toEqual([
      "runs update-alternatives",
    ]);
  });

  it("flags a command named by a variable", () => {
    expect(unreproducedEffects('"$HELPER" --go\n')).toEqual([
      "runs a command named by a variable ($HELPER)",
    ]);
  });
});

describe("unreproducedScripts", () => {
  it("warns once per package, naming the package and its scripts", () => {
    const packages = [
      installedPackage(dir, {
        name: "daemon",
        scripts: {
          preinst: "#!/bin/sh\naddgroup --system daemon\n",
          postinst: "#!/bin/sh\ndeb-systemd-helper enable daemon.service\n",
          prerm: "#!/bin/sh\ndeb-systemd-invoke stop daemon.service\n",
        },
      }),
      installedPackage(dir, {
        name: "nodejs",
        scripts: { postinst: "update-alternatives --install /usr/bin/js js /usr/bin/nodejs 50\n" },
      }),
      installedPackage(dir, { name: "plain" }),
    ];
    expect(unreproducedScripts(packages)).toEqual([
      {
        code: "IMGC3004",
        severity: "warning",
        message:
          "package daemon: preinst runs addgroup; postinst runs deb-systemd-helper, which imgc does not reproduce",
        fix: expect.stringMatching(/^check that the image works without these effects/),
      },
    ]);
  });

  it("does not warn for ca-certificates, whose effects caCertificates recreates", () => {
    const ca = installedPackage(dir, {
      name: "ca-certificates",
      scripts: {
        config: "db_input low x || true\nfind . -type f\n",
        postinst: "mkdir /x\nupdate-ca-certificates\n",
      },
    });
    expect(unreproducedScripts([ca])).toEqual([]);
  });

  it("does not warn for reviewed base packages", () => {
    const packages = ["base-files", "libc6", "openssl"].map((name) =>
      installedPackage(dir, {
        name,
        scripts: { preinst: "ln -s usr/lib64 /lib64\n", postinst: "cp -p a /etc/profile\n" },
      }),
    );
    const warnings = unreproducedScripts(packages);
    expect(warnings.map((w) => w.message)).toEqual([
      "package openssl: preinst runs ln, which imgc does not reproduce",
    ]);
  });

  it("ignores debconf block commands", () => {
    const pkg = installedPackage(dir, {
      name: "asks",
      scripts: { config: "db_beginblock\ndb_endblock\n" },
    });
    expect(unreproducedScripts([pkg])).toEqual([]);
  });

  it("checks the config script", () => {
    const pkg = installedPackage(dir, { name: "asks", scripts: { config: "touch /etc/flag\n" } });
    expect(unreproducedScripts([pkg])[0]?.message).toBe(
      "package asks: config runs touch, which imgc does not reproduce",
    );
  });
});
