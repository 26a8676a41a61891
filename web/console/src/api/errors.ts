// GraphQL errors as the console acts on them: a message, SpawnIt's stable code, and the
// argument or form field the API names.

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; field?: string };
}

export class ApiError extends Error {
  readonly code: string;
  readonly field: string | undefined;
  readonly errors: GraphQLErrorShape[];

  constructor(errors: GraphQLErrorShape[]) {
    super(errors.map((e) => e.message).join("\n") || "request failed");
    this.name = "ApiError";
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? "INTERNAL";
    this.field = errors[0]?.extensions?.field;
  }
}

/**
 * Problems per form field from a BAD_USER_INPUT error. The API names the first field in
 * `extensions.field` and lists every problem in the message as `field: problem; ...`; a
 * part naming none of `fields` goes to the first named field (or to "" : the form's own).
 */
export function fieldProblems(error: ApiError, fields: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {};
  const known = new Set(fields);
  const fallback = error.field && known.has(bare(error.field)) ? bare(error.field) : "";
  for (const message of error.errors.map((e) => e.message)) {
    for (const part of message.split("; ")) {
      const colon = part.indexOf(": ");
      const name = colon > 0 ? bare(part.slice(0, colon)) : "";
      if (known.has(name)) found[name] = join(found[name], part.slice(colon + 2));
      else found[fallback] = join(found[fallback], part);
    }
  }
  return found;
}

// `input.variables.port` or `variables.port` -> `port`
function bare(field: string): string {
  const dotted = field.split(".");
  return dotted[dotted.length - 1] ?? field;
}

function join(before: string | undefined, more: string): string {
  return before ? `${before}; ${more}` : more;
}
