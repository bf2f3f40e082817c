import { z } from "zod";
import { componentsSchema } from "./checkpoint-input";
import { confirmNameSchema } from "./typed-confirmation";

/** Options of a rollback request: which components to restore (all three when absent). */
export const rollbackOptionsSchema = z.strictObject({
  components: componentsSchema.optional(),
  confirmName: confirmNameSchema.optional(),
});

export type RollbackOptions = z.infer<typeof rollbackOptionsSchema>;

export const rollbackIdSchema = z.string().uuid("rollback id must be a UUID");
