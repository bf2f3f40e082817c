import { ERRORS } from "./errors";

/**
 * A streaming multipart/form-data reader: text fields are collected (small, bounded), the first file
 * part is handed over chunk by chunk and awaited, so memory stays bounded by one chunk plus the
 * boundary whatever the upload's size. Like storage-api (@fastify/multipart `request.file()`), only
 * fields sent before the file count, and parts after the first file are skipped.
 */
export interface FilePartInfo {
  fieldName: string;
  filename?: string;
  contentType?: string;
}

export interface MultipartSink {
  /** Called once, when the first file part starts; fields seen so far are passed along. */
  fileStart(info: FilePartInfo, fields: Map<string, string>): Promise<void> | void;
  fileChunk(chunk: Buffer): Promise<void>;
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

export function boundaryOf(contentType: string): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return (m?.[1] ?? m?.[2])?.trim();
}

function parseHeaders(block: string) {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get("content-disposition") ?? "";
  const param = (key: string) => new RegExp(`;\\s*${key}="([^"]*)"`, "i").exec(disposition)?.[1];
  return { name: param("name") ?? "", filename: param("filename"), contentType: headers.get("content-type") };
}

/** Returns true once the first file part has been read completely. */
export async function readMultipart(body: AsyncIterable<Buffer>, boundary: string, sink: MultipartSink): Promise<boolean> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const malformed = () => ERRORS.invalidRequest("Malformed multipart/form-data body");
  const fields = new Map<string, string>();
  // The leading CRLF lets the first boundary match the same delimiter as the others.
  let buf: Buffer = Buffer.from(CRLF);
  // Widened on purpose: `drain` changes it, which the compiler cannot see from the loop below.
  let state = "preamble" as "preamble" | "boundary" | "headers" | "body" | "done";
  let part: { kind: "field" | "file" | "skip"; name: string; chunks: Buffer[]; size: number } | undefined;
  let fileDone = false;

  const emit = async (data: Buffer) => {
    if (!part || data.length === 0) return;
    if (part.kind === "file") await sink.fileChunk(data);
    else if (part.kind === "field") {
      part.size += data.length;
      if (part.size > MAX_FIELD_BYTES) throw ERRORS.invalidRequest(`Form field ${part.name} is too large`);
      part.chunks.push(Buffer.from(data));
    }
  };
  const endPart = () => {
    if (part?.kind === "field") fields.set(part.name, Buffer.concat(part.chunks).toString("utf8"));
    if (part?.kind === "file") fileDone = true;
    part = undefined;
  };

  const drain = async () => {
    for (;;) {
      if (state === "preamble") {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          return;
        }
        buf = buf.subarray(i + delimiter.length);
        state = "boundary";
      } else if (state === "boundary") {
        if (buf.length < 2) return;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = "done";
          return;
        }
        const eol = buf.indexOf(CRLF);
        if (eol < 0) {
          if (buf.length > 1024) throw malformed();
          return;
        }
        buf = buf.subarray(eol + 2);
        state = "headers";
      } else if (state === "headers") {
        const end = buf.subarray(0, 2).equals(CRLF) ? -2 : buf.indexOf(HEADER_END);
        if (end === -1) {
          if (buf.length > MAX_HEADER_BYTES) throw malformed();
          return;
        }
        const info = parseHeaders(end < 0 ? "" : buf.subarray(0, end).toString("utf8"));
        buf = buf.subarray(end < 0 ? 2 : end + 4);
        const isFile = info.filename !== undefined || (info.contentType !== undefined && info.name === "");
        if (isFile && !fileDone && !part) {
          await sink.fileStart({ fieldName: info.name, filename: info.filename, contentType: info.contentType }, fields);
          part = { kind: "file", name: info.name, chunks: [], size: 0 };
        } else {
          part = { kind: isFile || fileDone ? "skip" : "field", name: info.name, chunks: [], size: 0 };
        }
        state = "body";
      } else if (state === "body") {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            await emit(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          return;
        }
        await emit(buf.subarray(0, i));
        endPart();
        buf = buf.subarray(i + delimiter.length);
        state = "boundary";
      } else {
        return;
      }
    }
  };

  for await (const chunk of body) {
    if (state === "done") continue; // epilogue: read and dropped
    buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
    await drain();
  }
  if (state !== "done") throw malformed();
  return fileDone;
}
