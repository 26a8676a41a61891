import { cleanup, fireEvent, render, screen } from "@testing-library/preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CatalogField } from "../api/types";
import { FieldInput } from "./FieldInput";

const field = (over: Partial<CatalogField>): CatalogField => ({
  name: "f", type: "STRING", required: false, default: null, options: null, min: null, max: null,
  pattern: null, description: "help text", sensitive: false, ...over,
});

describe("FieldInput", () => {
  afterEach(cleanup);

  it("shows a sensitive field as a password with 'generate for me' filling it", () => {
    const onChange = vi.fn();
    render(<FieldInput field={field({ name: "password", sensitive: true, max: 20 })} value="" onChange={onChange} />);
    const input = screen.getByLabelText(/^password/, { selector: "input" }) as HTMLInputElement;
    expect(input.type).toBe("password");
    fireEvent.click(screen.getByRole("button", { name: "Generate password for me" }));
    expect(onChange).toHaveBeenCalledWith(expect.stringMatching(/^[A-Za-z0-9]{20}$/));
  });

  it("offers no generation where a generated value would not fit", () => {
    render(<FieldInput field={field({ name: "pin", sensitive: true, pattern: "^[0-9]{4}$" })} value="" onChange={() => {}} />);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("ties the API's message and the help to the control", () => {
    render(<FieldInput field={field({ name: "port", type: "INTEGER", min: 1024, max: 65535 })} value="80" error="must be at least 1024" onChange={() => {}} />);
    const input = screen.getByLabelText("port");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const described = (input.getAttribute("aria-describedby") ?? "").split(" ").map((id) => document.getElementById(id)?.textContent);
    expect(described).toEqual([expect.stringContaining("help text"), "must be at least 1024"]);
    expect(screen.getByRole("alert").textContent).toBe("must be at least 1024");
  });

  it("renders an enum as a select of its options and a boolean as a checkbox", () => {
    const onChange = vi.fn();
    render(<FieldInput field={field({ name: "mode", type: "ENUM", options: ["a", "b"], required: true })} value="b" onChange={onChange} />);
    const select = screen.getByLabelText(/mode/) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["a", "b"]);
    cleanup();
    render(<FieldInput field={field({ name: "debug", type: "BOOLEAN" })} value={false} onChange={onChange} />);
    fireEvent.click(screen.getByLabelText("debug"));
    expect(onChange).toHaveBeenCalledWith(true);
  });
});
