import { describe, expect, it } from "vitest";
import {
  closesRun,
  MIN_RUN_SIZE,
  PIECE_SIZE,
  planPieces,
  type Piece,
  type TarRecord,
} from "./pieces.js";
import { END_OF_ARCHIVE_SIZE } from "./tar-header.js";

/** Records of small files with sizes from a fixed sequence, 512 bytes to about 48 KiB. */
function smallRecords(count: number, prefix = "usr/share/doc"): TarRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    path: `${prefix}/file-${index}.txt`,
    size: 512 * (2 + ((index * 7919) % 96)),
  }));
}

function streamSize(records: readonly TarRecord[]): number {
  return records.reduce((sum, record) => sum + record.size, 0) + END_OF_ARCHIVE_SIZE;
}

/** Returns the offsets where records end, the only places a run may close. */
function recordEnds(records: readonly TarRecord[]): Set<number> {
  const ends = new Set<number>();
  let offset = 0;
  for (const record of records) ends.add((offset += record.size));
  return ends;
}

function expectContiguous(pieces: readonly Piece[], total: number): void {
  expect(pieces[0]?.start).toBe(0);
  for (let index = 1; index < pieces.length; index++) {
    expect(pieces[index]?.start).toBe(pieces[index - 1]?.end);
  }
  expect(pieces.at(-1)?.end).toBe(total);
}

describe("planPieces", () => {
  it("makes one piece of the trailer alone", () => {
    expect(planPieces([])).toEqual([{ start: 0, end: END_OF_ARCHIVE_SIZE }]);
  });

  it("ends the last run with the trailer", () => {
    const records = [
      { path: "etc", size: 512 },
      { path: "etc/hosts", size: 1024 },
    ];
    expect(planPieces(records)).toEqual([{ start: 0, end: 1536 + END_OF_ARCHIVE_SIZE }]);
  });

  it("covers the stream with no gaps", () => {
    const records = [
      ...smallRecords(300),
      { path: "big.bin", size: 5 * PIECE_SIZE + 4608 },
      ...smallRecords(50, "x"),
    ];
    expectContiguous(planPieces(records), streamSize(records));
  });

  it("closes small runs at record ends", () => {
    const records = smallRecords(2000);
    const ends = recordEnds(records);
    const pieces = planPieces(records);
    for (const piece of pieces.slice(0, -1)) {
      expect(ends.has(piece.end)).toBe(true);
      expect(piece.end - piece.start).toBeGreaterThanOrEqual(MIN_RUN_SIZE);
      expect(piece.end - piece.start).toBeLessThan(2 * PIECE_SIZE);
    }
  });

  it("closes a run early only at a hashed path", () => {
    const records = smallRecords(2000);
    const pathAtEnd = new Map<number, string>();
    let offset = 0;
    for (const record of records) pathAtEnd.set((offset += record.size), record.path);
    for (const piece of planPieces(records).slice(0, -1)) {
      if (piece.end - piece.start < PIECE_SIZE)
        expect(closesRun(pathAtEnd.get(piece.end) ?? "")).toBe(true);
    }
  });

  it("cuts a large record every 1 MiB from its own start", () => {
    const large = 3 * PIECE_SIZE + 1536;
    const records = [
      { path: "a", size: 2048 },
      { path: "b.bin", size: large },
      { path: "c", size: 512 },
    ];
    expect(planPieces(records)).toEqual([
      { start: 0, end: 2048 },
      { start: 2048, end: 2048 + PIECE_SIZE },
      { start: 2048 + PIECE_SIZE, end: 2048 + 2 * PIECE_SIZE },
      { start: 2048 + 2 * PIECE_SIZE, end: 2048 + 3 * PIECE_SIZE },
      { start: 2048 + 3 * PIECE_SIZE, end: 2048 + large },
      { start: 2048 + large, end: 2048 + large + 512 + END_OF_ARCHIVE_SIZE },
    ]);
  });

  it("keeps a record of exactly 1 MiB in a run", () => {
    const records = [
      { path: "a", size: 512 },
      { path: "b", size: PIECE_SIZE },
      { path: "c", size: 512 },
    ];
    expect(planPieces(records)).toEqual([
      { start: 0, end: 512 + PIECE_SIZE },
      { start: 512 + PIECE_SIZE, end: 1024 + PIECE_SIZE + END_OF_ARCHIVE_SIZE },
    ]);
  });

  it("changes only the pieces near an edited small file", () => {
    const before = smallRecords(4000);
    const after = before.map((record, index) =>
      index === 2000 ? { ...record, size: record.size + 7 * 512 } : record,
    );
    const editOffset = before.slice(0, 2000).reduce((sum, record) => sum + record.size, 0);
    const piecesBefore = planPieces(before);
    const piecesAfter = planPieces(after);

    const key = (piece: Piece, shift: number) => `${piece.start + shift}-${piece.end + shift}`;
    const unchangedBefore = piecesBefore.filter((piece) => piece.end <= editOffset);
    expect(piecesAfter.slice(0, unchangedBefore.length)).toEqual(unchangedBefore);

    // Pieces after the edit are the same ranges, shifted by the 3,584 added bytes.
    const shiftedAfter = new Set(piecesAfter.map((piece) => key(piece, 0)));
    const changed = piecesBefore.filter(
      (piece) => !shiftedAfter.has(key(piece, piece.start > editOffset ? 3584 : 0)),
    );
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThanOrEqual(3);
    expect(piecesBefore.length).toBeGreaterThan(40);
  });

  it("resynchronises after a large file grows", () => {
    const before = [
      ...smallRecords(500, "a"),
      { path: "big.bin", size: 3 * PIECE_SIZE + 512 },
      ...smallRecords(500, "z"),
    ];
    const after = before.map((record) =>
      record.path === "big.bin" ? { ...record, size: record.size + 512 } : record,
    );
    const piecesBefore = planPieces(before);
    const piecesAfter = planPieces(after);
    const bigIndex = piecesBefore.findIndex((piece) => piece.end - piece.start === PIECE_SIZE);
    expect(piecesAfter.slice(0, bigIndex + 3)).toEqual(piecesBefore.slice(0, bigIndex + 3));
    const tail = piecesAfter
      .slice(bigIndex + 4)
      .map((piece) => ({ start: piece.start - 512, end: piece.end - 512 }));
    expect(tail).toEqual(piecesBefore.slice(bigIndex + 4));
  });

  it("gives the same pieces for the same records", () => {
    const records = smallRecords(3000);
    expect(planPieces(records)).toEqual(planPieces(records.map((record) => ({ ...record }))));
  });
});

describe("closesRun", () => {
  it("selects about 1 path in 32", () => {
    const selected = smallRecords(32_000).filter((record) => closesRun(record.path)).length;
    expect(selected).toBeGreaterThan(800);
    expect(selected).toBeLessThan(1200);
  });

  it("hashes the path's UTF-8 bytes", () => {
    // The first sha256 bytes of p36, p72 and p99 are 0xa0, 0x00 and 0xc0 (low 5 bits zero).
    const closing = Array.from({ length: 100 }, (_, index) => `p${index}`).filter(closesRun);
    expect(closing).toEqual(["p36", "p72", "p99"]);
    // "dé7" closes a run when hashed as UTF-8 but not as Latin-1.
    expect(closesRun("dé7")).toBe(true);
  });
});
