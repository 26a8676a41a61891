import { describe, expect, it } from "vitest";
import { ApiError, fieldProblems } from "./errors";

describe("the API's errors on the form's fields", () => {
  it("puts each listed problem on the field it names, however the API spells the path", () => {
    const error = new ApiError([
      {
        message: "input.variables.port: must be at least 1024; title: required",
        extensions: { code: "BAD_USER_INPUT", field: "input.variables.port" },
      },
    ]);
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(fieldProblems(error, ["title", "port", "name"])).toEqual({ port: "must be at least 1024", title: "required" });
  });

  it("keeps a problem naming no field of the form for the form itself, or the named field", () => {
    const general = new ApiError([{ message: "too many jobs", extensions: { code: "CONFLICT" } }]);
    expect(fieldProblems(general, ["port"])).toEqual({ "": "too many jobs" });
    const named = new ApiError([{ message: "is taken by another service", extensions: { code: "CONFLICT", field: "port" } }]);
    expect(fieldProblems(named, ["port"])).toEqual({ port: "is taken by another service" });
  });
});
