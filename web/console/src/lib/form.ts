// The deploy form: what each typed field holds while edited, the variables sent to the API,
// and values generated for sensitive fields that allow it. The API validates; the form only
// converts (a value the API refuses comes back as a message on its field).
import type { CatalogField } from "../api/types";

export type Value = string | boolean | string[];
export type Values = Record<string, Value>;

export function initialValue(field: CatalogField): Value {
  const given = field.default;
  switch (field.type) {
    case "BOOLEAN":
      return given === true;
    case "LIST_OF_STRINGS":
      return Array.isArray(given) ? given.map(String) : [];
    case "ENUM":
      return given == null ? "" : String(given);
    default:
      return given == null || field.sensitive ? "" : String(given);
  }
}

export function initialValues(fields: readonly CatalogField[], current: Record<string, unknown> = {}): Values {
  const values: Values = {};
  for (const field of fields) {
    const known = current[field.name];
    values[field.name] =
      known === undefined || field.sensitive ? initialValue(field) : initialValue({ ...field, default: known });
  }
  return values;
}

/** The variables to send: numbers as numbers where they parse, empty text left out (the default applies). */
export function toVariables(fields: readonly CatalogField[], values: Values): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value === undefined) continue;
    if (field.type === "BOOLEAN" || field.type === "LIST_OF_STRINGS") {
      out[field.name] = field.type === "LIST_OF_STRINGS" ? (value as string[]).filter((s) => s !== "") : value;
      continue;
    }
    const text = String(value).trim() === "" ? "" : String(value);
    if (text === "") continue;
    out[field.name] = field.type === "NUMBER" || field.type === "INTEGER" ? asNumber(text) : text;
  }
  return out;
}

function asNumber(text: string): number | string {
  const number = Number(text.trim());
  return Number.isFinite(number) ? number : text; // the API names what is wrong with the text
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Whether "generate for me" is offered: a sensitive text field whose rules a generated value fits. */
export function canGenerate(field: CatalogField): boolean {
  if (!field.sensitive || field.type !== "STRING") return false;
  const length = generatedLength(field);
  if (field.min != null && length < field.min) return false;
  return field.pattern == null || safeTest(field.pattern, "aZ09".repeat(8).slice(0, length));
}

export function generate(field: CatalogField): string {
  const length = generatedLength(field);
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("");
}

function generatedLength(field: CatalogField): number {
  return field.max == null ? 32 : Math.max(1, Math.min(32, Math.floor(field.max)));
}

function safeTest(pattern: string, sample: string): boolean {
  try {
    return new RegExp(pattern).test(sample);
  } catch {
    return false;
  }
}

/** The bounds a person reads next to a field: "1024 to 65535", "up to 200 characters". */
export function boundsHint(field: CatalogField): string {
  const unit = field.type === "STRING" ? " characters" : field.type === "LIST_OF_STRINGS" ? " items" : "";
  const { min, max } = field;
  if (min != null && max != null) return `${min} to ${max}${unit}`;
  if (min != null) return `at least ${min}${unit}`;
  if (max != null) return `up to ${max}${unit}`;
  return "";
}
