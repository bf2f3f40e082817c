import { z } from "zod";
import { BACKUP_COMPONENTS } from "../domain/checkpoint-input";
import { rollbackAcceptedSchema } from "./schemas";

const dateTime = z.string().meta({ format: "date-time" });

/** A rollback request the two-person rule (ROLLBACK_APPROVAL=two-person) holds back for a second admin. */
export const rollbackApprovalSchema = z
  .object({
    id: z.string().uuid(),
    checkpointId: z.string().uuid(),
    components: z.array(z.enum(BACKUP_COMPONENTS)),
    status: z.enum(["pending", "approved", "refused", "expired"]),
    requestedBy: z.string(),
    requestedByPerson: z.string().meta({ description: "The person behind the request: the user, or the admin who created the API token" }),
    requestedAt: dateTime,
    decidedBy: z.string().nullable(),
    decidedAt: dateTime.nullable(),
    reason: z.string().nullable(),
    rollbackId: z.string().uuid().nullable(),
  })
  .meta({ description: "A rollback waiting for (or decided by) a second admin" });

export const rollbackAwaitingApprovalSchema = z
  .object({ approval: rollbackApprovalSchema })
  .meta({ description: "With ROLLBACK_APPROVAL=two-person, a rollback to a checkpoint of the last two phases: nothing is queued until a second admin approves" });

/** What POST …/rollback answers: the rollback and its job, or the approval it waits for. */
export const rollbackRequestAcceptedSchema = z.union([rollbackAcceptedSchema, rollbackAwaitingApprovalSchema]);

export const rollbackApprovedSchema = rollbackAcceptedSchema.extend({ approval: rollbackApprovalSchema });
