export * from "./store";
export * from "./types";
export * from "./seed";
export * from "./format";
export * as payloads from "./payloads";
