import type { PrismaClient } from "../db/generated/client";
import { findChainBreak, GENESIS_HASH, type ChainBreak } from "./audit-hash";

export interface AuditChainReport {
  intact: boolean;
  eventsChecked: number;
  firstBreak: ChainBreak | null;
}

/** Re-computes the whole hash chain, page by page (bounded memory), and points at the first break. */
export async function verifyAuditChain(db: PrismaClient, pageSize = 1000): Promise<AuditChainReport> {
  let checked = 0;
  let state: { prevHash: string; prevSeq: bigint | null } = { prevHash: GENESIS_HASH, prevSeq: null };
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: state.prevSeq === null ? {} : { seq: { gt: state.prevSeq } },
      orderBy: { seq: "asc" },
      take: pageSize,
    });
    if (page.length === 0) break;
    if (state.prevSeq === null && page[0]!.seq !== 1n) {
      return {
        intact: false,
        eventsChecked: 0,
        firstBreak: { seq: String(page[0]!.seq), id: page[0]!.id, kind: "missing_event", message: `audit event(s) 1…${page[0]!.seq - 1n} are missing (deleted?)` },
      };
    }
    const brk = findChainBreak(page, state);
    if (brk) return { intact: false, eventsChecked: checked + page.length, firstBreak: brk };
    checked += page.length;
    const last = page[page.length - 1]!;
    state = { prevHash: last.hash, prevSeq: last.seq };
  }
  return { intact: true, eventsChecked: checked, firstBreak: null };
}
