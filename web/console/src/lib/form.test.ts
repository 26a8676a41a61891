import { describe, expect, it } from "vitest";
import type { CatalogField } from "../api/types";
import { boundsHint, canGenerate, generate, initialValues, toVariables } from "./form";

const field = (over: Partial<CatalogField>): CatalogField => ({
  name: "f",
  type: "STRING",
  required: false,
  default: null,
  options: null,
  min: null,
  max: null,
  pattern: null,
  description: "",
  sensitive: false,
  ...over,
});

describe("the deploy form", () => {
  const fields = [
    field({ name: "title", required: true }),
    field({ name: "port", type: "INTEGER", default: 8080, min: 1024, max: 65535 }),
    field({ name: "ratio", type: "NUMBER", default: 0.5 }),
    field({ name: "debug", type: "BOOLEAN", default: true }),
    field({ name: "mode", type: "ENUM", options: ["a", "b"], default: "b" }),
    field({ name: "tags", type: "LIST_OF_STRINGS", default: ["x"] }),
    field({ name: "password", sensitive: true, default: "" }),
  ];

  it("starts from the defaults, sensitive ones blank", () => {
    expect(initialValues(fields)).toEqual({
      title: "", port: "8080", ratio: "0.5", debug: true, mode: "b", tags: ["x"], password: "",
    });
  });

  it("starts an edit from the current values, sensitive ones blank", () => {
    const values = initialValues(fields, { title: "Hi", port: 9000, password: "********" });
    expect(values.title).toBe("Hi");
    expect(values.port).toBe("9000");
    expect(values.password).toBe("");
  });

  it("sends typed values, leaves empty text out and passes unparsable numbers on for the API to name", () => {
    const values = { ...initialValues(fields), title: "Hello", port: "80x", tags: ["a", "", "b"] };
    expect(toVariables(fields, values)).toEqual({
      title: "Hello", port: "80x", ratio: 0.5, debug: true, mode: "b", tags: ["a", "b"],
    });
    expect(toVariables(fields, { ...values, port: " 8081 " }).port).toBe(8081);
  });

  it("offers generation only where a generated value fits the field", () => {
    expect(canGenerate(field({ sensitive: true, pattern: "^[A-Za-z0-9._~!@#%^&*+=:,-]*$", max: 128 }))).toBe(true);
    expect(canGenerate(field({ sensitive: false }))).toBe(false);
    expect(canGenerate(field({ sensitive: true, pattern: "^[0-9]+$" }))).toBe(false);
    expect(canGenerate(field({ sensitive: true, min: 40 }))).toBe(false);
    const made = generate(field({ sensitive: true, max: 16 }));
    expect(made).toMatch(/^[A-Za-z0-9]{16}$/);
  });

  it("says the bounds", () => {
    expect(boundsHint(fields[1]!)).toBe("1024 to 65535");
    expect(boundsHint(field({ max: 200 }))).toBe("up to 200 characters");
  });
});
