import { Worker } from "node:worker_threads";
import type { HashResult } from "./hashing";

/**
 * sha256 of files on disk, opened, read and hashed on a worker thread of their own, so that a caller
 * whose event loop is busy with something else (the files validator's downloads) does not also spend
 * it on file system calls and hashing. Each file is answered twice: once opened (or found not to be a
 * regular file), so the caller can decide what else to do for it, then with its hash.
 *
 * Files asked for in the same tick travel as one message, and answers are sent in batches: waking a
 * sleeping thread costs far more than a message in this kind of VM, so a caller that asks for many
 * files at once keeps the wake-ups to a few per batch. Hashing runs in slices of about 20 ms, between
 * which newly asked-for files are opened and answered: a large file does not hold them up.
 *
 * The thread's code is plain JavaScript, given as a string (no module to resolve, whichever way this
 * file was compiled or bundled). Reads are synchronous there: they block only that thread.
 */
const THREAD_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const CHUNK = 1024 * 1024;
/** Hashing runs in slices of about this long; the hashes finished in a slice are sent at its end. */
const SLICE_MS = 20;
const buffer = Buffer.allocUnsafe(CHUNK);
const flags = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;
const errorOf = (e) => ({ message: String(e && e.message), code: e && e.code });
const closeQuietly = (fd) => { try { fs.closeSync(fd); } catch {} };

// Every folder on a path is opened with O_NOFOLLOW | O_DIRECTORY and the next part relative to it
// (through /proc/self/fd, Linux's openat): a link on any part of the path is refused, never followed.
// Open folders are kept for the files asked for in one message (objects share their bucket's folders);
// a kept descriptor still names the folder it was opened as, so a later swap for a link changes nothing.
const DIR_FLAGS = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
const HAS_PROC_FD = process.platform === "linux" && fs.existsSync("/proc/self/fd");
const dirs = new Map();
function linkError(walked, expected) {
  return { kind: "error", error: { message: walked + " is a symbolic link where a " + expected + " was expected; links are never followed", code: "ELOOP" } };
}
function isLink(p) {
  try { return fs.lstatSync(p).isSymbolicLink(); } catch { return false; }
}
function openDir(dir) {
  const known = dirs.get(dir);
  if (known !== undefined) return known;
  const parent = require("node:path").dirname(dir);
  let fd;
  if (parent === dir) fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  else {
    const parentFd = openDir(parent);
    const name = require("node:path").basename(dir);
    fd = fs.openSync(HAS_PROC_FD ? "/proc/self/fd/" + parentFd + "/" + name : dir, DIR_FLAGS);
  }
  dirs.set(dir, fd);
  return fd;
}
function forgetDirs() {
  for (const fd of dirs.values()) closeQuietly(fd);
  dirs.clear();
}

function openRegular(path) {
  const pathModule = require("node:path");
  const dir = pathModule.dirname(path);
  let fd;
  try {
    let dirFd;
    try {
      dirFd = openDir(dir);
    } catch (e) {
      if (e.code === "ENOENT") return { kind: "none" };
      if (e.code === "ELOOP" || e.code === "ENOTDIR") {
        for (let d = dir; pathModule.dirname(d) !== d; d = pathModule.dirname(d)) if (isLink(d)) return linkError(d, "folder");
        if (e.code === "ENOTDIR") return { kind: "none" };
      }
      return { kind: "error", error: errorOf(e) };
    }
    fd = fs.openSync(HAS_PROC_FD ? "/proc/self/fd/" + dirFd + "/" + pathModule.basename(path) : path, flags);
  } catch (e) {
    // A link in the file's place is no file of the object's (it counts as missing, as a folder does).
    if (e.code === "ENOENT" || e.code === "ENOTDIR" || e.code === "ELOOP") return { kind: "none" };
    return { kind: "error", error: errorOf(e) };
  }
  try {
    if (fs.fstatSync(fd).isFile()) return { kind: "opened", fd };
    closeQuietly(fd);
    return { kind: "none" };
  } catch (e) {
    closeQuietly(fd);
    return { kind: "error", error: errorOf(e) };
  }
}

/** Opened files waiting to be hashed, the first one possibly part-way through. */
const queue = [];
let hashed = [];
let pumping = false;

// Each file is read to its end, not to the size seen at open: the hash is of the bytes read.
function pump() {
  const started = Date.now();
  while (queue.length > 0 && Date.now() - started < SLICE_MS) {
    const file = queue[0];
    let n;
    try {
      n = fs.readSync(file.fd, buffer, 0, CHUNK, null);
    } catch (e) {
      queue.shift();
      closeQuietly(file.fd);
      hashed.push({ id: file.id, error: errorOf(e) });
      continue;
    }
    if (n > 0) {
      file.hash.update(buffer.subarray(0, n));
      file.size += n;
      continue;
    }
    queue.shift();
    closeQuietly(file.fd);
    hashed.push({ id: file.id, sha256: file.hash.digest("hex"), size: file.size });
  }
  if (hashed.length > 0) {
    parentPort.postMessage({ hashed });
    hashed = [];
  }
  // Between slices the next files asked for are opened: a large file does not hold up their answers.
  if (queue.length > 0) setImmediate(pump);
  else pumping = false;
}

