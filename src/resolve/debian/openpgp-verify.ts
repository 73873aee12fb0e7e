// OpenPGP signature checks for Debian's InRelease files. The only file that imports openpgp.

import { readFile } from "node:fs/promises";

import * as openpgp from "openpgp";

import { ImgcError, VerificationError } from "../../util/errors.js";

/** The signed text of a clearsigned file and who signed it. */
export interface VerifiedText {
  /** The text between the armor headers, as signed. */
  text: string;
  /** Key IDs (hex) of the valid signatures, in the order they appear. */
  signers: string[];
}

/** Reads every public key of a keyring file, binary (`.gpg`) or ASCII-armored (`.asc`). */
export async function readKeyring(path: string): Promise<openpgp.PublicKey[]> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new ImgcError(`reading the OpenPGP keyring ${path} failed`, {
      cause: error,
      hint: "install debian-archive-keyring, or set `keyring` in debian({...}) to the archive's key file",
    });
  }
  try {
    const armored = data.subarray(0, 64).toString("latin1").includes("-----BEGIN PGP");
    const keys = armored
      ? await openpgp.readKeys({ armoredKeys: data.toString("utf8") })
      : await openpgp.readKeys({ binaryKeys: data });
    return keys.map((key) => key.toPublic());
  } catch (error) {
    throw new ImgcError(`the OpenPGP keyring ${path} is invalid: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Verifies the clearsigned `signed` text (such as an InRelease file) against the keys in
 * `keyringPath` and returns the signed text. At least one signature must be valid at `date` and
 * made by a key of the keyring. Other signatures, such as those by keys the keyring lacks, are
 * ignored.
 *
 * @param file the URL or path of the signed file, named in errors
 */
export async function verifyClearsigned(
  signed: string,
  keyringPath: string,
  file: string,
  date = new Date(),
): Promise<VerifiedText> {
  const keys = await readKeyring(keyringPath);
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: signed });
  } catch (error) {
    throw new VerificationError(file, "not an OpenPGP clearsigned message", { cause: error });
  }

  const result = await openpgp.verify({ message, verificationKeys: keys, date });
  const signers: string[] = [];
  const failures: string[] = [];
  for (const signature of result.signatures) {
    const keyID = signature.keyID.toHex();
    try {
      await signature.verified;
      signers.push(keyID);
    } catch (error) {
      failures.push(`key ${keyID}: ${(error as Error).message}`);
    }
  }
  if (signers.length === 0) {
    throw new VerificationError(
      file,
      `no valid signature by a key in ${keyringPath} (${failures.join("; ") || "no signatures"})`,
      { hint: "the mirror may be serving a tampered or stale file, or the keyring is out of date" },
    );
  }
  return { text: result.data, signers };
}
