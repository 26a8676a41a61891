// Dates and small texts as the pages show them.
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function isUrl(value: unknown): value is string {
  return typeof value === "string" && /^https?:\/\/[^\s]+$/.test(value);
}
