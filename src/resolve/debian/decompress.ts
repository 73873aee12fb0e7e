// Streaming decompression of the formats Debian archives use: xz (xz-decompress, WebAssembly),
// zstd (fzstd) and gzip (node:zlib). Reading needs no byte-exact output, so node:zlib is fine
// here. The only file that imports the two decompression libraries.

import { Readable, type Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";

import { Decompress } from "fzstd";
import xz from "xz-decompress";

/** Compression of an index or of a .deb member, taken from its file name extension. */
export type Compression = "xz" | "zstd" | "gzip" | "none";

/** Returns the compression named by a file name suffix, or undefined for an unknown one. */
export function compressionOfName(name: string, base: string): Compression | undefined {
  const suffixes: Record<string, Compression> = {
    "": "none",
    ".xz": "xz",
    ".zst": "zstd",
    ".gz": "gzip",
  };
  if (!name.startsWith(base)) return undefined;
  return suffixes[name.slice(base.length)];
}

/**
 * Compressed bytes given to fzstd at a time. The output of one slice is held in memory, and a
 * 4-byte RLE block can stand for 128 KiB, so 512 bytes bound it to 16 MiB.
 */
const zstdSlice = 512;

/**
 * Decompresses zstd as a pull-driven generator: fzstd returns the whole output of each push at
 * once and has no backpressure, so the input goes in small slices, each only when the reader
 * asks for more. Highly compressible members would otherwise expand in memory all at once.
 */
async function* zstdChunks(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const output: Buffer[] = [];
  // fzstd may reuse its buffers, so each chunk is copied.
  const decoder = new Decompress((data) => output.push(Buffer.from(data)));
  for await (const chunk of input) {
    for (let i = 0; i < chunk.length; i += zstdSlice) {
      decoder.push(chunk.subarray(i, i + zstdSlice));
      yield* output.splice(0);
    }
  }
  decoder.push(new Uint8Array(0), true);
  yield* output.splice(0);
}

function xzStream(input: Readable): Readable {
  const web = Readable.toWeb(input) as unknown as ReadableStream<Uint8Array>;
  const output = new xz.XzReadableStream(web);
  return Readable.fromWeb(output as unknown as WebReadableStream<Uint8Array>);
}

/** Returns a stream of the decompressed bytes of `input`. */
export function decompressStream(input: Readable, compression: Compression): Readable {
  switch (compression) {
    case "none":
      return input;
    case "gzip":
      return pipeWithErrors(input, createGunzip());
    case "zstd":
      return Readable.from(zstdChunks(input), { objectMode: false });
    case "xz":
      return xzStream(input);
  }
}

/** Pipes `input` into `transform` and forwards an error of `input` to the output. */
function pipeWithErrors(input: Readable, transform: Transform): Transform {
  input.on("error", (error) => transform.destroy(error));
  return input.pipe(transform);
}
