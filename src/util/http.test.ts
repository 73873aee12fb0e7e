import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { sha256Hex } from "./digest.js";
import { fetchBytes, fetchToFile, httpTimeoutMs } from "./http.js";
import type { Reporter } from "./reporter.js";

/** Routes of the test server by URL path. Each test sets the ones it requests. */
const routes = new Map<string, RequestListener>();
const requests: string[] = [];
let server: Server;
let base: string;
let dir: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? "");
    const route = routes.get(request.url ?? "");
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no port");
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  routes.clear();
  requests.length = 0;
  dir = await mkdtemp(join(tmpdir(), "imgc-http-"));
});

afterEach(async () => {
  // Ends the requests that a test left waiting.
  server.closeAllConnections();
  delete process.env.IMGC_HTTP_TIMEOUT;
  await rm(dir, { recursive: true, force: true });
});

/** Returns a reporter that records its info lines. */
function recordingReporter(): Reporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), debug: () => undefined, warn: () => undefined };
}

const hang: RequestListener = () => undefined;

function serveBytes(data: Buffer, headers: Record<string, number | string> = {}): RequestListener {
  return (_request, response) => {
    response.writeHead(200, headers);
    response.end(data);
  };
}

/** Sends zero bytes until the client leaves, and counts them. */
function endless(stats: { sent: number }, headers: Record<string, number> = {}): RequestListener {
  return (_request, response) => {
    const chunk = Buffer.alloc(1 << 16);
    response.writeHead(200, headers);
    const pump = () => {
      while (!response.destroyed) {
        stats.sent += chunk.length;
        if (!response.write(chunk)) {
          response.once("drain", pump);
          return;
        }
      }
    };
    pump();
  };
}

describe("fetchToFile", () => {
  it("downloads a body of the expected size", async () => {
    const data = Buffer.from("package bytes\n");
    routes.set("/ok", serveBytes(data));
    const dest = join(dir, "ok");
    const result = await fetchToFile(`${base}/ok`, dest, data.length);
    expect(result).toEqual({ sha256: sha256Hex(data), size: data.length });
    expect(await readFile(dest)).toEqual(data);
  });

  it("stops an endless body at the expected size", async () => {
    const stats = { sent: 0 };
    routes.set("/endless", endless(stats));
    const dest = join(dir, "endless");
    const error = await fetchToFile(`${base}/endless`, dest, 712).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "VerificationError", file: `${base}/endless` });
    expect((error as Error).message).toMatch(/expected 712 bytes, got more; stopped after \d+/);
    expect(stats.sent).toBeLessThan(64 << 20);
    expect(existsSync(dest)).toBe(false);
    expect(requests).toEqual(["/endless"]);
  }, 20_000);

  it("rejects a Content-Length above the expected size", async () => {
    const stats = { sent: 0 };
    routes.set("/large", endless(stats, { "content-length": 300 << 20 }));
    const error = await fetchToFile(`${base}/large`, join(dir, "large"), 712).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "VerificationError", file: `${base}/large` });
    expect((error as Error).message).toContain(
      "expected 712 bytes, the server announced 314572800 (Content-Length)",
    );
    expect(stats.sent).toBeLessThan(64 << 20);
  }, 20_000);

  it("rejects a body shorter than expected", async () => {
    // No Content-Length: the server ends a chunked body early, which is a complete response.
    routes.set("/short", (_request, response) => {
      response.writeHead(200);
      response.end(Buffer.alloc(10));
    });
    const dest = join(dir, "short");
    const error = await fetchToFile(`${base}/short`, dest, 100).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "VerificationError", file: `${base}/short` });
    expect((error as Error).message).toMatch(/expected 100 bytes, got 10$/);
    expect(existsSync(dest)).toBe(false);
  });

  it("times out waiting for the headers", async () => {
    process.env.IMGC_HTTP_TIMEOUT = "0.2";
    routes.set("/hang", hang);
    const start = Date.now();
    const error = await fetchToFile(`${base}/hang`, join(dir, "hang"), 10, {
      retries: 1,
      backoffMs: 10,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "HttpTimeoutError", url: `${base}/hang`, timeoutMs: 200 });
    expect((error as Error).message).toBe(
      `GET ${base}/hang timed out after 0.2 s waiting for the response headers (2 attempts)`,
    );
    expect(requests).toEqual(["/hang", "/hang"]);
    expect(Date.now() - start).toBeLessThan(5_000);
  }, 20_000);

  it("times out when the body stops", async () => {
    routes.set("/stall", (_request, response) => {
      response.writeHead(200, { "content-length": 100 });
      response.write(Buffer.alloc(10));
    });
    const dest = join(dir, "stall");
    const error = await fetchToFile(`${base}/stall`, dest, 100, {
      retries: 0,
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "HttpTimeoutError" });
    expect((error as Error).message).toBe(
      `GET ${base}/stall timed out after 0.2 s waiting for the next part of the response body ` +
        "(1 attempt)",
    );
    expect(existsSync(dest)).toBe(false);
  }, 20_000);

  it("retries after a timeout", async () => {
    const data = Buffer.from("second time\n");
    let calls = 0;
    routes.set("/flaky", (request, response) => {
      calls++;
      if (calls > 1) serveBytes(data)(request, response);
    });
    const reporter = recordingReporter();
    const dest = join(dir, "flaky");
    const result = await fetchToFile(`${base}/flaky`, dest, data.length, {
      timeoutMs: 200,
      backoffMs: 10,
      reporter,
    });
    expect(result.size).toBe(data.length);
    expect(await readFile(dest)).toEqual(data);
    expect(reporter.lines).toEqual([
      `GET ${base}/flaky: timed out after 0.2 s waiting for the response headers; ` +
        "retrying in 10 ms (attempt 2 of 4)",
    ]);
  }, 20_000);

  it("retries a 503 and not a 404", async () => {
    let calls = 0;
    routes.set("/busy", (request, response) => {
      calls++;
      if (calls === 1) response.writeHead(503).end();
      else serveBytes(Buffer.from("ok"))(request, response);
    });
    await expect(
      fetchToFile(`${base}/busy`, join(dir, "busy"), 2, { backoffMs: 10 }),
    ).resolves.toMatchObject({ size: 2 });
    await expect(
      fetchToFile(`${base}/missing`, join(dir, "missing"), 2, { backoffMs: 10 }),
    ).rejects.toMatchObject({ name: "HttpStatusError", status: 404 });
    expect(requests.filter((path) => path === "/missing")).toHaveLength(1);
  });
});

