// Rules for `stopSignal`, which the OCI image spec requires in SIGNAME form ("SIGKILL",
// "SIGRTMIN+3").

import { Codes } from "../../diagnostics/codes.js";
import type { ConfigPath } from "../config-path.js";
import { reportError, type RuleContext } from "./context.js";
import { suggest } from "./suggest.js";
import { readString, subject } from "./values.js";

/** Linux signal names, from signal(7). */
const signalNames: readonly string[] = [
  "SIGABRT",
  "SIGALRM",
  "SIGBUS",
  "SIGCHLD",
  "SIGCONT",
  "SIGFPE",
  "SIGHUP",
  "SIGILL",
  "SIGINT",
  "SIGIO",
  "SIGIOT",
  "SIGKILL",
  "SIGPIPE",
  "SIGPOLL",
  "SIGPROF",
  "SIGPWR",
  "SIGQUIT",
  "SIGRTMAX",
  "SIGRTMIN",
  "SIGSEGV",
  "SIGSTKFLT",
  "SIGSTOP",
  "SIGSYS",
  "SIGTERM",
  "SIGTRAP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGUSR1",
  "SIGUSR2",
  "SIGVTALRM",
  "SIGWINCH",
  "SIGXCPU",
  "SIGXFSZ",
];

/**
 * Real-time signals relative to SIGRTMIN or SIGRTMAX. glibc reserves two of Linux's 33, so
 * SIGRTMIN+n and SIGRTMAX-n are valid for n up to 30.
 */
const realtimeSignal = /^SIGRT(MIN\+|MAX-)([1-9]\d?)$/;
const maxRealtimeOffset = 30;

export function readStopSignal(
  context: RuleContext,
  value: unknown,
  configPath: ConfigPath,
): string | undefined {
  const signal = readString(context, value, configPath);
  if (signal === undefined || isSignalName(signal)) {
    return signal;
  }
  const upper = signal.toUpperCase();
  const withPrefix = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const meant = isSignalName(withPrefix) ? withPrefix : suggest(signal, signalNames);
  const start = meant === undefined ? "" : `Did you mean ${JSON.stringify(meant)}? `;
  reportError(
    context,
    Codes.invalidValue,
    configPath,
    `${subject(configPath)} ${JSON.stringify(signal)} is not a signal name`,
    `${start}Use a name such as "SIGTERM", "SIGINT" or "SIGRTMIN+3".`,
  );
  return undefined;
}

function isSignalName(signal: string): boolean {
  const realtime = realtimeSignal.exec(signal);
  if (realtime?.[2] !== undefined) {
    return Number(realtime[2]) <= maxRealtimeOffset;
  }
  return signalNames.includes(signal);
}
