// The root example: a small Node.js HTTP service on Debian trixie's nodejs, run as a non-root
// user. Build it with `npx imgc compile image.config.ts`.

import { copy, debian, defineImage } from "imgc";

export default defineImage({
  name: "hello-server",
  tags: ["0.1.0", "latest"],
  packages: debian({
    suite: "trixie",
    packages: ["nodejs", "ca-certificates"],
  }),
  files: [copy("./examples/hello-server", "/app")],
  user: { name: "app", uid: 10001 },
  workdir: "/app",
  env: { NODE_ENV: "production", PORT: "8080" },
  entrypoint: ["/usr/bin/node", "/app/server.js"],
  ports: [8080],
  labels: {
    "org.opencontainers.image.title": "hello-server",
    "org.opencontainers.image.description": "Example Node.js service built by imgc",
  },
  stopSignal: "SIGTERM",
});