describe("fetchBytes", () => {
  it("returns the body", async () => {
    routes.set("/small", serveBytes(Buffer.from("Release\n")));
    expect(Buffer.from(await fetchBytes(`${base}/small`)).toString()).toBe("Release\n");
  });

  it("stops a body larger than maxBytes", async () => {
    const stats = { sent: 0 };
    routes.set("/endless", endless(stats));
    const error = await fetchBytes(`${base}/endless`, { maxBytes: 1 << 20 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "VerificationError", file: `${base}/endless` });
    expect((error as Error).message).toMatch(/the response is larger than 1048576 bytes/);
    expect(stats.sent).toBeLessThan(64 << 20);
  }, 20_000);

  it("times out waiting for the headers", async () => {
    routes.set("/hang", hang);
    await expect(fetchBytes(`${base}/hang`, { retries: 0, timeoutMs: 100 })).rejects.toThrow(
      `GET ${base}/hang timed out after 0.1 s waiting for the response headers`,
    );
  }, 20_000);
});

describe("httpTimeoutMs", () => {
  it("reads IMGC_HTTP_TIMEOUT in seconds", () => {
    expect(httpTimeoutMs({})).toBe(30_000);
    expect(httpTimeoutMs({ IMGC_HTTP_TIMEOUT: "90" })).toBe(90_000);
    expect(httpTimeoutMs({ IMGC_HTTP_TIMEOUT: "0.5" })).toBe(500);
  });

  it.each(["0", "-1", "soon", "Infinity"])("rejects %j", (value) => {
    expect(() => httpTimeoutMs({ IMGC_HTTP_TIMEOUT: value })).toThrow(
      `invalid IMGC_HTTP_TIMEOUT "${value}": expected a number of seconds greater than 0`,
    );
  });
});
