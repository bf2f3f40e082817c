export * from "./atomic-write";
export * from "./hashing";
export * from "./manifest";
export * from "./blob-store";
export * from "./encryption";
export * from "./store-keys";
export * from "./no-follow";
export * from "./private-files";
