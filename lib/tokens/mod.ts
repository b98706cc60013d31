/** Bootstrap tokens: format, Secret, JWS, CA pins, output. */
export * from "./token.ts";
export * from "./jws.ts";
export * from "./cahash.ts";
export * from "./output.ts";
export * from "./api.ts";
