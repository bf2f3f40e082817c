import { AppError } from "../domain/errors";
import { loadMappingFile, type MappingFile } from "../validation/mapping";

/** The configured mapping file, or the identity mapping when none is configured. */
export async function loadMappingOrDefault(file?: string): Promise<MappingFile> {
  if (!file) return { tables: [] };
  const result = await loadMappingFile(file);
  if (!result.ok) throw new AppError("configuration_error", `MAPPING_FILE: ${result.error}`);
  return result.mapping;
}