parentPort.on("message", ({ files }) => {
  const opened = [];
  for (const { id, path } of files) {
    const o = openRegular(path);
    opened.push({ id, kind: o.kind, error: o.error });
    if (o.kind === "opened") queue.push({ id, fd: o.fd, hash: createHash("sha256"), size: 0 });
  }
  forgetDirs();
  parentPort.postMessage({ opened });
  if (!pumping) {
    pumping = true;
    setImmediate(pump);
  }
});
`;

interface ThreadError {
  message: string;
  code?: string;
}

type ThreadMessage =
  | { opened: Array<{ id: number; kind: "none" | "opened" | "error"; error?: ThreadError }> }
  | { hashed: Array<{ id: number; sha256?: string; size?: number; error?: ThreadError }> };

interface Pending {
  opened: (isFile: boolean) => void;
  hashed: (value: HashResult) => void;
  fail: (e: Error) => void;
  isOpen: boolean;
}

export interface FileHashThread {
  /**
   * Opens the regular file at a path (a symlink is not followed): null when there is none there, else
   * its hash once read to the end. Rejects on any other failure to open or read it.
   */
  open(filePath: string): Promise<{ sha256: Promise<HashResult> } | null>;
  /** Stops the thread; files still waiting fail. */
  close(): Promise<void>;
}

const toError = (e: ThreadError) => Object.assign(new Error(e.message), { code: e.code });

let shared: (FileHashThread & { stopped(): boolean }) | undefined;

/**
 * The process's file hashing thread, started on first use (and again if it ever stopped). Starting a
 * thread costs about as much as hashing 50 MB here, so one serves every validation of the process.
 */
export function sharedFileHashThread(): FileHashThread {
  if (!shared || shared.stopped()) shared = startFileHashThread();
  return shared;
}

/**
 * A file hashing thread of its own. It keeps the process alive only while files are waiting on it;
 * idle, it lets the process exit.
 */
export function startFileHashThread(): FileHashThread & { stopped(): boolean } {
  const worker = new Worker(THREAD_SOURCE, { eval: true });
  const pending = new Map<number, Pending>();
  let queued: Array<{ id: number; path: string }> = [];
  let nextId = 0;
  let stopped: Error | undefined;

  const settle = (id: number) => {
    pending.delete(id);
    if (pending.size === 0) worker.unref();
  };
  const failAll = (e: Error) => {
    stopped ??= e;
    for (const p of pending.values()) p.fail(e);
    pending.clear();
    queued = [];
    worker.unref();
  };
  const flush = () => {
    if (stopped || queued.length === 0) return;
    worker.postMessage({ files: queued });
    queued = [];
  };
  worker.on("message", (m: ThreadMessage) => {
    if ("opened" in m) {
      for (const o of m.opened) {
        const p = pending.get(o.id);
        if (!p) continue;
        if (o.kind === "opened") {
          p.isOpen = true;
          p.opened(true);
          continue;
        }
        settle(o.id);
        if (o.kind === "none") p.opened(false);
        else p.fail(toError(o.error!));
      }
      return;
    }
    for (const h of m.hashed) {
      const p = pending.get(h.id);
      if (!p) continue;
      settle(h.id);
      if (h.error) p.fail(toError(h.error));
      else p.hashed({ sha256: h.sha256!, size: h.size! });
    }
  });
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => failAll(new Error(`the file hashing thread stopped (exit code ${code})`)));
  // After the listeners: adding a "message" listener refs the thread again.
  worker.unref();

  return {
    open(filePath) {
      if (stopped) return Promise.reject(stopped);
      const id = nextId++;
      return new Promise((resolveOpen, rejectOpen) => {
        let resolveHash!: (v: HashResult) => void;
        let rejectHash!: (e: Error) => void;
        const sha256 = new Promise<HashResult>((res, rej) => {
          resolveHash = res;
          rejectHash = rej;
        });
        // Nobody may await the hash (the caller gave up on the file): its failure is not unhandled.
        sha256.catch(() => undefined);
        const entry: Pending = {
          isOpen: false,
          opened: (isFile) => resolveOpen(isFile ? { sha256 } : null),
          hashed: resolveHash,
          fail: (e) => (entry.isOpen ? rejectHash(e) : rejectOpen(e)),
        };
        if (pending.size === 0) worker.ref();
        pending.set(id, entry);
        if (queued.length === 0) queueMicrotask(flush);
        queued.push({ id, path: filePath });
      });
    },
    async close() {
      failAll(new Error("the file hashing thread was closed"));
      await worker.terminate();
    },
    stopped: () => stopped !== undefined,
  };
}
