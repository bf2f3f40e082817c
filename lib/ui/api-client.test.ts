import { describe, expect, it } from "vitest";
import { ApiError, errorMessage, readApiError } from "./api-client";

describe("readApiError", () => {
  it("reads the API's error shape", () => {
    const e = readApiError(422, { error: { code: "gate_closed", message: "Phase Initial has no validated checkpoint.", details: { phase: "initial" } } });
    expect(e).toMatchObject({ status: 422, code: "gate_closed", message: "Phase Initial has no validated checkpoint.", details: { phase: "initial" } });
  });
  it("never passes on a body that is not the error shape (an HTML page, a stack)", () => {
    expect(readApiError(500, undefined).message).toMatch(/server failed \(HTTP 500\)/);
    expect(readApiError(502, { stack: "Error: at x" }).message).not.toMatch(/stack|at x/);
    expect(readApiError(404, "<html>").code).toBe("not_found");
    expect(readApiError(409, { error: { message: "" } }).message).toBe("The request was refused (HTTP 409).");
  });
  it("errorMessage hides unexpected errors", () => {
    expect(errorMessage(new ApiError(409, "locked", "busy"))).toBe("busy");
    expect(errorMessage(new TypeError("x is undefined"))).toBe("Something went wrong. Nothing was changed; try again.");
  });
});
