// The catalogue of diagnostic codes. Codes are stable: tests, docs and users' scripts match on
// them, so a code is never reused for another meaning.
//
//   IMGC1xxx  loading the config file
//   IMGC2xxx  type errors and config validation
//   IMGC3xxx  resolving inputs (Debian packages, base image, files)
//   IMGC4xxx  the lock file

export const Codes = {
  configNotFound: "IMGC1001",
  configLoadFailed: "IMGC1002",
  configNoDefaultExport: "IMGC1003",

  typeError: "IMGC2001",
  unknownKey: "IMGC2002",
  wrongType: "IMGC2003",
  missingField: "IMGC2004",
  relativePath: "IMGC2005",
  parentSegment: "IMGC2006",
  duplicatePath: "IMGC2007",
  idOutOfRange: "IMGC2008",
  missingSource: "IMGC2009",
  invalidValue: "IMGC2010",
  unknownOwner: "IMGC2011",
  unsupportedPlatform: "IMGC2012",
  replacesFolder: "IMGC2013",

  unknownPackage: "IMGC3001",
  unsatisfiableDependency: "IMGC3002",
  packageConflict: "IMGC3003",
  maintainerScripts: "IMGC3004",
  baseImageNotFound: "IMGC3005",
  noMirror: "IMGC3006",
  unknownSuite: "IMGC3007",

  staleLock: "IMGC4001",
  invalidLock: "IMGC4002",
} as const;
