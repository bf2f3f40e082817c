export * from "./atomic-write";
export * from "./hashing";
export * from "./manifest";
export * from "./blob-store";
export * from "./encryption";
