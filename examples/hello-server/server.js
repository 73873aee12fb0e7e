// A small HTTP service for the root example image. It responds to every request with a greeting and
// the uid it runs as, so a test can check that the container runs as the configured user.

import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 8080);

const server = createServer((request, response) => {
  const body = JSON.stringify({
    message: "hello from imgc",
    path: request.url,
    uid: process.getuid?.(),
    node: process.version,
  });
  response.writeHead(200, { "content-type": "application/json" });
  response.end(`${body}\n`);
});

server.listen(port, () => {
  console.log(`listening on port ${port}`);
});

// The container runtime sends SIGTERM to stop the service; close cleanly instead of being killed.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
