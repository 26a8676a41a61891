import { describe, expect, it } from "vitest";
import { base64url, challengeOf, claimsOf, randomString } from "./pkce";

describe("pkce", () => {
  it("derives the S256 challenge of RFC 7636's example verifier", async () => {
    // RFC 7636, appendix B
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("makes url-safe verifiers of 43 characters from 32 random bytes", () => {
    const verifier = randomString();
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomString()).not.toBe(verifier);
  });

  it("encodes without padding or +/", () => {
    expect(base64url(new Uint8Array([251, 255, 191]))).toBe("-_-_");
  });

  it("reads a token's claims", () => {
    const body = base64url(new TextEncoder().encode(JSON.stringify({ sub: "alice", exp: 42 })));
    expect(claimsOf(`h.${body}.s`)).toEqual({ sub: "alice", exp: 42 });
    expect(claimsOf("garbage")).toEqual({});
  });
});
