#!/usr/bin/env bash
# Runs an image from an OCI layout with umoci and runc, without a container engine:
#   scripts/runc-run.sh out/hello-server:latest [NAME]
# The container shares the host's network, so a service in it is reachable on the host's
# loopback. The process runs without a terminal and without resource limits (rlimits), because
# some sandboxes reject setrlimit. Needs root, umoci, runc and node.
set -euo pipefail

image=${1:?usage: runc-run.sh LAYOUT:TAG [NAME]}
name=${2:-imgc-$$}
bundle=$(mktemp -d "${TMPDIR:-/tmp}/imgc-bundle-XXXXXX")
trap 'runc delete --force "$name" >/dev/null 2>&1 || true; rm -rf "$bundle"' EXIT

rmdir "$bundle"
umoci unpack --image "$image" "$bundle" >/dev/null
node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  const config = JSON.parse(fs.readFileSync(file, "utf8"));
  delete config.process.rlimits;
  config.process.terminal = false;
  config.linux.namespaces = config.linux.namespaces.filter((n) => n.type !== "network");
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
' "$bundle/config.json"
runc run --bundle "$bundle" "$name"
